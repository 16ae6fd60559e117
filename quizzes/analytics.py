"""The quizzes' analytics: question quality (item analysis over every graded attempt in
scope) and criterion pass rates per month (the criteria results stored with each graded
attempt). A fixed number of queries whatever the number of quizzes and attempts."""

from __future__ import annotations

import json
from fractions import Fraction

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from courses.permissions import owns_course
from lms import charts, content_translations
from lms.analytics import Filters, month_of, monthly_pass_rates_chart
from lms.extensions import db
from lms.formatting import format_decimal, format_percent
from lms.models import User
from quizzes.gradebook import item_statistics_of
from quizzes.models import Attempt, AttemptStatus, Criterion, Quiz

HARD, EASY, SEPARATES = Fraction(1, 5), Fraction(19, 20), Fraction(0)
SHOWN = 12  # questions in the chart: the weakest first


def quiz_ids(user: User, filters: Filters) -> list[int]:
    query = select(Quiz.id).where(owns_course(user, Quiz.course_id))
    if filters.course_id:
        query = query.where(Quiz.course_id == filters.course_id)
    return list(db.session.scalars(query))


def flags(item) -> list[str]:
    """Why a question needs a look, in words (empty: it looks fine)."""
    found = []
    if item.discrimination is not None and item.discrimination <= SEPARATES:
        found.append(_("does not separate stronger from weaker trainees"))
    if item.facility is not None and item.facility < HARD:
        found.append(_("very hard"))
    if item.facility is not None and item.facility > EASY and item.responses > 1:
        found.append(_("very easy"))
    return found


def _words(html: str) -> str:
    return " ".join(Markup(html).striptags().split())  # noqa: S704 (sanitised HTML, text kept)


def question_quality_panel(user: User, filters: Filters) -> dict:
    stats = item_statistics_of(quiz_ids(user, filters), filters.start_at)
    content_translations.preload([version for version, _item in stats])
    rows = [
        {
            "version": version,
            # The stem as words, without its Markdown marks (a label, not a rendering): the
            # stored HTML is sanitised, and only its text is kept (escaped where shown).
            "label": _words(content_translations.html(version, "stem_source")),
            "item": item,
            "flags": flags(item),
        }
        for version, item in stats
    ]
    # Weakest first: flagged, then by discrimination (unknown last).
    rows.sort(
        key=lambda r: (
            not r["flags"],
            r["item"].discrimination if r["item"].discrimination is not None else 2,
        )
    )
    chart = charts.bar_chart(
        "question-quality",
        _("Facility of the weakest questions"),
        [
            (row["label"], row["item"].facility * 100 if row["item"].facility is not None else None)
            for row in rows[:SHOWN]
        ],
        desc=_("The share of points earned on each question, the weakest questions first."),
        value_label=_("Facility"),
        value_format=format_percent,
        maximum=100,
    )
    return {"chart": chart, "rows": rows, "flagged": sum(1 for row in rows if row["flags"])}


def criterion_pass_rates(user: User, filters: Filters) -> dict[str, dict]:
    """For each criterion code: month (first day) -> [met, measured], over graded attempts
    submitted in the period (one query)."""
    query = select(Attempt.submitted_at, Attempt.result_json).where(
        Attempt.status == AttemptStatus.GRADED.value,
        Attempt.quiz_id.in_(select(Quiz.id).where(owns_course(user, Quiz.course_id))),
        Attempt.submitted_at >= filters.start_at,
    )
    if filters.course_id:
        query = query.where(
            Attempt.quiz_id.in_(select(Quiz.id).where(Quiz.course_id == filters.course_id))
        )
    found: dict[str, dict] = {}
    for submitted_at, text in db.session.execute(query):
        try:
            entries = json.loads(text or "{}").get("criteria", [])
        except (ValueError, AttributeError):
            continue
        month = month_of(submitted_at)
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
                continue
            tally = found.setdefault(entry["code"], {}).setdefault(month, [0, 0])
            tally[0] += 1 if entry.get("met") else 0
            tally[1] += 1
    return found


def pass_rates_panel(user: User, filters: Filters) -> dict:
    rates = criterion_pass_rates(user, filters)
    months = filters.month_starts()
    criteria = (
        list(db.session.scalars(select(Criterion).where(Criterion.code.in_(list(rates)))))
        if rates
        else []
    )
    content_translations.preload(criteria)
    names = {c.code: content_translations.text(c, "title") for c in criteria}
    chart = monthly_pass_rates_chart(
        "criterion-pass-rates",
        _("Criterion pass rates by month"),
        _(
            "For each criterion, the share of graded quiz attempts of the month that met its "
            "threshold."
        ),
        rates,
        months,
    )
    totals = [
        (
            code,
            names.get(code, ""),
            sum(v[0] for v in rates[code].values()),
            sum(v[1] for v in rates[code].values()),
        )
        for code in sorted(rates)
    ]
    return {"chart": chart, "totals": totals, "format_decimal": format_decimal}
