"""Public lookups of certificate numbers: what a verifier is told, and the count of lookups.

A number whose check symbol fails is a probable typo and is answered without touching the
database at all. A found certificate costs one SELECT (the qualification is read only for a
format 1 record, the replacing certificate only for a replaced one, the replaced one only
for a renewal or reissue) and no write: every lookup
is counted by ``lookup_counts`` (in memory, written to ``verification_lookups`` in batches)
with no personal data: the IP address only as an HMAC keyed with the site's secret, so the
same address gives the same value (to spot abuse) but cannot be turned back into an address.
The signature is checked against the keys ``KeyRing.published()`` keeps parsed per process.

The lookup reads one row with SQLAlchemy Core into a :class:`PublicCertificate` (the columns a
verifier is shown, the facts and the signature; read-only, not in the session), not an ORM
``Certificate``: a page of a million numbers is a new row each time, and building a mapped
object for it (identity map, loaders, events) cost three times the query itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError

from certificates.keys import key_ring
from certificates.lifecycle import PublicStatus, public_status
from certificates.lookup_counts import count_lookup
from certificates.models import Certificate, Qualification, SignedFacts
from certificates.numbers import NumberError, parse
from certificates.ob3.credential import credential_url
from certificates.ob3.models import StoredCredential
from certificates.public_record import public_facts, signs_only_public
from certificates.register_list import listing_exists
from certificates.signing import SignatureInvalid, signature_matches, verify
from certificates.status_reasons import reason_label
from lms.audit import address_hash
from lms.extensions import db


class Outcome(StrEnum):
    FOUND = "found"
    UNKNOWN = "unknown"  # well formed, check symbol right, never issued here
    TYPO = "typo"  # the check symbol does not match: a mistyped number
    MALFORMED = "malformed"  # not a certificate number at all


@dataclass(eq=False)
class PublicCertificate(SignedFacts):
    """A certificate as a lookup reads it: what the page and the API show, the facts and the
    signature (``SignedFacts`` reads them as ``Certificate`` does), and whether it has an Open
    Badges credential. Read-only; related records are read only when asked for."""

    id: int
    number: str
    qualification_id: int
    holder_id: int
    live: int | None
    status: str
    status_reason_code: str
    status_public_note: str
    status_changed_at: datetime | None
    issued_on: date
    expires_on: date | None
    language: str
    facts_zlib: bytes
    facts_dictionary: str | None
    key_id: str
    jws_signature: str
    jws_exact: str | None
    replaces_id: int | None
    replaced_by_id: int | None
    has_credential: bool = False

    @property
    def jws(self) -> str:
        return self.signed_token()

    @property
    def qualification(self) -> Qualification | None:
        """Read when asked for (only a format 1 record's criteria need it)."""
        return db.session.get(Qualification, self.qualification_id)


# The columns of a PublicCertificate, in its fields' order (all but has_credential).
_COLUMNS = tuple(f.name for f in fields(PublicCertificate) if f.name != "has_credential")


@dataclass
class Lookup:
    outcome: Outcome
    number: str  # canonical when it parsed, else what was typed (trimmed)
    certificate: PublicCertificate | None = None
    facts: dict | None = None  # the certificate's signed facts, parsed once
    status: PublicStatus | None = None
    signature_valid: bool | None = None
    key_id: str = ""
    replacement: Certificate | None = None  # the current certificate, when superseded
    replaced_by: Certificate | None = None  # the certificate that replaced this one directly
    replaces: Certificate | None = None  # the certificate this one replaced (renewal, reissue)
    listed: bool = False  # valid, and shown in the public register of mediators


def ip_hash(address: str) -> str:
    return address_hash(address)  # one keyed hash of addresses for the whole site


def signature_check(certificate: SignedFacts, facts: dict | None = None) -> tuple[bool, str]:
    """Does the stored JWS verify against the published keys, and sign the stored facts
    (``facts``, when the caller has parsed them already) of this number?

    A token stored as its signature alone (``jws_exact`` empty: every certificate signed
    here) is checked directly over the stored facts (``signing.signature_matches``: its
    payload is those facts by construction); a whole stored token is verified and its
    payload compared with the stored facts."""
    published = key_ring().published()
    if published.key_set is None:  # no key at all (lost; see keys.missing_keys)
        return False, ""
    facts = certificate.facts if facts is None else facts
    if not certificate.jws_exact:
        payload = certificate.facts_payload()
        kid = certificate.key_id
        if not signature_matches(
            kid, payload, certificate.jws_signature, published.public_keys, published.matched
        ):
            return False, ""
        return facts.get("number") == certificate.number, kid
    try:
        signed, kid = verify(certificate.jws_exact, published.key_set)
    except SignatureInvalid:
        return False, ""
    return signed == facts and signed.get("number") == certificate.number, kid


def _chain_of(certificate: PublicCertificate) -> tuple[Certificate | None, Certificate | None]:
    """Follow "replaced by" links (a bounded walk): the direct successor and the
    certificate that holds now (None, None when not replaced)."""
    seen = {certificate.id}
    current = certificate
    direct = None
    while current.replaced_by_id is not None and current.replaced_by_id not in seen:
        seen.add(current.replaced_by_id)
        current = db.session.get(Certificate, current.replaced_by_id)
        direct = direct or current
    return direct, (current if current is not certificate else None)


def credential_address(certificate: PublicCertificate) -> str | None:
    """Where the certificate's Open Badges credential is served, if it has one (read with
    the certificate by :func:`lookup`)."""
    if not certificate.has_credential:
        return None
    return credential_url(certificate.number)


@functools.cache
def _lookup_statement():
    """The one statement of a lookup, built once per process (SQLAlchemy then finds its
    compiled form by the statement's cache key): the certificate's columns, whether its
    holder is listed in the public register, whether it has an Open Badges credential."""
    table = Certificate.__table__
    credentials = StoredCredential.__table__
    return select(
        *(table.c[name] for name in _COLUMNS),
        select(credentials.c.certificate_id)
        .where(credentials.c.certificate_id == table.c.id)
        .exists()
        .label("has_credential"),
        listing_exists().label("listed"),
    ).where(table.c.number == bindparam("number"))


def _read(number: str) -> tuple[PublicCertificate | None, bool]:
    """The certificate of ``number`` and whether its holder is listed (None, False when
    there is none): one statement on a connection of its own, no ORM object built (a
    lookup reads nothing else, so it needs no session: a third less time than the session's
    transaction around the same statement). On PostgreSQL that connection reads in
    autocommit and is not pinged first (``lms.database``): the SELECT is the lookup's one
    round trip. A connection that died without the pool seeing it (no word from the server:
    a network cut, the database's machine lost) is found by the SELECT itself; SQLAlchemy
    drops it, with every connection the pool opened before, and the SELECT is sent once
    more on a new one. A database that is down fails again, and the caller answers with the
    designed 503."""
    try:
        row = _select(number)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        row = _select(number)
    if row is None:
        return None, False
    *values, listed = row
    return PublicCertificate(*values), bool(listed)


def _select(number: str):
    with db.engine.connect() as connection:
        return connection.execute(_lookup_statement(), {"number": number}).first()


def lookup(text: str, *, channel: str, address: str) -> Lookup:
    prefix = current_app.config["CERTIFICATE_PREFIX"]
    try:
        number = str(parse(text, prefix))
    except NumberError as error:
        outcome = Outcome.TYPO if error.kind == "check" else Outcome.MALFORMED
        result = Lookup(outcome, (text or "").strip()[:64])
    else:
        # Whether its holder is listed in the public register, and whether it has an Open
        # Badges credential, come in the same statement.
        certificate, listed = _read(number)
        if certificate is None:
            result = Lookup(Outcome.UNKNOWN, number)
        else:
            facts = certificate.facts
            valid, kid = signature_check(certificate, facts)
            direct, current = _chain_of(certificate)
            status = public_status(certificate)
            result = Lookup(
                Outcome.FOUND,
                number,
                certificate,
                facts,
                status,
                signature_valid=valid,
                key_id=kid,
                replacement=current,
                replaced_by=direct,
                replaces=db.session.get(Certificate, certificate.replaces_id)
                if certificate.replaces_id
                else None,
                listed=bool(listed) and certificate.live == 1 and status == PublicStatus.VALID,
            )
    count_lookup(
        result.certificate.id if result.certificate else None,
        result.outcome.value,
        channel,
        ip_hash(address),
    )
    return result


def as_json(result: Lookup, verify_url: str) -> dict:
    """The API's record of a found certificate: exactly ``public_record.API_FIELDS`` (a test
    holds the two, and the OpenAPI schema, together)."""
    certificate = result.certificate
    assert certificate is not None and result.facts is not None
    signed = result.facts
    explained = result.status in (PublicStatus.REVOKED, PublicStatus.SUSPENDED)
    code = certificate.status_reason_code if explained else ""
    record = {
        "number": certificate.number,
        "status": result.status.value,
        "status_reason": code or None,
        "status_reason_text": reason_label(code) or None,
        "public_note": (certificate.status_public_note or None) if explained else None,
        "status_changed_at": certificate.status_changed_at.isoformat()
        if certificate.status_changed_at and result.status != PublicStatus.VALID
        else None,
        "replaced_by": result.replacement.number if result.replacement else None,
        "facts": public_facts(signed),
        # A format 1 record also signed fields that are not public: its JWS stays with the
        # holder's PDF.
        "jws": certificate.jws if signs_only_public(signed) else None,
        "signature": {"valid": result.signature_valid, "kid": result.key_id or None},
        "verify_url": verify_url,
        "credential": credential_address(certificate),
    }
    return record
