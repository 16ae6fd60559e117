"""The blueprint of the trainer pages for seminars (``/manage/seminars``) and what they
share: the seminar a route names (404 unknown, 403 not managed) and its session."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
)
from flask_login import current_user

from lms.routing import get_or_404
from seminars import permissions
from seminars.models import Seminar, SeminarSession

bp = Blueprint(
    "manage_seminars", __name__, url_prefix="/manage/seminars", template_folder="../templates"
)


def managed_seminar(seminar_id: int) -> Seminar:
    seminar = get_or_404(Seminar, seminar_id)
    if not permissions.can_manage(current_user, seminar):
        abort(403)
    return seminar


def seminar_session(seminar: Seminar, session_id: int) -> SeminarSession:
    return get_or_404(SeminarSession, session_id, seminar_id=seminar.id)
