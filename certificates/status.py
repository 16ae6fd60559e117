"""A certificate's public status (what a verifier is told today) and whether it counts as held.

Below ``issuance`` and ``lifecycle`` (both ask it); ``lifecycle`` re-exports these names."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from certificates.models import Certificate, CertificateStatus
from lms.timezone import site_today


class PublicStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


STATUS_WORDS = {
    PublicStatus.VALID: _l("valid"),
    PublicStatus.EXPIRED: _l("expired"),
    PublicStatus.SUSPENDED: _l("suspended"),
    PublicStatus.REVOKED: _l("revoked"),
    PublicStatus.SUPERSEDED: _l("replaced by a newer certificate"),
}


def public_status(certificate: Certificate, today: date | None = None) -> PublicStatus:
    """What a verifier is told today. Revoked, superseded and suspended outrank expiry."""
    if certificate.status != CertificateStatus.VALID:
        return PublicStatus(certificate.status)
    today = today or site_today()
    if certificate.expires_on is not None and certificate.expires_on < today:
        return PublicStatus.EXPIRED
    return PublicStatus.VALID


def holds(certificate: Certificate | None, today: date | None = None) -> bool:
    """Whether a current certificate counts as held: valid today. Revoked, suspended and
    expired ones are not held, though while current they still stop issuing a new one
    (``certificates.current.current_certificates``): a revoked one is final, a suspended one is
    reinstated, an expired one renewed. The one rule behind "already holding one" on the
    issuing page and its summary and "held" on the holder's pages."""
    return certificate is not None and public_status(certificate, today) == PublicStatus.VALID
