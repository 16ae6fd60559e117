"""Who may change a course: its owners (trainers) and administrators."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from courses.authoring import can_edit
from courses.models import Course


def require_course_owner(course: Course) -> None:
    """Abort with 403 unless the signed-in user may edit ``course``."""
    if not can_edit(current_user, course):
        abort(403)
