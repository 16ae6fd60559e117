"""The courses feature's panels on the dashboard."""

from __future__ import annotations

from courses import learning, next_steps, permissions
from courses.models import CourseStatus
from lms import content_translations
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


def teaching_panel(user: User) -> dict:
    courses = permissions.courses_owned_by(user)
    return {
        "courses": courses,
        "module_counts": learning.module_counts([course.id for course in courses]),
        "published": CourseStatus.PUBLISHED.value,
    }
