"""Pure grading: no database, no request. Certificates and pages call these functions.

Arithmetic is exact: a question's score is a ``Fraction`` of its points, sums are
``Fraction``s, and every pass/fail comparison is made on exact values (``earned * 100 >=
threshold * possible``), so rounding can never turn a fail into a pass. Percentages shown to
people are rounded half-up to one decimal place (``display_percent``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from quizzes.question_types import get_type


def display_percent(value: Fraction) -> Decimal:
    """A percentage for people: half-up to one decimal (87.45 -> 87.5)."""
    scaled = Decimal(value.numerator) / Decimal(value.denominator)
    return scaled.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(earned: Fraction, possible: Fraction) -> Fraction:
    return Fraction(0) if possible == 0 else earned * 100 / possible


# --- one attempt -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FrozenQuestion:
    """A question as the attempt froze it: its version's definition and the presentation."""

    key: str
    criterion: str
    type: str
    points: int
    definition: Mapping[str, Any]
    presentation: Mapping[str, Any]

    @property
    def max_points(self) -> int:
        return get_type(self.type).max_points(dict(self.definition), self.points)


@dataclass(frozen=True)
class QuestionScore:
    key: str
    criterion: str
    possible: int
    earned: Fraction | None  # None: waiting for a trainer

    @property
    def pending(self) -> bool:
        return self.earned is None


@dataclass(frozen=True)
class CriterionScore:
    code: str
    earned: Fraction
    possible: Fraction
    threshold: int | None

    @property
    def percent(self) -> Fraction:
        return percent(self.earned, self.possible)

    @property
    def met(self) -> bool:
        return self.threshold is None or self.earned * 100 >= self.threshold * self.possible


@dataclass
class AttemptResult:
    questions: list[QuestionScore]
    criteria: list[CriterionScore]
    earned: Fraction
    possible: Fraction
    pass_mark: int
    pending: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def percent(self) -> Fraction:
        return percent(self.earned, self.possible)

    @property
    def passed(self) -> bool:
        return not self.pending and not self.reasons


def grade_question(
    question: FrozenQuestion, answer: Any, manual_score: Fraction | None = None
) -> QuestionScore:
    """Score one answer. ``manual_score`` (a share of the points, 0..1) is a trainer's mark."""
    question_type = get_type(question.type)
    possible = question.max_points
    if question_type.manual:
        earned = None if manual_score is None else min(max(manual_score, Fraction(0)), Fraction(1))
    else:
        earned = question_type.grade(dict(question.definition), dict(question.presentation), answer)
    return QuestionScore(
        question.key, question.criterion, possible, None if earned is None else earned * possible
    )


def grade_attempt(
    questions: Iterable[FrozenQuestion],
    answers: Mapping[str, Any],
    *,
    pass_mark: int,
    thresholds: Mapping[str, int],
    names: Mapping[str, str] | None = None,
    must_pass: Iterable[str] = (),
    manual_scores: Mapping[str, Fraction] | None = None,
) -> AttemptResult:
    """Score every question, sum per criterion, and decide pass/fail with reasons.

    ``thresholds`` are the quiz-instrument thresholds of the criteria (whole percent); a
    criterion without one only counts towards the overall percent. The attempt passes when the
    overall percent reaches ``pass_mark`` and every criterion meets its threshold.
    """
    names = names or {}
    must_pass = set(must_pass)
    manual_scores = manual_scores or {}
    scores = [grade_question(q, answers.get(q.key), manual_scores.get(q.key)) for q in questions]
    pending = any(score.pending for score in scores)
    by_criterion: dict[str, list[QuestionScore]] = {}
    for score in scores:
        by_criterion.setdefault(score.criterion, []).append(score)
    criteria = [
        CriterionScore(
            code,
            sum((s.earned or Fraction(0) for s in items), Fraction(0)),
            Fraction(sum(s.possible for s in items)),
            thresholds.get(code),
        )
        for code, items in sorted(by_criterion.items())
    ]
    earned = sum((s.earned or Fraction(0) for s in scores), Fraction(0))
    possible = Fraction(sum(s.possible for s in scores))
    result = AttemptResult(scores, criteria, earned, possible, pass_mark, pending)
    if pending:
        return result
    for criterion in criteria:
        if not criterion.met:
            label = names.get(criterion.code, criterion.code)
            suffix = " (must-pass)" if criterion.code in must_pass else ""
            result.reasons.append(
                f"{label} {display_percent(criterion.percent)}% < {criterion.threshold}% "
                f"required{suffix}"
            )
    if earned * 100 < pass_mark * possible:
        result.reasons.append(f"Overall {display_percent(result.percent)}% < {pass_mark}% required")
    return result


# --- criteria across instruments (quizzes, rubrics, attendance, declaration) -------------------


