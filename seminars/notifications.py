"""The seminar messages: registration confirmed, waitlisted, promoted, cancelled, and the
reminder the day before.

Kinds (each user may turn them off on /account/notifications):

- ``seminar_registration``: confirmed (a seat, with the .ics attached), waitlisted (with the
  place in the queue), promoted from the waitlist (with the .ics), cancelled (saying who did
  it when it was staff). Sent by receivers of the ``seminars.signals`` after the commit.
- ``seminar_reminder``: the day before the seminar's first session (by the site's local
  date), from 09:00 local time, to those who hold a seat; the schedule
  ``seminars.reminders`` runs every 15 minutes, catches up later that day after a missed run
  and claims each registration once (``lms.jobs.claim_once``), so it never sends twice.

Attachment ``seminar_ics`` (ref: a registration id): the seminar's sessions as an .ics built
when the message is delivered, with the online link only if that registration still holds a
seat (the rule of the seminar's page); nothing once the seminar has no sessions or is
cancelled.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import content_translations as ct
from lms.database import utcnow
from lms.extensions import db
from lms.jobs import claim_once, register_schedule
from lms.mail import Attachment, absolute_url, register_attachment, register_mail_kind, send_mail
from lms.models import User
from lms.timezone import site_zone
from seminars.files import calendar_ics
from seminars.models import (
    Registration,
    RegistrationStatus,
    Seminar,
    SeminarSession,
    SeminarStatus,
)
from seminars.registration import HOLDS_A_SEAT, waitlist_rank
from seminars.signals import (
    registration_cancelled,
    registration_created,
    registration_promoted,
    seminar_cancelled,
)

REGISTRATION = "seminar_registration"
REMINDER = "seminar_reminder"
CALENDAR = "seminar_ics"
SCHEDULE = "seminars.reminders"

# The reminder goes from this local time on the day before the first session.
REMINDER_FROM = time(9, 0)
# Seminars whose participants are reminded: announced and not over (not drafts, not
# cancelled, not completed).
REMINDED_STATUSES = (SeminarStatus.OPEN.value, SeminarStatus.CLOSED.value)

register_mail_kind(
    REGISTRATION,
    label=_l("Seminar registrations: confirmed, waitlisted, promoted, cancelled"),
    group=_l("Seminars"),
)
register_mail_kind(
    REMINDER,
    label=_l("Reminder the day before a seminar"),
    group=_l("Seminars"),
)


# --- the .ics attachment ----------------------------------------------------------------------


def public_host() -> str:
    """The host of ``PUBLIC_URL``: the calendar's UIDs name it, as the page's download does."""
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"


def build_calendar(ref) -> Attachment | None:
    """The .ics of the registration's seminar, or None when there is nothing to add."""
    entry = db.session.get(Registration, int(ref))
    if entry is None:
        return None
    seminar = entry.seminar
    if not seminar.sessions or seminar.status == SeminarStatus.CANCELLED:
        return None
    data = calendar_ics(
        seminar,
        host=public_host(),
        with_online_link=entry.status in HOLDS_A_SEAT,
        locale=entry.user.language,
    )
    return Attachment(f"seminar-{seminar.id}.ics", "text/calendar", data)


register_attachment(CALENDAR, build_calendar)


# --- the messages -----------------------------------------------------------------------------


def _context(entry: Registration) -> dict:
    """What every seminar message shows: the seminar, its sessions, where, and the link."""
    seminar = entry.seminar
    return {
        "registration": entry,
        "seminar": seminar,
        "sessions": list(seminar.sessions),
        "seminar_url": absolute_url("seminars.detail", seminar_id=seminar.id),
        "time_zone": current_app.config["BABEL_DEFAULT_TIMEZONE"],
        # The online link only for a seat holder, as on the seminar's page.
        "online_link": seminar.online_link if entry.status in HOLDS_A_SEAT else "",
    }


def _titled(message, seminar: Seminar):
    """The subject in the recipient's language, with the seminar's title in it too (its
    translation where there is one): evaluated by ``send_mail`` under that language."""
    return lambda: str(message) % {"title": ct.text(seminar, "title")}


def _with_calendar(entry: Registration) -> list[tuple[str, int]]:
    return [(CALENDAR, entry.id)] if entry.seminar.sessions else []


def send_confirmed(entry: Registration):
    """A seat is the registrant's (registered themselves, or added by staff)."""
    context = _context(entry)
    return send_mail(
        entry.user,
        REGISTRATION,
        "seminar_confirmed",
        subject=_titled(_l("Seminar “%(title)s”: your seat is confirmed"), entry.seminar),
        attachments=_with_calendar(entry),
        with_calendar=bool(_with_calendar(entry)),
        **context,
    )


def send_waitlisted(entry: Registration):
    return send_mail(
        entry.user,
        REGISTRATION,
        "seminar_waitlisted",
        subject=_titled(_l("Seminar “%(title)s”: you are on the waitlist"), entry.seminar),
        rank=waitlist_rank(entry),
        **_context(entry),
    )


def send_promoted(entry: Registration):
    return send_mail(
        entry.user,
        REGISTRATION,
        "seminar_promoted",
        subject=_titled(_l("Seminar “%(title)s”: a seat is now yours"), entry.seminar),
        attachments=_with_calendar(entry),
        with_calendar=bool(_with_calendar(entry)),
        **_context(entry),
    )


