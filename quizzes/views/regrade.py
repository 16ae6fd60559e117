"""Withdrawing, reinstating and fixing questions, with regrading and its audit record.

Course owners and administrators only (``require_course_owner`` of the question's course);
each action is a POST with a reason, refused with 400 and its message when the reason is
missing or the regrade does not fit, and leaves the database as it was when refused.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.extensions import db
from lms.permissions import trainer_required
from lms.security import safe_next_url
from lms.service_error import ServiceError, refused
from quizzes import regrade
from quizzes.models import Question
from quizzes.views.owned import owned_question

bp = Blueprint(
    "regrade", __name__, template_folder="../templates", url_prefix="/manage/quizzes/questions"
)

ACTIONS = {
    "withdraw": regrade.withdraw,
    "reinstate": regrade.reinstate,
    "regrade": regrade.regrade,
}


def _page(question: Question, *, error: str | None = None, failed: str | None = None):
    return render_template(
        "quizzes/manage/regrade/audit.html",
        question=question,
        records=regrade.audit_records(question),
        error=error,
        failed_action=failed,
        reason_text=request.form.get("reason", "") if failed else "",
    ), (400 if error else 200)


@bp.get("/<id:question_id>/audit")
@trainer_required
def audit(question_id: int):
    return _page(owned_question(question_id))


def _act(question_id: int, action: str):
    question = owned_question(question_id)
    try:
        event = ACTIONS[action](
            question, request.form.get("reason", ""), current_user._get_current_object()
        )
    except ServiceError as error:
        return _page(db.session.get(Question, question_id), error=refused(error), failed=action)
    changed = sum(1 for change in event.changes if change["before"] != change["after"])
    message = {
        "withdraw": _("The question is withdrawn."),
        "reinstate": _("The question is reinstated."),
        "regrade": _("Attempts are regraded against version %(v)d.", v=event.to_version or 0),
    }[action]
    flash(
        message
        + " "
        + _(
            "Finished attempts recomputed: %(n)d; results changed: %(changed)d.",
            n=event.attempts_affected,
            changed=changed,
        ),
        "success",
    )
    target = safe_next_url(request.form.get("next"))
    return redirect(target or url_for("regrade.audit", question_id=question_id))


@bp.post("/<id:question_id>/withdraw")
@trainer_required
def withdraw(question_id: int):
    return _act(question_id, "withdraw")


@bp.post("/<id:question_id>/reinstate")
@trainer_required
def reinstate(question_id: int):
    return _act(question_id, "reinstate")


@bp.post("/<id:question_id>/regrade")
@trainer_required
def regrade_attempts(question_id: int):
    return _act(question_id, "regrade")