@dataclass(frozen=True)
class Instrument:
    """One way a criterion is assessed, with its own threshold in whole percent."""

    kind: str  # "quiz", "rubric", "checklist", ...
    threshold: int
    label: str = ""


@dataclass(frozen=True)
class CriterionRule:
    code: str
    title: str
    must_pass: bool
    instruments: tuple[Instrument, ...]
    floor: int | None = None  # compensable criteria: the lowest acceptable percent


@dataclass(frozen=True)
class InstrumentResult:
    """What a trainee achieved on one instrument of one criterion."""

    criterion: str
    kind: str
    percent: Fraction | None  # None: not taken yet
    serious_breach: bool = False
    lines_below_minimum: tuple[str, ...] = ()  # rubric lines under their required minimum


@dataclass
class CriterionOutcome:
    code: str
    title: str
    must_pass: bool
    percent: Fraction | None
    met: bool
    reasons: list[str] = field(default_factory=list)
    compensated: bool = False  # below its own threshold, accepted through compensation


@dataclass
class CriteriaOutcome:
    criteria: list[CriterionOutcome]
    met: bool
    reasons: list[str]


def evaluate_criteria(
    rules: list[CriterionRule],
    results: Iterable[InstrumentResult],
    *,
    compensable_average: int | None = None,
) -> CriteriaOutcome:
    """Apply the qualification's rule to a trainee's instrument results.

    A criterion is met when every instrument meets its threshold and no serious breach or
    rubric line under its minimum was recorded. Must-pass criteria must be met, with no
    compensation. Compensable criteria (those with a floor) are accepted when each reaches
    its floor and, if ``compensable_average`` is set, their average reaches it. A criterion's
    percent is its lowest instrument percent, so a strong quiz never hides a weak role-play.
    """
    by_key = {(r.criterion, r.kind): r for r in results}
    outcomes: list[CriterionOutcome] = []
    compensable: list[CriterionOutcome] = []
    for rule in rules:
        outcome = CriterionOutcome(rule.code, rule.title, rule.must_pass, None, True)
        percents: list[Fraction] = []
        for instrument in rule.instruments:
            name = instrument.label or instrument.kind
            result = by_key.get((rule.code, instrument.kind))
            if result is None or result.percent is None:
                outcome.met = False
                outcome.reasons.append(f"{rule.title}: {name} not completed yet")
                continue
            percents.append(result.percent)
            if result.serious_breach:
                outcome.met = False
                outcome.reasons.append(f"{rule.title}: serious breach recorded in the {name}")
            for line in result.lines_below_minimum:
                outcome.met = False
                outcome.reasons.append(f"{rule.title}: {name} line “{line}” below the minimum")
            if result.percent < instrument.threshold:
                outcome.met = False
                outcome.reasons.append(
                    f"{rule.title}: {name} {display_percent(result.percent)}% < "
                    f"{instrument.threshold}% required" + (" (must-pass)" if rule.must_pass else "")
                )
        outcome.percent = min(percents) if percents else None
        if not rule.must_pass and rule.floor is not None:
            compensable.append(outcome)
        outcomes.append(outcome)
    group_reasons = _compensate(compensable, {r.code: r for r in rules}, compensable_average)
    reasons = [reason for outcome in outcomes if not outcome.met for reason in outcome.reasons]
    reasons += group_reasons
    return CriteriaOutcome(outcomes, all(o.met for o in outcomes) and not group_reasons, reasons)


def _compensate(
    outcomes: list[CriterionOutcome],
    rules: Mapping[str, CriterionRule],
    average_required: int | None,
) -> list[str]:
    """Floors, the average, and compensation; returns reasons that concern the whole group."""
    if not outcomes:
        return []
    group_reasons: list[str] = []
    complete = all(o.percent is not None for o in outcomes)
    for outcome in outcomes:
        floor = rules[outcome.code].floor
        if outcome.percent is not None and outcome.percent < floor:
            outcome.met = False
            outcome.reasons.append(
                f"{outcome.title} {display_percent(outcome.percent)}% < floor {floor}%"
            )
    if complete and average_required is not None:
        average = sum((o.percent for o in outcomes), Fraction(0)) / len(outcomes)
        if average < average_required:
            group_reasons.append(
                f"Average of the compensable criteria "
                f"{display_percent(average)}% < {average_required}% required"
            )
    compensation_holds = (
        complete and not group_reasons and all(o.percent >= rules[o.code].floor for o in outcomes)
    )
    for outcome in outcomes:
        only_thresholds = all(reason.endswith("required") for reason in outcome.reasons)
        if not outcome.met and compensation_holds and only_thresholds:
            outcome.met, outcome.compensated, outcome.reasons = True, True, []
    return group_reasons
