"""Files made from a seminar: the .ics calendar and the attendance CSV (for spreadsheets: ISO
dates and plain dot decimals, as every CSV export; the calendar's text is in the reader's
language)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from lms import content_translations as ct
from lms.downloads import csv_text
from lms.formatting import format_hours, plain_decimal
from lms.timezone import site_zone
from seminars.attendance import attended_hours, marks_in
from seminars.models import Seminar
from seminars.registration import participants
from seminars.translations import preload_seminars


def calendar_ics(
    seminar: Seminar, *, host: str, with_online_link: bool = False, locale: str | None = None
) -> bytes:
    """Every session of the seminar as a VEVENT, in UTC, with stable UIDs. The online link is
    for those who hold a seat (and its staff), as on the seminar's page: anyone may download
    the calendar. Titles, topics and venue in ``locale`` (the reader's by default) where
    translated."""
    preload_seminars([seminar], locale, courses=False, sessions=True)
    return _ics([seminar], ct.text(seminar, "title", locale), host, with_online_link, locale)


def personal_ics(seminars: list[Seminar], *, name: str, host: str, locale: str) -> bytes:
    """A user's feed: every session of ``seminars`` (theirs: the online link included), with
    the same UIDs as each seminar's own calendar file, so a session is never doubled. It names
    nobody: no participants, no trainers."""
    preload_seminars(seminars, locale, courses=False, sessions=True)
    return _ics(seminars, name, host, True, locale)


def _ics(seminars, name: str, host: str, with_online_link: bool, locale: str | None) -> bytes:
    from icalendar import Calendar, Event  # at the first calendar file: 2 MB kept out of workers

    calendar = Calendar()
    calendar.add("prodid", f"-//{current_app.config['SITE_NAME']}//seminars//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for seminar in seminars:
        title = ct.text(seminar, "title", locale)
        venue = ct.text(seminar, "venue", locale)
        for session in seminar.sessions:
            event = Event()
            event.add("uid", f"seminar-{seminar.id}-session-{session.id}@{host}")
            event.add("dtstamp", session.created_at)
            event.add("dtstart", session.starts_at)
            event.add("dtend", session.ends_at)
            event.add("summary", f"{title}: {ct.text(session, 'topic', locale)}")
            if venue:
                event.add("location", venue)
            if seminar.online_link and with_online_link:
                event.add("url", seminar.online_link)
            event.add(
                "description", _("%(h)s academic hours", h=format_hours(session.academic_hours))
            )
            calendar.add_component(event)
    return calendar.to_ical()


def attendance_csv(seminar: Seminar) -> str:
    """One row per participant: name, email, organisation, hours marked per session, the
    signed-off total (what counts) and the hours marked but not signed off yet. Three queries
    whatever the size of the seminar; every cell made safe for spreadsheets."""
    sessions = list(seminar.sessions)
    marks = {(mark.session_id, mark.user_id): mark.hours for mark in marks_in(seminar)}
    people = participants(seminar)
    hours = attended_hours(seminar, [registration.user_id for registration in people])
    zone = site_zone()  # dates as on the pages
    header = ["Full name", "Email", "Organisation"]
    header += [
        f"{s.starts_at.astimezone(zone):%Y-%m-%d} {s.topic} ({plain_decimal(s.academic_hours)} h)"
        for s in sessions
    ]
    rows = [[*header, "Total hours (signed off)", "Marked, not yet signed off"]]
    for registration in people:
        user = registration.user
        cells = [user.full_name, user.email, registration.organisation]
        for session in sessions:
            mark = marks.get((session.id, user.id))
            cells.append("" if mark is None else plain_decimal(mark))
        attended = hours[user.id]
        cells += [plain_decimal(attended.signed_off), plain_decimal(attended.pending)]
        rows.append(cells)
    return csv_text(rows)
