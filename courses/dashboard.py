"""The courses feature's panels on the dashboard."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses import authoring, learning
from courses.models import CourseStatus
from courses.registration import ACTIVE
from courses.seminar_models import Registration, Seminar
from lms.database import utcnow
from lms.extensions import db
from lms.models import Role, User


def learning_panel(user: User) -> dict | None:
    """ "My learning": always for trainees; for staff only when they enrolled somewhere."""
    rows = learning.my_learning(user)
    if not rows and user.role != Role.TRAINEE:
        return None
    return {"rows": rows}


def teaching_panel(user: User) -> dict:
    courses = authoring.courses_owned_by(user)
    return {
        "courses": courses,
        "module_counts": learning.module_counts([course.id for course in courses]),
        "published": CourseStatus.PUBLISHED.value,
    }


def seminars_panel(user: User) -> dict | None:
    """The trainee's seminars (registered, waiting or attended) with the next session."""

    entries = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.user_id == user.id, Registration.status.in_(ACTIVE))
            .options(selectinload(Registration.seminar).selectinload(Seminar.sessions))
            .order_by(Registration.registered_at.desc())
        )
    )
    if not entries and user.role != Role.TRAINEE:
        return None
    now = utcnow()
    rows = [
        (entry, next((s for s in entry.seminar.sessions if s.ends_at > now), None))
        for entry in entries
    ]
    return {"rows": rows}
