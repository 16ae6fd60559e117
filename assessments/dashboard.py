"""The quizzes feature's dashboard card for staff: marking and assessments waiting for them."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from assessments.models import Assessment, AssessmentStatus, Rubric
from courses.permissions import bound, owns_course_in, scope
from lms.database import column_rows
from lms.extensions import db
from lms.models import User
from quizzes import marking


@functools.cache
def _drafts() -> Select:
    """Assessments still drafts (waiting to be scored and signed off), in any course: the one
    definition the card and the trainers' digest share (built once per process; callers
    derive their own statements from it)."""
    return (
        select(func.count(Assessment.id))
        .join(Rubric, Assessment.rubric_id == Rubric.id)
        .where(Assessment.status == AssessmentStatus.DRAFT.value)
    )


@dataclass(frozen=True)
class WaitingRubric:
    rubric_id: int
    course_id: int
    title: str
    drafts: int


def drafts_by_rubric() -> list[WaitingRubric]:
    """Per rubric, how many assessments are drafts, in every course (one query); who may
    finish them is ``courses.permissions``' to say."""
    query = (
        _drafts()
        .add_columns(Rubric.id, Rubric.course_id, Rubric.title)
        .group_by(Rubric.id, Rubric.course_id, Rubric.title)
        .order_by(Rubric.title, Rubric.id)
    )
    return [
        WaitingRubric(rubric_id, course_id, title, count)
        for count, rubric_id, course_id, title in db.session.execute(query)
    ]


@functools.cache
def _waiting_for(kind: str) -> Select:
    """The panel's two COUNTs for the users of one ``courses.permissions.scope``, built
    once; the user is bound when it runs."""
    return select(
        marking.waiting_count_in(kind).scalar_subquery(),
        _drafts().where(owns_course_in(kind, Rubric.course_id)).scalar_subquery(),
    )


def waiting_panel(user: User) -> dict:
    """How many written answers wait for a score and how many assessments are still drafts,
    in the courses ``user`` edits: two COUNTs in one statement, the rule of who edits what
    inside each. Plain columns: no ORM execution path."""
    to_mark, drafts = column_rows(_waiting_for(scope(user)), bound(user)).one()
    return {"to_mark": to_mark or 0, "drafts": drafts or 0}