def send_cancelled(entry: Registration, by: User | None):
    """``by`` someone other than the registrant is staff: the message names them."""
    staff = by if by is not None and by.id != entry.user_id else None
    return send_mail(
        entry.user,
        REGISTRATION,
        "seminar_cancelled",
        subject=_titled(_l("Seminar “%(title)s”: your registration is cancelled"), entry.seminar),
        cancelled_by=staff.full_name if staff is not None else None,
        **_context(entry),
    )


def send_called_off(entry: Registration):
    """The whole seminar is cancelled: to everyone who held a seat or waited for one."""
    return send_mail(
        entry.user,
        REGISTRATION,
        "seminar_called_off",
        subject=_titled(_l("Seminar “%(title)s” is cancelled"), entry.seminar),
        **{**_context(entry), "online_link": ""},
    )


def send_reminder(entry: Registration):
    return send_mail(
        entry.user,
        REMINDER,
        "seminar_reminder",
        subject=_titled(_l("Seminar “%(title)s” starts tomorrow"), entry.seminar),
        **_context(entry),
    )


# --- receivers of the seminar signals (after the commit) --------------------------------------


def _fresh(registration: Registration) -> Registration | None:
    """The registration as committed (the signal's object may be expired or stale)."""
    return db.session.get(Registration, registration.id, populate_existing=True)


def _safely(what: str, work) -> None:
    """A message that cannot be made must never fail the request that caused it."""
    try:
        work()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("seminar message (%s) could not be sent", what)


def on_created(app, *, registration: Registration, seminar: Seminar, **_) -> None:
    def work():
        entry = _fresh(registration)
        if entry is None:
            return
        if entry.status == RegistrationStatus.REGISTERED:
            send_confirmed(entry)
        elif entry.status == RegistrationStatus.WAITLISTED:
            send_waitlisted(entry)

    _safely("created", work)


def on_promoted(app, *, registration: Registration, seminar: Seminar, **_) -> None:
    def work():
        entry = _fresh(registration)
        if entry is not None and entry.status in HOLDS_A_SEAT:
            send_promoted(entry)

    _safely("promoted", work)


def on_cancelled(
    app, *, registration: Registration, seminar: Seminar, by: User | None = None, **_
) -> None:
    def work():
        by_id = by.id if by is not None else None
        entry = _fresh(registration)
        if entry is not None and entry.status == RegistrationStatus.CANCELLED:
            send_cancelled(entry, db.session.get(User, by_id) if by_id else None)

    _safely("cancelled", work)


def on_seminar_cancelled(app, *, seminar: Seminar, **_) -> None:
    def work():
        entries = db.session.scalars(
            select(Registration).where(
                Registration.seminar_id == seminar.id,
                Registration.status.in_([*HOLDS_A_SEAT, RegistrationStatus.WAITLISTED.value]),
            )
        ).all()
        for entry in entries:
            send_called_off(entry)
        db.session.commit()

    _safely("seminar cancelled", work)


# --- the reminder the day before --------------------------------------------------------------


def due_reminders(now: datetime) -> list[Registration]:
    """Seat holders of announced seminars whose first session starts tomorrow (site's local
    date), once it is ``REMINDER_FROM`` or later today; empty before that."""
    zone = site_zone()
    local = now.astimezone(zone)
    if local.time() < REMINDER_FROM:
        return []
    tomorrow = local.date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), zone).astimezone(UTC)
    end = datetime.combine(tomorrow + timedelta(days=1), time(0), zone).astimezone(UTC)
    first = (
        select(
            SeminarSession.seminar_id.label("seminar_id"),
            func.min(SeminarSession.starts_at).label("starts_at"),
        )
        .group_by(SeminarSession.seminar_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(Registration)
            .join(Seminar, Seminar.id == Registration.seminar_id)
            .join(first, first.c.seminar_id == Seminar.id)
            .where(
                first.c.starts_at >= start,
                first.c.starts_at < end,
                Seminar.status.in_(REMINDED_STATUSES),
                Registration.status.in_(HOLDS_A_SEAT),
            )
            .order_by(Registration.id)
        )
    )


def send_reminders(now: datetime | None = None) -> int:
    """Send each due reminder once (a claim per registration, committed with its message);
    safe to run as often as wanted and from several workers. Returns how many were sent."""
    sent = 0
    for registration_id in [entry.id for entry in due_reminders(now or utcnow())]:
        try:
            entry = db.session.get(Registration, registration_id)
            if entry is None or not claim_once(REMINDER, str(registration_id)):
                db.session.rollback()
                continue
            message = send_reminder(entry)
            db.session.commit()
        except IntegrityError:  # another worker claimed it at the same moment
            db.session.rollback()
            continue
        except Exception:
            db.session.rollback()
            current_app.logger.exception("seminar reminder %s could not be sent", registration_id)
            continue
        sent += message is not None
    return sent


def run_reminders() -> None:
    send_reminders()


register_schedule(SCHEDULE, run_reminders, minute="*/15")


def init_app(app: Flask) -> None:
    """Connect the receivers (once, whatever the number of apps)."""
    registration_created.connect(on_created)
    registration_promoted.connect(on_promoted)
    registration_cancelled.connect(on_cancelled)
    seminar_cancelled.connect(on_seminar_cancelled)
