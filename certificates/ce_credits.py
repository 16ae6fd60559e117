"""What counts as continuing education on the platform (``ce_models.CeCredit``): a course
counts only with hours given by an administrator (courses have no hours of their own); a
seminar always counts the hours attended, and may be marked as on ethics."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from certificates.ce_models import CeCredit
from courses.models import Course
from lms.extensions import db
from lms.service_error import ServiceError
from seminars.models import Seminar

MAX_COURSE_HOURS = Decimal("200")


def credits() -> tuple[dict[int, CeCredit], dict[int, CeCredit]]:
    """The rows by course id and by seminar id."""
    courses, seminars = {}, {}
    for credit in db.session.scalars(select(CeCredit)):
        if credit.course_id is not None:
            courses[credit.course_id] = credit
        else:
            seminars[credit.seminar_id] = credit
    return courses, seminars


def _course_hours(value, course_id: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value).replace(",", ".").strip())
    except (ArithmeticError, ValueError):
        hours = Decimal(-1)
    if not (hours.is_finite() and 0 <= hours <= MAX_COURSE_HOURS):
        raise ServiceError(
            _l("Give a course's hours as a number from 0 to 200, such as 8 or 1.5."),
            field=f"course-{course_id}-hours",
        )
    if hours != hours.quantize(Decimal("0.1")):
        raise ServiceError(
            _l("Give the hours to one decimal place at most."), field=f"course-{course_id}-hours"
        )
    return hours


def save_credits(courses: dict[int, tuple[str, bool]], seminars: dict[int, bool]) -> None:
    """Set how each course ({id: (hours typed, ethics)}) and seminar ({id: ethics}) counts;
    all rows or none. A course without hours (or 0) does not count; unknown ids are ignored."""
    by_course, by_seminar = credits()
    known_courses = set(db.session.scalars(select(Course.id).where(Course.id.in_(courses))))
    known_seminars = set(db.session.scalars(select(Seminar.id).where(Seminar.id.in_(seminars))))
    checked = {cid: (_course_hours(hours, cid), ethics) for cid, (hours, ethics) in courses.items()}
    for course_id, (hours, ethics) in checked.items():
        if course_id not in known_courses:
            continue
        credit = by_course.get(course_id) or CeCredit(course_id=course_id)
        credit.hours, credit.ethics = hours, bool(ethics)
        db.session.add(credit)
    for seminar_id, ethics in seminars.items():
        if seminar_id not in known_seminars:
            continue
        credit = by_seminar.get(seminar_id) or CeCredit(seminar_id=seminar_id)
        credit.ethics = bool(ethics)
        db.session.add(credit)
    db.session.commit()
