"""The pure half of a trainee's standing: combine what the instruments measured per criterion
(best quiz percent, summed rubric points), judge it by the qualification's rule and say why a
criterion is not met. No database here; ``standing`` gathers the inputs and calls these, and
they are tested without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from assessments.models import Assessment
from assessments.results import Tally
from lms.formatting import format_percent
from quizzes.grading import (
    CriteriaOutcome,
    CriterionOutcome,
    CriterionRule,
    InstrumentResult,
    evaluate_criteria,
)
from quizzes.models import InstrumentKind

KIND_ORDER = {kind.value: number for number, kind in enumerate(InstrumentKind)}
INSTRUMENT_LABELS = {
    InstrumentKind.QUIZ.value: _l("Quiz"),
    InstrumentKind.RUBRIC.value: _l("Rubric"),
    InstrumentKind.CHECKLIST.value: _l("Checklist"),
}


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
    percent = format_percent(reason.percent)
    limit = format_percent(reason.limit)
    texts = {
        "missing": lambda: _l("%(instrument)s: not completed yet", instrument=name),
        "breach": lambda: _l("%(instrument)s: a serious breach was recorded", instrument=name),
        "below_minimum": lambda: _l(
            "%(instrument)s: “%(line)s” is below its minimum score",
            instrument=name,
            line=reason.line,
        ),
        "below_threshold": lambda: _l(
            "%(instrument)s: %(p)s < %(t)s required",
            instrument=name,
            p=percent,
            t=limit,
        ),
        "below_floor": lambda: _l("%(p)s is below the floor of %(t)s", p=percent, t=limit),
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
