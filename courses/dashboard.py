"""The courses feature's panels on the dashboard."""

from __future__ import annotations

import functools

from sqlalchemy import Select, select

from courses import learning, next_steps, permissions
from courses.models import Course, CourseStatus
from lms import content_translations
from lms.database import column_rows
from lms.models import Role, User


def learning_panel(user: User) -> dict | None:
    """ "My learning": always for trainees; for staff only when they enrolled somewhere."""
    rows = learning.my_learning(user)
    if not rows and user.role != Role.TRAINEE:
        return None
    # Titles in the reader's language: one query per kind for the whole panel.
    content_translations.preload(
        [row.course for row in rows]
        + [row.progress.next_module for row in rows]
        + [module for row in rows for module in row.progress.new_since[:1]]
    )
    # The next step per course (the next module, then the quiz, a seminar...): each feature
    # answers for every course at once, so the panel's queries do not grow with the courses.
    steps = next_steps.next_steps(user, [(row.course, row.progress) for row in rows])
    return {"rows": rows, "steps": steps}


# "My courses" on the dashboard: the most recently changed ones, the rest on the full list
# (manage.courses); an administrator edits every course of the site.
TEACHING_PANEL_SIZE = 8


@functools.cache
def _teaching(kind: str) -> Select:
    """The panel's statement for the users of one ``permissions.scope``, built once."""
    return (
        select(Course.id, Course.slug, Course.title, Course.status)
        .where(permissions.owns_course_in(kind, Course.id))
        .order_by(Course.updated_at.desc(), Course.id.desc())
        .limit(TEACHING_PANEL_SIZE + 1)
    )


def teaching_panel(user: User) -> dict:
    """The courses as rows of the four columns the panel shows (no Course objects to build),
    on the session's connection."""
    found = column_rows(_teaching(permissions.scope(user)), permissions.bound(user)).all()
    courses = found[:TEACHING_PANEL_SIZE]
    return {
        "courses": courses,
        "more": len(found) > TEACHING_PANEL_SIZE,
        "module_counts": learning.module_counts([course.id for course in courses]),
        # Each status word translated once, not once per row.
        "status_labels": {course.status: CourseStatus(course.status).label for course in courses},
        "published": CourseStatus.PUBLISHED.value,
    }
