"""An attempt's result: graded from its frozen questions (withdrawn ones left out), the one
place results are computed (``result_of``), and stored on the attempt (``store_result``) by
submitting, marking and regrading alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms import content_translations as ct
from lms.extensions import db
from quizzes import translations
from quizzes.grading import (
    AttemptResult,
    FrozenQuestion,
    QuestionScore,
    display_percent,
    grade_attempt,
)
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, Criterion, Quiz, ReviewPolicy
from quizzes.question_types import get_type


@dataclass(frozen=True)
class CriteriaInfo:
    thresholds: dict[str, int]
    names: dict[str, str]
    must_pass: set[str]


@dataclass(frozen=True)
class Shown:
    """What a trainee sees of a finished attempt's result at a given moment."""

    score: bool  # passed or not, and the overall percent
    criteria: bool  # the result by criterion
    answers: bool  # each answer with its feedback


def shown_to_trainee(quiz: Quiz, now: datetime) -> Shown:
    """The quiz's review policy at ``now``: the one rule the result page and the messages
    about a result follow ("nothing until the quiz closes" shows everything once it closed)."""
    policy = ReviewPolicy(quiz.review_policy)
    closed = quiz.closes_at is not None and now >= quiz.closes_at
    after_close = policy == ReviewPolicy.AFTER_CLOSE
    opened_up = after_close and closed
    return Shown(
        score=not after_close or closed,
        criteria=policy in (ReviewPolicy.CRITERIA, ReviewPolicy.ANSWERS) or opened_up,
        answers=policy == ReviewPolicy.ANSWERS or opened_up,
    )


def criteria_info() -> CriteriaInfo:
    criteria = db.session.scalars(select(Criterion).options(selectinload(Criterion.instruments)))
    thresholds, names, must_pass = {}, {}, set()
    for criterion in criteria:
        names[criterion.code] = criterion.title
        if (threshold := criterion.threshold("quiz")) is not None:
            thresholds[criterion.code] = threshold
        if criterion.must_pass:
            must_pass.add(criterion.code)
    return CriteriaInfo(thresholds, names, must_pass)


def counts(question: AttemptQuestion) -> bool:
    """Whether a frozen question counts towards the result: a question withdrawn (found
    wrong) does not, in any attempt, whenever the result is computed."""
    return question.version.question.withdrawn_at is None


def _definition(question: AttemptQuestion, language: str) -> dict:
    """The definition grading uses: a short answer also accepts the accepted answers of the
    attempt's language (every other type grades by ids and numbers, whatever the language)."""
    definition = question.version.definition
    if question.version.question.type == "short_text":
        definition["accepted"] = translations.accepted_answers(question.version, language)
    return definition


def frozen_questions(attempt: Attempt) -> list[FrozenQuestion]:
    """The attempt's questions that count (withdrawn ones are left out)."""
    language = translations.attempt_language(attempt)
    ct.preload(
        [q.version for q in attempt.questions if q.version.question.type == "short_text"], language
    )
    return [
        FrozenQuestion(
            str(q.position),
            q.version.question.criterion.code,
            q.version.question.type,
            q.version.points,
            _definition(q, language),
            q.presentation,
        )
        for q in attempt.questions
        if counts(q)
    ]


def result_of(attempt: Attempt, info: CriteriaInfo | None = None) -> AttemptResult:
    """Grade the attempt from its frozen questions; the one place results are computed.

    Withdrawn questions count for nothing: not earned, not possible, not in any criterion
    (a criterion whose every question was withdrawn is no longer assessed by the attempt),
    and an unscored written answer that was withdrawn no longer keeps the result pending.
    They stay in ``result.questions`` as 0 of 0 points, so that list still lines up with
    ``attempt.questions``. An attempt with nothing left to count does not pass.

    ``info`` (``criteria_info()``) may be given by a caller grading many attempts.
    """
    info = info or criteria_info()
    counted = [q for q in attempt.questions if counts(q)]
    answers = {str(q.position): q.answer for q in counted}
    manual = {}
    for q in counted:
        if q.manual_points is not None:
            possible = get_type(q.version.question.type).max_points(
                q.version.definition, q.version.points
            )
            manual[str(q.position)] = Fraction(q.manual_points, possible)
    result = grade_attempt(
        frozen_questions(attempt),
        answers,
        pass_mark=attempt.quiz.pass_mark,
        thresholds=info.thresholds,
        names=info.names,
        must_pass=info.must_pass,
        manual_scores=manual,
    )
    if len(counted) < len(attempt.questions):
        scores = {score.key: score for score in result.questions}
        result.questions = [
            scores.get(str(q.position))
            or QuestionScore(str(q.position), q.version.question.criterion.code, 0, Fraction(0))
            for q in attempt.questions
        ]
        if not counted:
            result.reasons.append("Every question of this attempt was withdrawn")
    return result


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"))


def store_result(attempt: Attempt) -> AttemptResult:
    """Grade from the frozen questions and store the figures on the attempt (no commit)."""
    result = result_of(attempt)
    info = criteria_info()
    attempt.earned, attempt.possible = _decimal(result.earned), _decimal(result.possible)
    attempt.percent = display_percent(result.percent)
    attempt.passed = None if result.pending else result.passed
    attempt.status = (AttemptStatus.SUBMITTED if result.pending else AttemptStatus.GRADED).value
    attempt.result_json = json.dumps(
        {
            "criteria": [
                {
                    "code": c.code,
                    "percent": str(display_percent(c.percent)),
                    # Exact points (Fractions as "n/d"), so a standing compares exactly:
                    # 89.95 % must not pass a 90 % threshold because it displays as 90.0.
                    "earned": str(c.earned),
                    "possible": str(c.possible),
                    "threshold": c.threshold,
                    "met": c.met,
                    "must_pass": c.code in info.must_pass,
                }
                for c in result.criteria
            ],
            "reasons": result.reasons,  # English, for logs; pages phrase them from the figures
            "overall_met": result.earned * 100 >= attempt.quiz.pass_mark * result.possible,
            "pending": result.pending,
        },
        ensure_ascii=False,
    )
    return result
