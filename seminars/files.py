"""Files made from a seminar: the .ics calendar and the attendance CSV."""

from __future__ import annotations

import csv
import io

from flask import current_app
from icalendar import Calendar, Event

from lms.downloads import safe_cell
from lms.timezone import site_zone
from seminars.attendance import sheet
from seminars.hours import format_hours
from seminars.models import Seminar
from seminars.registration import participants


def calendar_ics(seminar: Seminar, *, host: str) -> bytes:
    """Every session of the seminar as a VEVENT, in UTC, with stable UIDs."""
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
        if seminar.online_link:
            event.add("url", seminar.online_link)
        event.add("description", f"{format_hours(session.academic_hours)} academic hours")
        calendar.add_component(event)
    return calendar.to_ical()


def attendance_csv(seminar: Seminar) -> str:
    """One row per participant: name, email, organisation, hours per session, total."""
    sessions = list(seminar.sessions)
    grid = {
        session.id: {row.user.id: row.attendance for row in sheet(session)} for session in sessions
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["Full name", "Email", "Organisation"]
    zone = site_zone()  # dates as on the pages
    header += [
        f"{s.starts_at.astimezone(zone):%Y-%m-%d} {s.topic} ({format_hours(s.academic_hours)} h)"
        for s in sessions
    ]
    writer.writerow([safe_cell(cell) for cell in [*header, "Total hours"]])
    for registration in participants(seminar):
        user = registration.user
        marks = [grid[s.id].get(user.id) for s in sessions]
        hours = [mark.hours if mark else None for mark in marks]
        total = sum((h for h in hours if h is not None), start=0)
        cells = [user.full_name, user.email, registration.organisation]
        cells += ["" if h is None else format_hours(h) for h in hours]
        cells.append(format_hours(total))
        writer.writerow([safe_cell(cell) for cell in cells])
    return buffer.getvalue()
