"""Files made from a seminar: the .ics calendar and the attendance CSV."""

from __future__ import annotations

from flask import current_app

from lms.downloads import csv_text
from lms.timezone import site_zone
from seminars.attendance import attended_hours, marks_in
from seminars.hours import format_hours
from seminars.models import Seminar
from seminars.registration import participants


def calendar_ics(seminar: Seminar, *, host: str, with_online_link: bool = False) -> bytes:
    """Every session of the seminar as a VEVENT, in UTC, with stable UIDs. The online link is
    for those who hold a seat (and its staff), as on the seminar's page: anyone may download
    the calendar."""
    from icalendar import Calendar, Event  # at the first calendar file: 2 MB kept out of workers

    calendar = Calendar()
    calendar.add("prodid", f"-//{current_app.config['SITE_NAME']}//seminars//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", seminar.title)
    for session in seminar.sessions:
        event = Event()
        event.add("uid", f"seminar-{seminar.id}-session-{session.id}@{host}")
        event.add("dtstamp", session.created_at)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", f"{seminar.title}: {session.topic}")
        if seminar.venue:
            event.add("location", seminar.venue)
        if seminar.online_link and with_online_link:
            event.add("url", seminar.online_link)
        event.add("description", f"{format_hours(session.academic_hours)} academic hours")
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
        f"{s.starts_at.astimezone(zone):%Y-%m-%d} {s.topic} ({format_hours(s.academic_hours)} h)"
        for s in sessions
    ]
    rows = [[*header, "Total hours (signed off)", "Marked, not yet signed off"]]
    for registration in people:
        user = registration.user
        cells = [user.full_name, user.email, registration.organisation]
        for session in sessions:
            mark = marks.get((session.id, user.id))
            cells.append("" if mark is None else format_hours(mark))
        attended = hours[user.id]
        cells += [format_hours(attended.signed_off), format_hours(attended.pending)]
        rows.append(cells)
    return csv_text(rows)
