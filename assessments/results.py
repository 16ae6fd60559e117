"""Practical assessments' results, pure: a signed-off assessment's scores become
``grading.InstrumentResult``s with exact fractions (``tally_lines`` / ``assessment_results``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from assessments.models import (
    CHECKLIST_SCALE,
    LINE_INSTRUMENT,
    QUALITY_SCALE,
    Assessment,
    LineKind,
)
from lms import content_translations as ct
from quizzes.grading import InstrumentResult
from quizzes.models import InstrumentKind


@dataclass(frozen=True)
class ScoredLine:
    """One line of a signed-off assessment, as the pure functions need it."""

    label: str
    criterion: str  # criterion code
    kind: str  # LineKind value
    points: int
    minimum: int | None = None

    @property
    def max_points(self) -> int:
        return max(CHECKLIST_SCALE) if self.kind == LineKind.CHECKLIST else max(QUALITY_SCALE)


@dataclass(frozen=True)
class Tally:
    """Points of one criterion's instrument (``rubric`` or ``checklist``) in one assessment,
    or summed over several (see ``standing``). ``possible`` 0 means no line, only a breach."""

    criterion: str
    kind: str
    earned: int
    possible: int
    serious_breach: bool = False
    lines_below_minimum: tuple[str, ...] = ()

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.criterion,
            self.kind,
            self.earned + other.earned,
            self.possible + other.possible,
            self.serious_breach or other.serious_breach,
            self.lines_below_minimum + other.lines_below_minimum,
        )

    @property
    def percent(self) -> Fraction | None:
        return Fraction(self.earned * 100, self.possible) if self.possible else None

    def result(self) -> InstrumentResult:
        return InstrumentResult(
            self.criterion, self.kind, self.percent, self.serious_breach, self.lines_below_minimum
        )


def tally_lines(lines: Iterable[ScoredLine], breach_criterion: str | None = None) -> list[Tally]:
    """Sum one assessment's points per criterion and instrument: quality lines are the
    ``rubric`` instrument, checklist lines the ``checklist`` one. Quality lines under their
    minimum are listed. A breach marks every instrument of its criterion; a breach criterion
    with no line still gets a (pointless) ``rubric`` tally that carries it."""
    sums: dict[tuple[str, str], Tally] = {}
    for line in lines:
        key = (line.criterion, LINE_INSTRUMENT[line.kind])
        below = line.kind == LineKind.QUALITY and line.minimum is not None
        below = below and line.points < line.minimum
        this = Tally(
            *key,
            line.points,
            line.max_points,
            line.criterion == breach_criterion,
            (line.label,) if below else (),
        )
        sums[key] = sums[key] + this if key in sums else this
    tallies = [sums[key] for key in sorted(sums)]
    if breach_criterion is not None and not any(t.criterion == breach_criterion for t in tallies):
        tallies.append(Tally(breach_criterion, InstrumentKind.RUBRIC.value, 0, 0, True))
    return tallies


def assessment_results(
    lines: Iterable[ScoredLine], breach_criterion: str | None = None
) -> list[InstrumentResult]:
    """A signed-off assessment's scores as instrument results, percent = points ÷ maximum."""
    return [tally.result() for tally in tally_lines(lines, breach_criterion)]


def scored_lines(assessment: Assessment, locale: str | None = None) -> list[ScoredLine]:
    """The loaded assessment's lines with their points (an unscored line counts 0: sign-off
    refuses those, so only a line added by hand in the database could be one), labelled in
    ``locale`` (the reader's by default) where translated."""
    points = {score.line_id: score.points for score in assessment.scores}
    lines = list(assessment.rubric.lines)
    ct.preload(lines, locale)
    return [
        ScoredLine(
            ct.text(line, "label", locale),
            line.criterion.code,
            line.kind,
            points.get(line.id, 0),
            line.minimum,
        )
        for line in lines
    ]
