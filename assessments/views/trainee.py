"""Trainees' practical-assessment pages under ``/assessments``: their signed-off assessments,
their standing, and their dashboard card."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user, login_required
from sqlalchemy import bindparam, func, select

from assessments import combination, lifecycle, results, standing
from assessments.models import Assessment, AssessmentStatus
from assessments.translations import preload_assessments
from assessments.views.blueprint import bp, render_page
from lms import content_translations as ct
from lms.database import column_rows
from lms.models import User
from quizzes.translations import criterion_titles

# The qualification's required average of the compensable criteria, until certificates
# (issue 7) hold it per qualification: the demo rule's 70 %.
DEFAULT_COMPENSABLE_AVERAGE = 70


@bp.get("/assessments/")
@login_required
def my_assessments():
    mine = lifecycle.signed_off_of(current_user)
    counted = {a.id for a in combination.latest_per_rubric(mine)}
    cards = [
        {
            "assessment": a,
            "counted": a.id in counted,
            "scores": {score.line_id: score.points for score in a.scores},
            "results": results.assessment_results(
                results.scored_lines(a),
                a.breach_criterion.code if a.breach_criterion else None,
            ),
        }
        for a in mine
    ]
    preload_assessments(mine)
    ct.preload([a.rubric.course for a in mine])
    return render_page("mine.html", cards=cards)[0]


@bp.get("/assessments/standing")
@login_required
def my_standing():
    average = current_app.config.get("COMPENSABLE_AVERAGE", DEFAULT_COMPENSABLE_AVERAGE)
    found = standing.standing(current_user, compensable_average=average)
    preload_assessments(found.assessments)
    return render_page(
        "standing.html",
        standing=found,
        titles=criterion_titles(),  # in the reader's language
    )[0]


def dashboard_panel(user: User) -> dict:
    """The trainee's dashboard card: how many assessments are signed off, and the links."""
    count = column_rows(_SIGNED_OFF, {"user": user.id}).scalar()
    return {"signed_off": count or 0}


_SIGNED_OFF = select(func.count(Assessment.id)).where(
    Assessment.user_id == bindparam("user"),
    Assessment.status == AssessmentStatus.SIGNED_OFF.value,
)
