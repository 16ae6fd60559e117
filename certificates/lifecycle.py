"""A certificate's life after issue: suspend, reinstate, revoke, reissue, renew (its public
status is ``certificates.status``, re-exported here; the reasons the public is told are
``certificates.status_reasons``).

Every change writes a :class:`CertificateEvent` (who, when, why). Status changes are guarded
UPDATEs on the expected current status, so two trainers acting at once cannot, say, reinstate
a certificate that the other has just revoked; each one committed sends
``signals.certificate_status_changed`` (a refused one sends nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from certificates import eligibility
from certificates.facts import add_months
from certificates.issuance import create_signed
from certificates.models import Certificate, CertificateEvent, CertificateStatus
from certificates.public_record import public_facts
from certificates.qualifications import holder_name
from certificates.signals import certificate_replaced, certificate_status_changed
from certificates.status import (  # noqa: F401  (PublicStatus, holds: re-exported)
    STATUS_WORDS,
    PublicStatus,
    holds,
    public_status,
)
from certificates.status_reasons import checked_note, checked_public_reason, checked_reason
from certificates.storage import discard_pdf, store_pdf
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.text import normalise_person_name
from lms.timezone import site_today

# A certificate may be renewed up to this many days after it expired (the demo
# qualification's rule, shared/domain); later, the holder qualifies again in full.
RENEWAL_GRACE_DAYS = 90


def _change_status(
    certificate: Certificate,
    *,
    from_: tuple[str, ...],
    to: str,
    action: str,
    by: User,
    note: str,
    code: str = "",
    public_note: str = "",
    commit: bool = True,
) -> Callable[[], None]:
    """The guarded UPDATE and its event. With ``commit`` (a page's one change) it commits and
    announces; without (a spreadsheet's many, see ``certificates.spreadsheet_ops``) nothing is
    committed or rolled back here, and the caller calls the returned ``announce`` after its
    own commit."""
    changed = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.status.in_(from_))
        .values(
            status=to,
            status_reason_code=code,
            status_public_note=public_note,
            status_note=note,
            status_changed_at=utcnow(),
        )
    ).rowcount
    if not changed:
        if commit:
            db.session.rollback()
        else:  # the caller rolls back; the message says the status as it is now
            db.session.refresh(certificate)
        raise ServiceError(
            _l(
                "This certificate is %(status)s; that change does not apply.",
                status=STATUS_WORDS[public_status(certificate)],
            )
        )
    db.session.add(
        CertificateEvent(
            certificate_id=certificate.id,
            action=action,
            reason=note,
            reason_code=code,
            public_note=public_note,
            by_id=by.id,
        )
    )
    by = getattr(by, "_get_current_object", lambda: by)()  # a page passes current_user

    def announce() -> None:
        db.session.refresh(certificate)
        certificate_status_changed.send(
            current_app._get_current_object(),
            certificate=certificate,
            action=action,
            reason=code,
            by=by,
        )

    if commit:
        db.session.commit()
        announce()
    return announce


def suspend(
    certificate: Certificate, reason: str, by: User, *, public_note: str = "", note: str = ""
) -> None:
    """``reason`` is a code of ``REASON_CHOICES["suspend"]`` and, with ``public_note``, is
    shown on the verification page; ``note`` is the trainer's own, for staff."""
    code, public_note = checked_public_reason("suspend", reason, public_note)
    _change_status(
        certificate,
        from_=("valid",),
        to="suspended",
        action="suspend",
        by=by,
        note=checked_note(note),
        code=code,
        public_note=public_note,
    )


def reinstate(certificate: Certificate, reason: str, by: User) -> None:
    """``reason`` is the trainer's note (required, staff only)."""
    _change_status(
        certificate,
        from_=("suspended",),
        to="valid",
        action="reinstate",
        by=by,
        note=checked_reason(reason),
    )


def revoke(
    certificate: Certificate,
    reason: str,
    by: User,
    *,
    public_note: str = "",
    note: str = "",
    commit: bool = True,
) -> Callable[[], None]:
    """Like :func:`suspend`, with a code of ``REASON_CHOICES["revoke"]``. ``commit=False``
    stages it in the caller's transaction (see :func:`_change_status`)."""
    code, public_note = checked_public_reason("revoke", reason, public_note)
    return _change_status(
        certificate,
        from_=("valid", "suspended"),
        to="revoked",
        action="revoke",
        by=by,
        note=checked_note(note),
        code=code,
        public_note=public_note,
        commit=commit,
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
    """:func:`stage_replacement`, committed and announced; nothing stays if it fails."""
    try:
        new, announce = stage_replacement(
            old, by=by, reason=reason, action=action, name=name, expires_on=expires_on,
            today=today,
        )  # fmt: skip
    except ServiceError:
        db.session.rollback()
        raise
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_pdf(new)
        raise
    announce()
    return new


def stage_replacement(
    old: Certificate,
    *,
    by: User,
    reason: str,
    action: str,
    name: str,
    expires_on: date | None,
    today: date,
    new: Certificate | None = None,
) -> tuple[Certificate, Callable[[], None]]:
    """Supersede ``old`` with a new certificate stating the same achievement, in the caller's
    transaction (its PDF is written: the caller discards it if it rolls back); returns it and
    the ``announce`` to call after the commit. ``new`` is one :func:`prepare_replacement`
    made beforehand (signed and drawn outside the transaction). Only a valid certificate
    (expired or not) is replaced: the new one is valid, so replacing a suspended one would
    lift the suspension with no "reinstate" in its history."""
    changed = db.session.execute(
        update(Certificate)
        .where(Certificate.id == old.id, Certificate.status == CertificateStatus.VALID.value)
        .values(
            status="superseded",
            live=None,
            status_reason_code="",
            status_public_note="",
            status_note=reason,
            status_changed_at=utcnow(),
        )
    ).rowcount
    if not changed:
        db.session.refresh(old)  # the caller rolls back; the message says the status now
        raise ServiceError(
            _l(
                "This certificate is %(status)s; it cannot be replaced.",
                status=STATUS_WORDS[public_status(old)],
            )
        )
    if new is None:
        new = prepare_replacement(
            old, by=by, reason=reason, action=action, name=name, expires_on=expires_on,
            today=today,
        )  # fmt: skip
    store_pdf(new, new.rendered_pdf)
    db.session.add(new)
    db.session.flush()
    old.replaced_by_id = new.id
    db.session.add(
        CertificateEvent(certificate_id=old.id, action=action, reason=reason, by_id=by.id)
    )

    def announce() -> None:
        certificate_replaced.send(
            current_app._get_current_object(), old=old, new=new, action=action
        )

    return new, announce


def prepare_replacement(
    old: Certificate,
    *,
    by: User,
    reason: str,
    action: str,
    name: str,
    expires_on: date | None,
    today: date,
    key=None,
) -> Certificate:
    """The certificate that would replace ``old``: numbered, signed and drawn, its PDF in
    ``rendered_pdf``, nothing written (:func:`stage_replacement` writes it)."""
    return create_signed(
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
        # The achievement stays what was certified: the frozen seminar and criteria (only
        # their public part: an old record's hours and percents are not signed again).
        kept={key: public_facts(old.facts)[key] for key in ("seminar", "criteria")},
        kept_translations=old.facts.get("translations"),
        add=False,
        key=key,
    )


def reissue_name(certificate: Certificate, name: str | None) -> str:
    """The name a reissue states: ``name`` checked, else the holder's current one."""
    return normalise_person_name(
        name or holder_name(certificate.holder), field="name", max_length=200, min_length=2
    )


def reissue(
    certificate: Certificate,
    *,
    reason: str,
    by: User,
    name: str | None = None,
    today: date | None = None,
) -> Certificate:
    """Correct an error (e.g. the holder's name): a new number; the old one points to it."""
    reason = checked_reason(reason)
    name = reissue_name(certificate, name)
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
    """Extend validity by the qualification's period from the old expiry date; up to
    ``RENEWAL_GRACE_DAYS`` after the certificate expired."""
    reason = checked_reason(reason)
    months = certificate.qualification.validity_months
    if not months or certificate.expires_on is None:
        raise ServiceError(_l("This certificate does not expire; there is nothing to renew."))
    today = today or site_today()
    if (today - certificate.expires_on).days > RENEWAL_GRACE_DAYS:
        raise ServiceError(
            _l(
                "This certificate expired more than %(days)d days ago; it cannot be renewed. "
                "The holder qualifies again in full.",
                days=RENEWAL_GRACE_DAYS,
            )
        )
    return _replace(
        certificate,
        by=by,
        reason=reason,
        action="renew",
        name=certificate.facts["holder"],
        expires_on=add_months(certificate.expires_on, months),
        today=today,
    )
