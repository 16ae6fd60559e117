"""Trainers score written answers with their rubric; the attempt's result then completes."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from courses.permissions import owns_course, owns_course_in
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from quizzes.attempt_results import store_result
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, Question, QuestionVersion, Quiz
from quizzes.signals import attempt_marked


@functools.cache
def _waiting() -> Select:
    """Written answers waiting for a score (in any course): the one definition the queue,
    its count and the trainers' digest share (built once per process; callers derive their
    own statements from it)."""
    return (
        select(AttemptQuestion)
        .join(Attempt, AttemptQuestion.attempt_id == Attempt.id)
        .join(Quiz, Attempt.quiz_id == Quiz.id)
        .join(QuestionVersion, AttemptQuestion.question_version_id == QuestionVersion.id)
        .join(Question, QuestionVersion.question_id == Question.id)
        .where(
            Question.type == "free_text",
            Attempt.status == AttemptStatus.SUBMITTED.value,
            AttemptQuestion.manual_points.is_(None),
        )
    )


def queue_query(user: User) -> Select:
    """Written answers waiting for a score, in quizzes of courses ``user`` may edit, the
    longest-waiting first."""
    return (
        _waiting()
        .where(owns_course(user, Quiz.course_id))
        .options(joinedload(AttemptQuestion.version))
        .order_by(Attempt.submitted_at, AttemptQuestion.id)
    )


@dataclass(frozen=True)
class WaitingQuiz:
    quiz_id: int
    course_id: int
    title: str
    answers: int  # written answers waiting for a score


def waiting_by_quiz() -> list[WaitingQuiz]:
    """Per quiz, how many written answers wait for a score, in every course (one query);
    who may mark them is ``courses.permissions``' to say."""
    query = (
        _waiting()
        .with_only_columns(Quiz.id, Quiz.course_id, Quiz.title, func.count(AttemptQuestion.id))
        .group_by(Quiz.id, Quiz.course_id, Quiz.title)
        .order_by(Quiz.title, Quiz.id)
    )
    return [WaitingQuiz(*row) for row in db.session.execute(query)]


def queue(user: User) -> list[AttemptQuestion]:
    return list(db.session.scalars(queue_query(user)))


@functools.cache
def _waiting_count() -> Select:
    return _waiting().with_only_columns(func.count(AttemptQuestion.id))


def waiting_count(user: User) -> Select:
    """The COUNT of the written answers waiting for ``user``, as a statement (the staff
    dashboard runs it together with its other figure): the rows of ``queue_query``, counted
    over the same joins without loading or ordering them."""
    return _waiting_count().where(owns_course(user, Quiz.course_id))


@functools.cache
def waiting_count_in(kind: str) -> Select:
    """``waiting_count`` for the users of one ``courses.permissions.scope``, built once; the
    user is the bind parameter ``OWNER`` given when it runs."""
    return _waiting_count().where(owns_course_in(kind, Quiz.course_id))


def waiting(user: User) -> int:
    """How many written answers wait for ``user`` (one COUNT, nothing loaded)."""
    return db.session.scalar(waiting_count(user)) or 0


def score(item: AttemptQuestion, points: list[int], by: User) -> Attempt:
    """Record the points per rubric line; when the attempt has no unscored written answer
    left, its result is computed and stored, and ``signals.attempt_marked`` is sent after the
    commit."""
    attempt = db.session.get(Attempt, item.attempt_id)
    if attempt.status != AttemptStatus.SUBMITTED or item.manual_points is not None:
        raise ServiceError(_l("This answer is already scored."))
    rubric = item.version.definition["rubric"]
    if len(points) != len(rubric):
        raise ServiceError(_l("Give points for every line of the rubric."))
    for line, given in zip(rubric, points, strict=True):
        if not 0 <= given <= line["points"]:
            raise ServiceError(
                _l(
                    "Points for “%(line)s” must be between 0 and %(n)d.",
                    line=line["criterion"],
                    n=line["points"],
                )
            )
    item.rubric_points_json = json.dumps(points)
    item.manual_points = sum(points)
    item.graded_by_id, item.graded_at = by.id, utcnow()
    db.session.flush()
    store_result(attempt)  # stays 'submitted' while another written answer waits
    db.session.commit()
    if attempt.status == AttemptStatus.GRADED.value:
        # The trainer as a row, never a request's current_user proxy (a subscriber may run
        # after the request); it is in the session already, so no query.
        trainer = db.session.get(User, item.graded_by_id)
        attempt_marked.send(current_app._get_current_object(), attempt=attempt, by=trainer)
    return attempt
