"""Continuing-education messages: the review decision on an external activity, and the
reminders before a certificate expires while hours are missing (issue 21).

Reminders (:func:`send_reminders`, schedule ``certificates.ce_reminders`` hourly, deciding by
the site's date): for every current valid certificate of a qualification that counts hours,
expiring within ``max(STAGES)`` days, whose ledger is not met, the smallest stage (180, 90,
30 days before) whose threshold has been reached is sent once, claimed with
``lms.jobs.claim_once("ce_reminder", "<certificate id>:<stage>")`` together with the larger
stages (a certificate first seen 20 days before expiry gets the 30-day message alone). A
certificate whose hours are met is neither reminded nor claimed. The dashboard card
(:func:`dashboard_panel`) shows the same while the deadline is within 180 days or the
certificate is in its grace period.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from certificates import continuing_education as ce
from certificates.ce_models import ActivityStatus, CeActivity
from certificates.models import Certificate, CertificateStatus, Qualification
from lms.extensions import db
from lms.formatting import format_date
from lms.jobs import claim_once, register_schedule
from lms.mail import absolute_url, register_mail_kind, send_mail
from lms.models import User
from lms.timezone import site_today

DECISION = "ce_decision"
REMINDER = "ce_reminder"
SCHEDULE = "certificates.ce_reminders"
STAGES = (180, 90, 30)  # days before the expiry date
PANEL_DAYS = 180

GROUP = _l("Certificates")
register_mail_kind(
    DECISION, label=_l("Decisions on continuing-education activities I submitted"), group=GROUP
)
register_mail_kind(
    REMINDER, label=_l("Reminders when continuing-education hours are missing"), group=GROUP
)


def ledger_url(certificate_id: int) -> str:
    return absolute_url("my_certificates.continuing_education", certificate_id=certificate_id)


def send_decision(activity: CeActivity):
    """The holder's message: approved or rejected (with the reason), and where to see it."""
    approved = activity.status == ActivityStatus.APPROVED.value
    certificate = db.session.scalar(
        select(Certificate)
        .where(
            Certificate.holder_id == activity.holder_id,
            Certificate.qualification_id == activity.qualification_id,
            Certificate.live == 1,
        )
        .order_by(Certificate.id.desc())
        .limit(1)
    )
    if approved:
        subject = _l("Your activity “%(title)s” was approved", title=activity.title)
    else:
        subject = _l("Your activity “%(title)s” was not approved", title=activity.title)
    return send_mail(
        activity.holder,
        DECISION,
        "ce_decision",
        subject=subject,
        activity=activity,
        approved=approved,
        qualification=activity.qualification,
        ledger_url=ledger_url(certificate.id)
        if certificate
        else absolute_url("my_certificates.index"),
    )


# --- reminders ------------------------------------------------------------------------------


def stage_for(days_left: int) -> int | None:
    if days_left < 0:
        return None
    reached = [stage for stage in STAGES if days_left <= stage]
    return min(reached) if reached else None


def _claim(certificate: Certificate, stage: int) -> bool:
    first = claim_once(REMINDER, f"{certificate.id}:{stage}")
    for larger in STAGES:
        if larger > stage:
            claim_once(REMINDER, f"{certificate.id}:{larger}")
    return first


def _due(today: date) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .join(Qualification, Qualification.id == Certificate.qualification_id)
            .where(
                Certificate.status == CertificateStatus.VALID.value,
                Certificate.live == 1,
                Certificate.expires_on >= today,
                Certificate.expires_on <= today + timedelta(days=max(STAGES)),
                Qualification.ce_hours > 0,
            )
            .options(selectinload(Certificate.holder), selectinload(Certificate.qualification))
            .order_by(Certificate.id)
        )
    )


def send_reminder(record: ce.Ledger, stage: int):
    certificate = record.certificate
    return send_mail(
        certificate.holder,
        REMINDER,
        "ce_reminder",
        subject=lambda: _(
            "Continuing education: %(hours)s hours still needed before %(date)s",
            hours=ce.format_hours(record.left, round_up_to_tenth=True),
            date=format_date(certificate.expires_on),
        ),
        stage=stage,
        record=record,
        certificate=certificate,
        qualification=certificate.qualification,
        grace_days=ce.GRACE_DAYS,
        ledger_url=ledger_url(certificate.id),
    )


def send_reminders(today: date | None = None) -> int:
    """Send the reminders due ``today``; returns how many messages were recorded."""
    today = today or site_today()
    recorded = 0
    for certificate in _due(today):
        if not ce.requires_hours(certificate.qualification):
            continue
        stage = stage_for((certificate.expires_on - today).days)
        record = ce.ledger(certificate, today)
        if stage is None or record.met:
            continue
        if _claim(certificate, stage) and send_reminder(record, stage):
            recorded += 1
        db.session.commit()
    return recorded


register_schedule(SCHEDULE, send_reminders, minute="25", hour="*")


def dashboard_panel(user: User) -> dict | None:
    """The card: each current certificate whose hours are missing while its deadline is
    within ``PANEL_DAYS`` days or it is in its grace period; None when there is none."""
    today = site_today()
    rows = []
    for certificate in ce.current_certificates(user):
        if certificate.status != CertificateStatus.VALID.value:
            continue
        record = ce.ledger(certificate, today)
        if not record.open or record.met:
            continue
        if (certificate.expires_on - today).days > PANEL_DAYS:
            continue
        rows.append(record)
    return {"records": rows} if rows else None
