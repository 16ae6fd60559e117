"""The seminars part of a user's data download (registrations and attendance), and what
deleting an account erases here: the organisation typed at registration. Attendance (hours)
stays: certificates count it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update

from lms.account_deletion import register_erasure
from lms.extensions import db
from lms.models import User
from lms.personal_data import register_personal_data
from seminars.models import Attendance, Registration, Seminar, SeminarSession


def seminars_of(user: User) -> dict:
    registrations = db.session.execute(
        select(Registration, Seminar.title)
        .join(Seminar, Registration.seminar_id == Seminar.id)
        .where(Registration.user_id == user.id)
        .order_by(Registration.id)
    ).all()
    marks = db.session.execute(
        select(
            Attendance, SeminarSession.topic, SeminarSession.seminar_id, SeminarSession.starts_at
        )
        .join(SeminarSession, Attendance.session_id == SeminarSession.id)
        .where(Attendance.user_id == user.id)
        .order_by(Attendance.id)
    ).all()
    return {
        "registrations": [
            {
                "seminar_id": row.seminar_id,
                "seminar": title,
                "status": row.status,
                "waitlist_position": row.waitlist_position,
                "organisation": row.organisation,
                "registered_at": row.registered_at,
            }
            for row, title in registrations
        ],
        "attendance": [
            {
                "seminar_id": seminar_id,
                "session": topic,
                "starts_at": starts_at,
                "status": mark.status,
                "hours": mark.hours,
                "self_checked_in": mark.self_checked_in,
            }
            for mark, topic, seminar_id, starts_at in marks
        ],
    }


def erase(user: User) -> None:
    db.session.execute(
        update(Registration).where(Registration.user_id == user.id).values(organisation="")
    )


def init_app(app: Flask) -> None:
    register_personal_data("seminars", seminars_of)
    register_erasure(erase)
