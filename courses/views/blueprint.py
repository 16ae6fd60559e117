"""The blueprint of the trainer pages for courses (``/manage``) and what they share: the
course a route names (404 unknown, 403 not owned) and its module."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
)

from courses.models import Course, Module
from courses.permissions import require_course_owner
from lms.routing import get_or_404

bp = Blueprint("manage", __name__, url_prefix="/manage", template_folder="../templates")


def owned_course(slug: str) -> Course:
    course = Course.by_slug(slug)
    if course is None:
        abort(404)
    require_course_owner(course)
    return course


def owned_module(course: Course, module_id: int) -> Module:
    return get_or_404(Module, module_id, course_id=course.id)
