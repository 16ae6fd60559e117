"""Trainees' practical-assessment pages under ``/assessments``: their signed-off assessments,
their standing, and their dashboard card."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from assessments import combination, results, standing
from assessments.models import Assessment, AssessmentStatus, Rubric, RubricLine
from assessments.views.blueprint import bp, render_page
from lms.extensions import db
from lms.models import User

# The qualification's required average of the compensable criteria, until certificates
# (issue 7) hold it per qualification: the demo rule's 70 %.
DEFAULT_COMPENSABLE_AVERAGE = 70


def _my_signed_off() -> list[Assessment]:
    return list(
        db.session.scalars(
            select(Assessment)
            .where(
                Assessment.user_id == current_user.id,
                Assessment.status == AssessmentStatus.SIGNED_OFF.value,
            )
            .options(
                joinedload(Assessment.rubric).joinedload(Rubric.course),
                joinedload(Assessment.rubric)
                .selectinload(Rubric.lines)
                .joinedload(RubricLine.criterion),
                joinedload(Assessment.breach_criterion),
                joinedload(Assessment.signed_off_by),
                joinedload(Assessment.seminar),
                selectinload(Assessment.scores),
            )
            .order_by(Assessment.signed_off_at.desc(), Assessment.id.desc())
        )
    )


@bp.get("/assessments/")
@login_required
def my_assessments():
    mine = _my_signed_off()
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
    return render_page("mine.html", cards=cards)[0]


@bp.get("/assessments/standing")
@login_required
def my_standing():
    average = current_app.config.get("COMPENSABLE_AVERAGE", DEFAULT_COMPENSABLE_AVERAGE)
    return render_page(
        "standing.html", standing=standing.standing(current_user, compensable_average=average)
    )[0]


def dashboard_panel(user: User) -> dict:
    """The trainee's dashboard card: how many assessments are signed off, and the links."""
    count = db.session.scalar(
        select(func.count(Assessment.id)).where(
            Assessment.user_id == user.id,
            Assessment.status == AssessmentStatus.SIGNED_OFF.value,
        )
    )
    return {"signed_off": count or 0}
