"""The blueprint of the practical-assessment pages and what they all share: labels, rendering,
ids from form text, the trainer's courses.

Trainers (owners of the rubric's course, and admins) work under ``/manage/assessments``
(``views.rubrics``, ``views.assessing``); trainees see their own
signed-off assessments and standing under ``/assessments`` (``views.trainee``).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assessments import combination
from assessments.lifecycle import Action
from assessments.models import AssessmentStatus, LineKind, RubricKind
from courses.permissions import owned_course_ids as owned_course_ids_of

bp = Blueprint("practical", __name__, template_folder="../templates")

SCALE_WORDS = {1: _l("not shown"), 2: _l("partly"), 3: _l("competent"), 4: _l("strong")}
CHECKLIST_WORDS = {1: _l("present"), 0: _l("absent")}
RUBRIC_KIND_LABELS = {
    RubricKind.ROLE_PLAY.value: _l("Role-play"),
    RubricKind.DRAFTING.value: _l("Drafting task"),
}
LINE_KIND_LABELS = {
    LineKind.QUALITY.value: _l("Quality (1–4)"),
    LineKind.CHECKLIST.value: _l("Checklist (present / absent)"),
}
STATUS_LABELS = {
    AssessmentStatus.DRAFT.value: _l("Draft"),
    AssessmentStatus.SIGNED_OFF.value: _l("Signed off"),
}
ACTION_LABELS = {
    Action.START: _l("Started"),
    Action.SCORE: _l("Score"),
    Action.BREACH: _l("Serious breach marked"),
    Action.BREACH_CLEARED: _l("Serious breach cleared"),
    Action.NOTES: _l("Feedback changed"),
    Action.SIGN_OFF: _l("Signed off"),
}


def _labels() -> dict:
    return {
        "scale_words": SCALE_WORDS,
        "checklist_words": CHECKLIST_WORDS,
        "rubric_kinds": RUBRIC_KIND_LABELS,
        "line_kinds": LINE_KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "instrument_labels": combination.INSTRUMENT_LABELS,
        "action_labels": ACTION_LABELS,
        "describe_reason": combination.describe_reason,
    }


def render_page(template: str, status: int = 200, **context):
    """A page of ``templates/assessments/`` with the labels every one of them uses."""
    return render_template(f"assessments/{template}", **_labels(), **context), status


def owned_course_ids() -> list[int]:
    """The courses whose rubrics and assessments the current trainer works with."""
    return owned_course_ids_of(current_user)
