"""The practical assessments' analytics: criterion pass rates per month over signed-off
assessments (each assessment counted in the month of its sign-off, every one, not only the
latest per rubric: this measures cohorts, not a trainee's standing). An instrument of a
criterion is met when its percent reaches the criterion's threshold for that instrument with
no serious breach and no line under its minimum (the rule ``standing`` applies). Three
queries whatever the number of assessments."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from assessments.models import Assessment, AssessmentStatus, Rubric, RubricLine
from assessments.results import ScoredLine, tally_lines
from courses.permissions import owns_course
from lms.analytics import Filters, month_of, monthly_pass_rates_chart
from lms.extensions import db
from lms.models import User
from quizzes.models import Criterion, CriterionInstrument


def practical_pass_rates(user: User, filters: Filters) -> dict[str, dict[date, list[int]]]:
    """Criterion code -> month -> [met, measured]."""
    query = (
        select(Assessment)
        .join(Rubric, Rubric.id == Assessment.rubric_id)
        .where(
            Assessment.status == AssessmentStatus.SIGNED_OFF.value,
            Assessment.signed_off_at >= filters.start_at,
            owns_course(user, Rubric.course_id),
        )
        .options(
            selectinload(Assessment.scores),
            joinedload(Assessment.rubric)
            .selectinload(Rubric.lines)
            .joinedload(RubricLine.criterion),
            joinedload(Assessment.breach_criterion),
        )
    )
    if filters.course_id:
        query = query.where(Rubric.course_id == filters.course_id)
    thresholds = {
        (code, kind): threshold
        for code, kind, threshold in db.session.execute(
            select(Criterion.code, CriterionInstrument.kind, CriterionInstrument.threshold).join(
                CriterionInstrument, CriterionInstrument.criterion_id == Criterion.id
            )
        )
    }
    found: dict[str, dict[date, list[int]]] = {}
    for assessment in db.session.scalars(query).unique():
        points = {score.line_id: score.points for score in assessment.scores}
        lines = [
            ScoredLine("", line.criterion.code, line.kind, points.get(line.id, 0), line.minimum)
            for line in assessment.rubric.lines
        ]
        breach = assessment.breach_criterion.code if assessment.breach_criterion else None
        month = month_of(assessment.signed_off_at)
        for tally in tally_lines(lines, breach):
            threshold = thresholds.get((tally.criterion, tally.kind))
            if threshold is None or (tally.percent is None and not tally.serious_breach):
                continue
            met = (
                not tally.serious_breach
                and not tally.lines_below_minimum
                and tally.percent is not None
                and tally.percent >= threshold
            )
            counts = found.setdefault(tally.criterion, {}).setdefault(month, [0, 0])
            counts[0] += int(met)
            counts[1] += 1
    return found


def practical_panel(user: User, filters: Filters) -> dict | None:
    rates = practical_pass_rates(user, filters)
    months = filters.month_starts()
    chart = monthly_pass_rates_chart(
        "practical-pass-rates",
        _("Practical assessments: criterion pass rates by month"),
        _(
            "For each criterion, the share of practical assessments signed off in the month "
            "that met its threshold."
        ),
        rates,
        months,
    )
    totals = [
        (code, sum(v[0] for v in rates[code].values()), sum(v[1] for v in rates[code].values()))
        for code in sorted(rates)
    ]
    return {"chart": chart, "totals": totals}
