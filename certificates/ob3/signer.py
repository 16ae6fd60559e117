"""How this site signs and checks its Open Badges credentials and status lists: the one place
that joins the key ring (``certificates.keys``) to the Data Integrity library
(``certificates.ob3.di``, ``safe``, ``did``).

The issuer is the site's ``did:web``; each proof names the key ring key that made it as a
verification method of that DID (``did.json`` publishes every key, old ones too), and the
safe-mode check runs before every signature, so a document that would canonicalise differently
in another verifier is refused here, not signed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from certificates.keys import key_ring
from certificates.ob3 import did


def timestamp(moment: datetime) -> str:
    """An XSD dateTime in UTC to the second, as the proofs and credentials write it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_id() -> str:
    return did.site_did()


def verification_method(key) -> str:
    return did.site_verification_method(key)


def sign(document: dict, key=None, created: datetime | None = None) -> dict:
    """``document`` with a ``DataIntegrityProof`` (eddsa-rdfc-2022) by ``key`` (the key
    ring's current one by default), after the safe-mode check."""
    from certificates.ob3 import di  # with pyld: imported when first used (10 MB per worker)

    key = key or key_ring().current()
    return di.sign(
        document,
        key.private_key,
        verification_method(key),
        timestamp(created or datetime.now(UTC)),
    )


def verify(document: dict) -> bool:
    """Does ``document``'s proof verify against this site's keys?"""
    from certificates.ob3 import di

    try:
        return bool(di.verify(document, did.site_public_key_for))
    except Exception:  # a malformed proof or document is simply not verified
        return False
