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

The gathering (``standing``) runs a fixed number of queries however many attempts and
assessments there are; everything after it is pure (``combine``, ``evaluate``) and tested
without a database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from assessments.models import (
    Assessment,
    AssessmentScore,
    AssessmentStatus,
    Rubric,
    RubricLine,
)
from assessments.results import ScoredLine, Tally, tally_lines
from lms.extensions import db
from lms.models import User
from quizzes.grading import (
    CriteriaOutcome,
    CriterionOutcome,
    CriterionRule,
    Instrument,
    InstrumentResult,
    display_percent,
    evaluate_criteria,
)
from quizzes.models import Attempt, AttemptStatus, Criterion, InstrumentKind

KIND_ORDER = {kind.value: number for number, kind in enumerate(InstrumentKind)}
INSTRUMENT_LABELS = {
    InstrumentKind.QUIZ.value: _l("Quiz"),
    InstrumentKind.RUBRIC.value: _l("Rubric"),
    InstrumentKind.CHECKLIST.value: _l("Checklist"),
}


# --- pure ------------------------------------------------------------------------------------


def entry_percent(entry: Mapping) -> Fraction | None:
    """One criterion's percent from an attempt's stored result: exact when the attempt stored
    its points (``earned``/``possible``), else the stored one-decimal percent."""
    try:
        if entry.get("earned") is not None and entry.get("possible") is not None:
            possible = Fraction(str(entry["possible"]))
            return Fraction(str(entry["earned"])) * 100 / possible if possible else None
        return Fraction(str(entry["percent"]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def best_quiz_percents(results: Iterable[Mapping]) -> dict[str, Fraction]:
    """The best percent per criterion code over attempts' stored results."""
    best: dict[str, Fraction] = {}
    for result in results:
        for entry in result.get("criteria", []) if isinstance(result, Mapping) else []:
            percent = entry_percent(entry) if isinstance(entry, Mapping) else None
            code = entry.get("code") if isinstance(entry, Mapping) else None
            if percent is not None and isinstance(code, str):
                best[code] = max(percent, best.get(code, percent))
    return best


def combine(quiz: Mapping[str, Fraction], tallies: Iterable[Tally]) -> list[InstrumentResult]:
    """Quiz percents plus practical tallies, summed per criterion and instrument."""
    summed: dict[tuple[str, str], Tally] = {}
    for tally in tallies:
        key = (tally.criterion, tally.kind)
        summed[key] = summed[key] + tally if key in summed else tally
    results = [
        InstrumentResult(code, InstrumentKind.QUIZ.value, percent)
        for code, percent in sorted(quiz.items())
    ]
    return results + [summed[key].result() for key in sorted(summed)]


@dataclass(frozen=True)
class Reason:
    """Why a criterion is not met, as figures a page phrases in the reader's language.

    ``kind``: missing, breach, below_minimum, below_threshold, below_floor, breach_elsewhere.
    """

    kind: str
    instrument: str = ""
    percent: Fraction | None = None
    limit: int | None = None
    line: str = ""


def describe_reason(reason: Reason) -> str:
    """One reason in the reader's language (the one place reasons are phrased)."""
    name = str(INSTRUMENT_LABELS.get(reason.instrument, reason.instrument))
    percent = display_percent(reason.percent) if reason.percent is not None else None
    texts = {
        "missing": lambda: _l("%(instrument)s: not completed yet", instrument=name),
        "breach": lambda: _l("%(instrument)s: a serious breach was recorded", instrument=name),
        "below_minimum": lambda: _l(
            "%(instrument)s: “%(line)s” is below its minimum score",
            instrument=name,
            line=reason.line,
        ),
        "below_threshold": lambda: _l(
            "%(instrument)s: %(p)s%% < %(t)d%% required",
            instrument=name,
            p=percent,
            t=reason.limit,
        ),
        "below_floor": lambda: _l(
            "%(p)s%% is below the floor of %(t)d%%", p=percent, t=reason.limit
        ),
        "breach_elsewhere": lambda: _l("A serious breach was recorded in a practical assessment"),
    }
    return str(texts[reason.kind]()) if reason.kind in texts else reason.kind


@dataclass(frozen=True)
class InstrumentStanding:
    kind: str
    threshold: int
    result: InstrumentResult | None

    @property
    def percent(self) -> Fraction | None:
        return None if self.result is None else self.result.percent

    @property
    def met(self) -> bool:
        result = self.result
        return (
            result is not None
            and result.percent is not None
            and result.percent >= self.threshold
            and not result.serious_breach
            and not result.lines_below_minimum
        )


@dataclass
class CriterionStanding:
    rule: CriterionRule
    outcome: CriterionOutcome
    instruments: list[InstrumentStanding]
    reasons: list[Reason] = field(default_factory=list)  # empty when met

    # The outcome's figures, so a standing reads like grading.CriteriaOutcome's criteria.
    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def title(self) -> str:
        return self.rule.title

    @property
    def must_pass(self) -> bool:
        return self.rule.must_pass

    @property
    def percent(self) -> Fraction | None:
        return self.outcome.percent

    @property
    def met(self) -> bool:
        return self.outcome.met

    @property
    def compensated(self) -> bool:
        return self.outcome.compensated


@dataclass
class Standing:
    criteria: list[CriterionStanding]
    met: bool
    reasons: list[str]  # evaluate_criteria's English reasons, for logs and certificates
    compensable_average: int | None
    average: Fraction | None  # of the compensable criteria, once each has a percent
    results: list[InstrumentResult]
    assessments: list[Assessment] = field(default_factory=list)  # the ones counted

    @property
    def average_met(self) -> bool | None:
        if self.average is None or self.compensable_average is None:
            return None
        return self.average >= self.compensable_average


def _compensable(rule: CriterionRule) -> bool:
    return not rule.must_pass and rule.floor is not None


def _reasons(rule: CriterionRule, instruments: list[InstrumentStanding], percent) -> list[Reason]:
    """The figures behind each of evaluate_criteria's reasons, in the same order."""
    reasons = []
    for item in instruments:
        result = item.result
        if result is None or result.percent is None:
            reasons.append(Reason("missing", item.kind))
            continue
        if result.serious_breach:
            reasons.append(Reason("breach", item.kind))
        reasons += [
            Reason("below_minimum", item.kind, line=line) for line in result.lines_below_minimum
        ]
        if result.percent < item.threshold:
            reasons.append(Reason("below_threshold", item.kind, result.percent, item.threshold))
    if _compensable(rule) and percent is not None and percent < rule.floor:
        reasons.append(Reason("below_floor", percent=percent, limit=rule.floor))
    return reasons


def evaluate(
    rules: list[CriterionRule],
    results: list[InstrumentResult],
    *,
    compensable_average: int | None = None,
) -> Standing:
    """Apply the rule and explain each criterion. A serious breach fails its criterion even
    when none of the criterion's instruments carries it (e.g. an administrator removed the
    rubric instrument after the assessment): evaluate_criteria would not see it then."""
    outcome: CriteriaOutcome = evaluate_criteria(
        rules, results, compensable_average=compensable_average
    )
    by_key = {(r.criterion, r.kind): r for r in results}
    breached = {r.criterion for r in results if r.serious_breach}
    reasons = list(outcome.reasons)
    rows = []
    for rule, criterion in zip(rules, outcome.criteria, strict=True):
        instruments = [
            InstrumentStanding(i.kind, i.threshold, by_key.get((rule.code, i.kind)))
            for i in rule.instruments
        ]
        row = CriterionStanding(rule, criterion, instruments)
        seen_breach = any(
            i.result is not None and i.result.percent is not None and i.result.serious_breach
            for i in instruments
        )
        if rule.code in breached and not seen_breach:
            criterion.met, criterion.compensated = False, False
            message = f"{rule.title}: serious breach recorded in a practical assessment"
            criterion.reasons.append(message)
            reasons.append(message)
        if not criterion.met:
            row.reasons = _reasons(rule, instruments, criterion.percent)
            if rule.code in breached and not seen_breach:
                row.reasons.append(Reason("breach_elsewhere"))
        rows.append(row)
    compensable = [row.outcome.percent for row in rows if _compensable(row.rule)]
    average = None
    if compensable and all(p is not None for p in compensable):
        average = sum(compensable, Fraction(0)) / len(compensable)
    met = outcome.met and all(row.met for row in rows)
    return Standing(rows, met, reasons, compensable_average, average, results)


def latest_per_rubric(assessments: Iterable[Assessment]) -> list[Assessment]:
    """The latest signed-off assessment of each rubric (a retake replaces the earlier one)."""
    latest: dict[int, Assessment] = {}
    for assessment in assessments:
        current = latest.get(assessment.rubric_id)
        if current is None or (assessment.signed_off_at, assessment.id) > (
            current.signed_off_at,
            current.id,
        ):
            latest[assessment.rubric_id] = assessment
    return sorted(latest.values(), key=lambda a: (a.signed_off_at, a.id))


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
                    line.label,
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
