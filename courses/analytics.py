"""The courses' analytics: cohort progress per course (enrolled, not started, in progress,
completed), in a fixed number of queries whatever the number of courses and trainees."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from courses import permissions
from courses.models import Course, CourseCompletion, Enrolment, Module, ModuleCompletion
from lms import charts, content_translations
from lms.analytics import Filters
from lms.extensions import db
from lms.models import User


def course_choices(user: User) -> list[tuple[int, str]]:
    courses = permissions.courses_owned_by(user)
    content_translations.preload(courses)
    return [(course.id, content_translations.text(course, "title")) for course in courses]


def cohort_progress(user: User, filters: Filters) -> list[tuple[Course, int, int, int]]:
    """(course, not started, in progress, completed) for each course in scope with anyone
    enrolled. "Completed": the course's completion is recorded; "in progress": at least one
    module read; enrolments since the period's start only (three queries)."""
    query = select(Course).where(permissions.owns_course(user, Course.id)).order_by(Course.title)
    if filters.course_id:
        query = query.where(Course.id == filters.course_id)
    courses = list(db.session.scalars(query))
    ids = [course.id for course in courses]
    if not ids:
        return []
    enrolled = db.session.execute(
        select(Enrolment.course_id, Enrolment.user_id).where(
            Enrolment.course_id.in_(ids), Enrolment.enrolled_at >= filters.start_at
        )
    ).all()
    completed = set(
        db.session.execute(
            select(CourseCompletion.course_id, CourseCompletion.user_id).where(
                CourseCompletion.course_id.in_(ids)
            )
        ).all()
    )
    started = set(
        db.session.execute(
            select(Module.course_id, ModuleCompletion.user_id)
            .join(Module, Module.id == ModuleCompletion.module_id)
            .where(Module.course_id.in_(ids))
            .group_by(Module.course_id, ModuleCompletion.user_id)
        ).all()
    )
    counts: dict[int, list[int]] = {}
    for course_id, user_id in enrolled:
        row = counts.setdefault(course_id, [0, 0, 0])
        key = (course_id, user_id)
        row[2 if key in completed else 1 if key in started else 0] += 1
    return [(course, *counts[course.id]) for course in courses if course.id in counts]


def cohort_panel(user: User, filters: Filters) -> dict:
    rows = cohort_progress(user, filters)
    content_translations.preload([row[0] for row in rows])
    chart = charts.stacked_bar_chart(
        "cohort-progress",
        _("Cohort progress by course"),
        [_("Not started"), _("In progress"), _("Completed")],
        [(content_translations.text(course, "title"), values) for course, *values in rows],
        desc=_(
            "For each course, the trainees enrolled in the period: not started, "
            "in progress and completed."
        ),
    )
    return {"chart": chart, "rows": rows}
