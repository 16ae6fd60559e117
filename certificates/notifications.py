"""The certificate messages: issued (also on a reissue or renewal, naming the number it
replaces), suspended / reinstated / revoked, and the reminders before
a certificate expires (issue 16).

Registered at import: three kinds of message (group "Certificates" on the preferences page),
the attachment ``certificate_pdf`` (the stored PDF, read when the message is delivered) and
the schedule ``certificates.expiry_reminders``. ``init_app`` connects the receivers of
``signals.certificate_issued`` and ``signals.certificate_status_changed``; they run after the
commit, and a failure is logged, never raised into the page that issued or changed it.

``certificate_status`` is an always-sent kind (``security=True``): a suspension or revocation
is a decision about the holder, with a reason and someone to contact if they dispute it, and
it is rare. A holder who turned it off (or whose account was deactivated) would go on
presenting a certificate that the verification page calls revoked without knowing why; nothing
else tells them (the site does not push its pages). Issue and expiry messages are ordinary
kinds the holder may turn off: the certificate and its dates are on "My certificates" anyway.

Expiry reminders (:func:`send_expiry_reminders`): each day, for every valid certificate (not
suspended, revoked or replaced) expiring within ``max(EXPIRY_STAGES)`` days, the smallest
stage (60, 30, 7 days before) whose threshold has been reached is sent once, claimed with
``lms.jobs.claim_once("certificate_expiry", "<certificate id>:<stage>")``; the larger stages
are claimed with it, so a certificate first seen 5 days before its expiry gets the 7-day
message alone, never three at once, and a missed run is caught up by the next one. Only
certificates whose expiry falls within the window are read (the index on
``certificates.expires_on``, migration 0014), one expiry day and ``BATCH`` certificates at a
time, each batch committed with its claims and messages together.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from certificates.continuing_education import requires_hours
from certificates.facts import verify_url
from certificates.models import Certificate, CertificateStatus
from certificates.rendering import pdf_bytes
from certificates.signals import (
    certificate_issued,
    certificate_replaced,
    certificate_status_changed,
)
from certificates.status_reasons import STATUS_REASONS, StatusReason
from lms.extensions import db
from lms.formatting import format_date
from lms.job_models import OnceMark
from lms.jobs import claim_once, register_schedule
from lms.mail import Attachment, absolute_url, register_attachment, register_mail_kind, send_mail
from lms.timezone import site_today

ISSUED = "certificate_issued"
STATUS = "certificate_status"
EXPIRY = "certificate_expiry"
PDF = "certificate_pdf"
EXPIRY_SCHEDULE = "certificates.expiry_reminders"
EXPIRY_STAGES = (60, 30, 7)  # days before the expiry date
BATCH = 500

GROUP = _l("Certificates")
register_mail_kind(ISSUED, label=_l("A certificate was issued to me"), group=GROUP)
register_mail_kind(
    STATUS,
    label=_l("A certificate of mine was suspended, reinstated or revoked"),
    group=GROUP,
    security=True,
    always_note=_l(
        "Always sent: a suspension or revocation is a decision about you that you may need "
        "to answer."
    ),
)
register_mail_kind(EXPIRY, label=_l("Reminders before a certificate expires"), group=GROUP)

STATUS_ACTIONS = ("suspend", "reinstate", "revoke")


def _status_subject(action: str, number: str):
    if action == "suspend":
        return _l("Your certificate %(number)s has been suspended", number=number)
    if action == "reinstate":
        return _l("Your certificate %(number)s is valid again", number=number)
    return _l("Your certificate %(number)s has been revoked", number=number)


# --- the PDF ------------------------------------------------------------------------------


def pdf_attachment(ref) -> Attachment | None:
    """The certificate's PDF exactly as issued (what "Download PDF" gives: the stored copy, or
    rendered again and checked against its SHA-256); None if the certificate is gone or no
    PDF matches any more."""
    certificate = db.session.get(Certificate, int(ref))
    if certificate is None:
        return None
    try:
        data = pdf_bytes(certificate)
    except FileNotFoundError:
        current_app.logger.error("no PDF of certificate %s matches", certificate.number)
        return None
    return Attachment(f"{certificate.number}.pdf", "application/pdf", data)


register_attachment(PDF, pdf_attachment)


# --- what every message says about the certificate ----------------------------------------


def _about(certificate: Certificate) -> dict:
    facts = certificate.facts
    seminar = facts.get("seminar") or {}
    return {
        "certificate": certificate,
        "number": certificate.number,
        "qualification": certificate.qualification,
        "holder_name": facts.get("holder", ""),
        "seminar_title": seminar.get("title", ""),
        "issued_on": certificate.issued_on,
        "expires_on": certificate.expires_on,
        # The page anyone opens to check it (the address printed on the certificate).
        "verify_url": verify_url(certificate.number),
        "mine_url": absolute_url("my_certificates.index", _anchor=f"certificate-{certificate.id}"),
    }


def send_issued(certificate: Certificate, *, replaces: Certificate | None = None, action=""):
    """The holder's "certificate issued" message, with the PDF attached; for a reissue or a
    renewal it names the number it replaces."""
    if replaces is None:
        subject = _l("Your certificate %(number)s has been issued", number=certificate.number)
    elif action == "renew":
        subject = _l("Your certificate has been renewed: %(number)s", number=certificate.number)
    else:
        subject = _l(
            "Your certificate has been issued again: %(number)s", number=certificate.number
        )
    return send_mail(
        certificate.holder,
        ISSUED,
        "certificate_issued",
        subject=subject,
        attachments=[(PDF, certificate.id)],
        replaced_action=action if replaces is not None else "",
        old_number=replaces.number if replaces is not None else "",
        **_about(certificate),
    )


def send_status_changed(certificate: Certificate, action: str, reason: str = ""):
    """The holder's message about a suspension, reinstatement or revocation: the public
    reason and note (never the trainer's internal note), what it means, whom to ask."""
    try:
        label = STATUS_REASONS[StatusReason(reason)] if reason else None
    except ValueError:
        label = None
    return send_mail(
        certificate.holder,
        STATUS,
        "certificate_status",
        subject=_status_subject(action, certificate.number),
        action=action,
        reason=label,
        public_note=certificate.status_public_note if action != "reinstate" else "",
        **_about(certificate),
    )


# --- receivers ------------------------------------------------------------------------------


def on_issued(sender: Flask, *, certificate: Certificate, **_) -> None:
    try:
        fresh = db.session.get(Certificate, certificate.id)
        if fresh is not None:
            send_issued(fresh)
    except Exception:  # the issue is committed; a message that fails must not undo the page
        db.session.rollback()
        current_app.logger.exception("certificate_issued mail for %s failed", certificate.id)


def on_replaced(sender: Flask, *, old: Certificate, new: Certificate, action: str, **_) -> None:
    try:
        fresh_old = db.session.get(Certificate, old.id)
        fresh_new = db.session.get(Certificate, new.id)
        if fresh_old is not None and fresh_new is not None:
            send_issued(fresh_new, replaces=fresh_old, action=action)
    except Exception:  # the replacement is committed; the message must not undo the page
        db.session.rollback()
        current_app.logger.exception("certificate_replaced mail for %s failed", new.id)


def on_status_changed(
    sender: Flask, *, certificate: Certificate, action: str, reason: str = "", **_
) -> None:
    try:
        fresh = db.session.get(Certificate, certificate.id)
        if fresh is not None and action in STATUS_ACTIONS:
            send_status_changed(fresh, action, reason)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("certificate_status mail for %s failed", certificate.id)


def init_app(app: Flask) -> None:
    """Connect the receivers (once, whatever the number of apps: blinker keeps one list)."""
    certificate_issued.connect(on_issued)
    certificate_replaced.connect(on_replaced)
    certificate_status_changed.connect(on_status_changed)


# --- expiry reminders -----------------------------------------------------------------------


def stage_for(days_left: int) -> int | None:
    """The smallest stage whose threshold ``days_left`` has reached (None: too early, or
    expired)."""
    if days_left < 0:
        return None
    reached = [stage for stage in EXPIRY_STAGES if days_left <= stage]
    return min(reached) if reached else None


def _key(certificate_id: int, stage: int) -> str:
    return f"{certificate_id}:{stage}"


def _claimed(keys: list[str]) -> set[str]:
    """Which of ``keys`` were claimed already: one statement per batch, so a run over
    certificates already reminded writes nothing and reads little."""
    return set(
        db.session.scalars(
            select(OnceMark.key).where(OnceMark.kind == EXPIRY, OnceMark.key.in_(keys))
        )
    )


def _claim(certificate: Certificate, stage: int) -> bool:
    """Claim ``stage`` and every larger one (never sent later, once a smaller one went);
    True when ``stage`` itself was not claimed before (by this run or a concurrent one)."""
    first = claim_once(EXPIRY, _key(certificate.id, stage))
    for larger in EXPIRY_STAGES:
        if larger > stage:
            claim_once(EXPIRY, _key(certificate.id, larger))
    return first


def send_expiry_reminder(certificate: Certificate, stage: int, today: date):
    return send_mail(
        certificate.holder,
        EXPIRY,
        "certificate_expiry",
        # A callable: the date is written in the recipient's language.
        subject=lambda: _(
            "Your certificate %(number)s expires on %(date)s",
            number=certificate.number,
            date=format_date(certificate.expires_on),
        ),
        stage=stage,
        days_left=(certificate.expires_on - today).days,
        renewal_months=certificate.qualification.validity_months,
        # Renewed by the holder once the continuing-education hours are met (issue 21).
        ce_url=absolute_url("my_certificates.continuing_education", certificate_id=certificate.id)
        if requires_hours(certificate.qualification)
        else None,
        **_about(certificate),
    )


def expiring_on(day: date, after_id: int = 0) -> Select:
    """The next batch of valid certificates expiring on ``day`` (an equality on the indexed
    ``expires_on``, then the id: no scan, whatever the size of the register)."""
    return (
        select(Certificate)
        .where(
            Certificate.expires_on == day,
            Certificate.status == CertificateStatus.VALID.value,
            Certificate.id > after_id,
        )
        .order_by(Certificate.id)
        .limit(BATCH)
    )


def _batch(day: date, after_id: int) -> list[Certificate]:
    query = expiring_on(day, after_id).options(
        selectinload(Certificate.holder), selectinload(Certificate.qualification)
    )
    return list(db.session.scalars(query))


def send_expiry_reminders(today: date | None = None) -> int:
    """Send the reminders due ``today`` (the site's date by default); returns how many
    messages were recorded. Idempotent: safe to run often, by several workers, or late."""
    today = today or site_today()
    recorded = 0
    for days_left in range(max(EXPIRY_STAGES) + 1):
        stage = stage_for(days_left)
        day = today + timedelta(days=days_left)
        after_id = 0
        while batch := _batch(day, after_id):
            after_id = batch[-1].id
            for certificate in batch:
                if _claim(certificate, stage) and send_expiry_reminder(certificate, stage, today):
                    recorded += 1
            db.session.commit()
    return recorded


register_schedule(EXPIRY_SCHEDULE, send_expiry_reminders, minute="20", hour="*")
