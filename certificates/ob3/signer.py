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

try:  # fix/ob3-core's library
    from certificates.ob3 import di, did, safe
except ImportError:  # pragma: no cover - until that branch is merged
    from certificates.ob3 import provisional as di

    did = safe = None


def timestamp(moment: datetime) -> str:
    """An XSD dateTime in UTC to the second, as the proofs and credentials write it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_id() -> str:
    if did is not None:
        return did.site_did()
    from urllib.parse import quote, urlsplit

    from flask import current_app

    parts = urlsplit(current_app.config["PUBLIC_URL"])
    path = ":".join(quote(p, safe="") for p in parts.path.split("/") if p)
    return f"did:web:{quote(parts.netloc, safe='')}" + (f":{path}" if path else "")


def verification_method(key) -> str:
    if did is not None:
        return did.verification_method(key)
    return f"{issuer_id()}#{key.thumbprint()}"


def sign(document: dict, key=None, created: datetime | None = None) -> dict:
    """``document`` with a ``DataIntegrityProof`` (eddsa-rdfc-2022) by ``key`` (the key
    ring's current one by default), after the safe-mode check."""
    if safe is not None:
        safe.check(document)
    key = key or key_ring().current()
    return di.sign(
        document,
        key.private_key,
        verification_method(key),
        timestamp(created or datetime.now(UTC)),
    )


def public_key_for(method: str):
    """The public key of a verification method of this site's DID (any key of the ring,
    old ones too), or None."""
    for key in key_ring().keys():  # noqa: SIM118  (not a dict)
        if verification_method(key) == method:
            return key.public_key
    return None


def verify(document: dict) -> bool:
    """Does ``document``'s proof verify against this site's keys?"""
    try:
        return bool(di.verify(document, public_key_for))
    except Exception:  # a malformed proof or document is simply not verified
        return False
