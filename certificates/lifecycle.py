"""A certificate's life after issue: suspend, reinstate, revoke, reissue, renew; its status.

Every change writes a :class:`CertificateEvent` (who, when, why). Status changes are guarded
UPDATEs on the expected current status, so two trainers acting at once cannot, say, reinstate
a certificate that the other has just revoked.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from certificates import eligibility
from certificates.issuance import add_months, create_signed, discard_pdf, holder_name
from certificates.models import Certificate, CertificateEvent, CertificateStatus
from lms.database import utcnow
from lms.extensions import db
from lms.i18n import site_today
from lms.models import User
from lms.service_error import ServiceError


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
    (``issuance.current_certificates``): a revoked one is final, a suspended one is
    reinstated, an expired one renewed. The one rule behind "already holding one" on the
    issuing page and its summary and "held" on the holder's pages."""
    return certificate is not None and public_status(certificate, today) == PublicStatus.VALID


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError(
            _l("Give the reason: it is kept in the certificate's history."), "reason"
        )
    if len(reason) > 1000:
        raise ServiceError(_l("Keep the reason under 1,000 characters."), "reason")
    return reason


def _change_status(
    certificate: Certificate, *, from_: tuple[str, ...], to: str, action: str, reason: str, by: User
) -> None:
    reason = _reason(reason)
    changed = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.status.in_(from_))
        .values(status=to, status_reason=reason, status_changed_at=utcnow())
    ).rowcount
    if not changed:
        db.session.rollback()
        raise ServiceError(
            _l(
                "This certificate is %(status)s; that change does not apply.",
                status=STATUS_WORDS[public_status(certificate)],
            )
        )
    db.session.add(
        CertificateEvent(certificate_id=certificate.id, action=action, reason=reason, by_id=by.id)
    )
    db.session.commit()
    db.session.refresh(certificate)


def suspend(certificate: Certificate, reason: str, by: User) -> None:
    _change_status(
        certificate, from_=("valid",), to="suspended", action="suspend", reason=reason, by=by
    )


def reinstate(certificate: Certificate, reason: str, by: User) -> None:
    _change_status(
        certificate, from_=("suspended",), to="valid", action="reinstate", reason=reason, by=by
    )


def revoke(certificate: Certificate, reason: str, by: User) -> None:
    _change_status(
        certificate,
        from_=("valid", "suspended"),
        to="revoked",
        action="revoke",
        reason=reason,
        by=by,
    )


def _replace(
    old: Certificate,
    *,
    by: User,
    reason: str,
    action: str,
    name: str,
    expires_on: date | None,
    today: date,
) -> Certificate:
    """Supersede ``old`` with a new certificate stating the same achievement. Only a valid
    certificate (expired or not) is replaced: the new one is valid, so replacing a suspended
    one would lift the suspension with no "reinstate" in its history."""
    changed = db.session.execute(
        update(Certificate)
        .where(Certificate.id == old.id, Certificate.status == CertificateStatus.VALID.value)
        .values(status="superseded", live=None, status_reason=reason, status_changed_at=utcnow())
    ).rowcount
    if not changed:
        db.session.rollback()
        raise ServiceError(
            _l(
                "This certificate is %(status)s; it cannot be replaced.",
                status=STATUS_WORDS[public_status(old)],
            )
        )
    new = create_signed(
        qualification=old.qualification,
        holder=old.holder,
        seminar=old.seminar,
        result=eligibility.Eligibility(requirements=[]),
        by=by,
        language=old.language,
        issued_on=today,
        expires_on=expires_on,
        name=name,
        replaces=old,
        action=action,
        reason=reason,
        # The achievement stays what was certified: the frozen seminar, hours and criteria.
        kept={key: old.facts[key] for key in ("seminar", "hours", "criteria")},
    )
    db.session.flush()
    old.replaced_by_id = new.id
    db.session.add(
        CertificateEvent(certificate_id=old.id, action=action, reason=reason, by_id=by.id)
    )
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_pdf(new)
        raise
    return new


def reissue(
    certificate: Certificate,
    *,
    reason: str,
    by: User,
    name: str | None = None,
    today: date | None = None,
) -> Certificate:
    """Correct an error (e.g. the holder's name): a new number; the old one points to it."""
    reason = _reason(reason)
    name = " ".join((name or holder_name(certificate.holder)).split())
    if not name or len(name) > 200:
        raise ServiceError(_l("Give the holder's full name (at most 200 characters)."), "name")
    return _replace(
        certificate,
        by=by,
        reason=reason,
        action="reissue",
        name=name,
        expires_on=certificate.expires_on,
        today=today or site_today(),
    )


def renew(
    certificate: Certificate, *, reason: str, by: User, today: date | None = None
) -> Certificate:
    """Extend validity by the qualification's period from the old expiry date."""
    reason = _reason(reason)
    months = certificate.qualification.validity_months
    if not months or certificate.expires_on is None:
        raise ServiceError(_l("This certificate does not expire; there is nothing to renew."))
    return _replace(
        certificate,
        by=by,
        reason=reason,
        action="renew",
        name=certificate.facts["holder"],
        expires_on=add_months(certificate.expires_on, months),
        today=today or site_today(),
    )
