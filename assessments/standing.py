"""A trainee's standing by criterion: quiz results and practical assessments, judged by the
qualification's rule (``grading.evaluate_criteria``). Certificates call ``standing``.

What counts:

- **Quizzes**: for each criterion, the best percent the trainee reached on it in any graded
  attempt (attempts waiting for a trainer do not count), optionally only in given quizzes.
  Criteria are taken independently, so the best C1 and the best C3 may come from different
  attempts: each attempt is a valid measurement of each criterion it covered.
- **Practical assessments**: the *latest* signed-off assessment per rubric. A retake replaces
  the earlier result rather than the best one counting, because a practical assessment is a
  trainer's judgement of current competence: a retake after a serious breach must be able to
  clear it, and a poor retake must not hide behind an older good one.
- **Several rubrics on one criterion and instrument** (two role-plays both with C4 lines) are
  combined by summing points, not by averaging percents, so every line weighs the same
  whichever rubric it sits in. A breach or a line under its minimum in any of them stays.

The gathering here (``standing``) runs a fixed number of queries however many attempts and
assessments there are; everything after it is pure (``combination``: ``combine``,
``evaluate``) and tested without a database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from assessments.combination import (
    KIND_ORDER,
    Standing,
    best_quiz_percents,
    combine,
    evaluate,
    latest_per_rubric,
)
from assessments.models import (
    Assessment,
    AssessmentScore,
    AssessmentStatus,
    Rubric,
    RubricLine,
)
from assessments.results import ScoredLine, Tally, tally_lines
from lms import content_translations as ct
from lms.extensions import db
from lms.models import User
from quizzes.grading import CriterionRule, Instrument
from quizzes.models import Attempt, AttemptStatus, Criterion

# --- gathering from the database -------------------------------------------------------------


def rules_from_db(codes: Iterable[str] | None = None) -> list[CriterionRule]:
    """The active criteria (of ``codes`` if given) as rules (two queries)."""
    query = select(Criterion).where(Criterion.active.is_(True))
    if codes is not None:
        query = query.where(Criterion.code.in_(list(codes)))
    criteria = db.session.scalars(
        query.options(selectinload(Criterion.instruments)).order_by(Criterion.code)
    )
    return [
        CriterionRule(
            criterion.code,
            criterion.title,
            criterion.must_pass,
            tuple(
                Instrument(i.kind, i.threshold, i.kind)
                for i in sorted(criterion.instruments, key=lambda i: KIND_ORDER.get(i.kind, 99))
            ),
            None if criterion.must_pass else criterion.floor,
        )
        for criterion in criteria
    ]


def quiz_results(user: User, quiz_ids: Iterable[int] | None = None) -> dict[str, Fraction]:
    """Best percent per criterion over the user's graded attempts (one query)."""
    return quiz_results_of([user.id], quiz_ids)[user.id]


def quiz_results_of(
    user_ids: list[int], quiz_ids: Iterable[int] | None = None
) -> dict[int, dict[str, Fraction]]:
    """:func:`quiz_results` of many users at once (one query)."""
    query = select(Attempt.user_id, Attempt.result_json).where(
        Attempt.user_id.in_(user_ids), Attempt.status == AttemptStatus.GRADED.value
    )
    if quiz_ids is not None:
        query = query.where(Attempt.quiz_id.in_(list(quiz_ids)))
    stored: dict[int, list] = {user_id: [] for user_id in user_ids}
    for user_id, text in db.session.execute(query) if user_ids else ():
        try:
            stored[user_id].append(json.loads(text or "{}"))
        except ValueError:
            continue
    return {user_id: best_quiz_percents(results) for user_id, results in stored.items()}


def counted_assessments(user: User) -> tuple[list[Assessment], list[Tally]]:
    """The latest signed-off assessment per rubric and their tallies (three queries)."""
    return counted_assessments_of([user.id])[user.id]


def counted_assessments_of(
    user_ids: list[int],
) -> dict[int, tuple[list[Assessment], list[Tally]]]:
    """:func:`counted_assessments` of many users at once (three queries)."""
    found: dict[int, tuple[list[Assessment], list[Tally]]] = {u: ([], []) for u in user_ids}
    if not user_ids:
        return found
    signed_off: dict[int, list[Assessment]] = {}
    for assessment in db.session.scalars(
        select(Assessment)
        .where(
            Assessment.user_id.in_(user_ids),
            Assessment.status == AssessmentStatus.SIGNED_OFF.value,
        )
        .options(
            joinedload(Assessment.rubric).joinedload(Rubric.course),
            joinedload(Assessment.breach_criterion),
        )
    ):
        signed_off.setdefault(assessment.user_id, []).append(assessment)
    latest = {user_id: latest_per_rubric(rows) for user_id, rows in signed_off.items()}
    every = [a for rows in latest.values() for a in rows]
    if not every:
        return found
    lines: dict[int, list[RubricLine]] = {}
    for line in db.session.scalars(
        select(RubricLine)
        .where(RubricLine.rubric_id.in_({a.rubric_id for a in every}))
        .options(joinedload(RubricLine.criterion))
        .order_by(RubricLine.position)
    ):
        lines.setdefault(line.rubric_id, []).append(line)
    # Line labels in the reader's language (reasons name them): one query.
    ct.preload([line for group in lines.values() for line in group])
    points: dict[tuple[int, int], int] = {
        (assessment_id, line_id): value
        for assessment_id, line_id, value in db.session.execute(
            select(
                AssessmentScore.assessment_id, AssessmentScore.line_id, AssessmentScore.points
            ).where(AssessmentScore.assessment_id.in_([a.id for a in every]))
        )
    }
    for user_id, assessments in latest.items():
        tallies: list[Tally] = []
        for assessment in assessments:
            scored = [
                ScoredLine(
                    ct.text(line, "label"),
                    line.criterion.code,
                    line.kind,
                    points.get((assessment.id, line.id), 0),
                    line.minimum,
                )
                for line in lines.get(assessment.rubric_id, [])
            ]
            breach = assessment.breach_criterion.code if assessment.breach_criterion else None
            tallies += tally_lines(scored, breach)
        found[user_id] = (assessments, tallies)
    return found


def standing(
    user: User,
    quiz_ids: Iterable[int] | None = None,
    compensable_average: int | None = None,
    *,
    criteria: Iterable[str] | None = None,
) -> Standing:
    """Where ``user`` stands on every active criterion (a fixed number of queries).

    ``quiz_ids`` limits the quizzes that count (None: all); ``compensable_average`` is the
    qualification's required average of the compensable criteria (None: no average rule);
    ``criteria`` limits the criteria judged to these codes (a qualification's), inactive
    ones always left out. ``Standing.met``, ``.reasons`` and each ``.criteria`` item's
    ``code``, ``title``, ``percent``, ``met`` read like ``grading.CriteriaOutcome``."""
    return standings([user.id], quiz_ids, compensable_average, criteria=criteria)[user.id]


def standings(
    user_ids: list[int],
    quiz_ids: Iterable[int] | None = None,
    compensable_average: int | None = None,
    *,
    criteria: Iterable[str] | None = None,
) -> dict[int, Standing]:
    """:func:`standing` of many users at once, in the same fixed number of queries."""
    rules = rules_from_db(criteria)
    quiz = quiz_results_of(user_ids, quiz_ids)
    counted = counted_assessments_of(user_ids)
    found = {}
    for user_id in user_ids:
        assessments, tallies = counted[user_id]
        result = evaluate(
            rules, combine(quiz[user_id], tallies), compensable_average=compensable_average
        )
        result.assessments = assessments
        found[user_id] = result
    return found
