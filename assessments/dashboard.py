"""The quizzes feature's dashboard card for staff: marking and assessments waiting for them."""

from __future__ import annotations

from sqlalchemy import func, select

from assessments.models import Assessment, AssessmentStatus, Rubric
from courses.permissions import owned_course_ids
from lms.extensions import db
from lms.models import User
from quizzes import marking


def waiting_panel(user: User) -> dict:
    """How many written answers wait for a score and how many assessments are still drafts,
    in the courses ``user`` edits."""
    course_ids = owned_course_ids(user)
    drafts = 0
    if course_ids:
        drafts = db.session.scalar(
            select(func.count(Assessment.id))
            .join(Rubric, Assessment.rubric_id == Rubric.id)
            .where(
                Rubric.course_id.in_(course_ids),
                Assessment.status == AssessmentStatus.DRAFT.value,
            )
        )
    return {"to_mark": marking.waiting(user), "drafts": drafts or 0}
