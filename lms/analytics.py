"""The analytics page's registry: features add panels (``add_analytics_panel``) as they add
dashboard panels (``lms.layout``), so the core shows courses', quizzes', assessments' and
certificates' charts without importing them (``tests/test_architecture.py``).

A panel's ``context(user, filters)`` returns its template's context, or None to hide it; it
sees only what ``user`` may manage (a trainer their courses and seminars, an administrator
everything) and honours ``filters`` (a course, a period of whole months). The course filter's
choices come from the one function ``courses`` registers with ``set_course_choices``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from fractions import Fraction

from flask import Flask, current_app
from markupsafe import Markup

from lms import charts
from lms.formatting import format_percent, format_short_month
from lms.timezone import site_zone

PANELS_KEY = "lms.analytics_panels"
COURSES_KEY = "lms.analytics_courses"
PERIODS = (3, 6, 12, 24)  # months offered by the period filter
DEFAULT_PERIOD = 12


@dataclass(frozen=True)
class Filters:
    course_id: int | None  # None: every course the reader manages
    months: int  # the period: this month and the months - 1 before it
    today: date

    @property
    def start(self) -> date:
        """The first day of the period's first month."""
        index = self.today.year * 12 + self.today.month - 1 - (self.months - 1)
        return date(index // 12, index % 12 + 1, 1)

    @property
    def start_at(self) -> datetime:
        """The period's start as a moment (midnight in the site's time zone), for queries."""
        return datetime.combine(self.start, time(), tzinfo=site_zone()).astimezone(UTC)

    def month_starts(self) -> list[date]:
        """The first day of each month of the period, oldest first."""
        first = self.start.year * 12 + self.start.month - 1
        return [date((first + i) // 12, (first + i) % 12 + 1, 1) for i in range(self.months)]


@dataclass(frozen=True)
class AnalyticsPanel:
    template: str
    context: Callable[[object, Filters], dict | None]
    roles: tuple[str, ...]
    order: int = 50


def add_analytics_panel(
    app: Flask,
    template: str,
    context: Callable[[object, Filters], dict | None],
    roles: tuple[str, ...] = ("trainer", "admin"),
    order: int = 50,
) -> None:
    app.extensions.setdefault(PANELS_KEY, []).append(
        AnalyticsPanel(template, context, roles, order)
    )


def set_course_choices(app: Flask, choices: Callable[[object], list[tuple[int, str]]]) -> None:
    """``choices(user)``: (id, title) of the courses ``user`` may see analytics of."""
    app.extensions[COURSES_KEY] = choices


def course_choices(user) -> list[tuple[int, str]]:
    choices = current_app.extensions.get(COURSES_KEY)
    return choices(user) if choices else []


def panels(user, filters: Filters) -> list[tuple[str, dict]]:
    shown = []
    for panel in sorted(current_app.extensions.get(PANELS_KEY, []), key=lambda p: p.order):
        if user.role in panel.roles:
            context = panel.context(user, filters)
            if context is not None:
                shown.append((panel.template, context))
    return shown


def month_of(value: date | datetime) -> date:
    """The first day of the month ``value`` falls in (a moment: in the site's time zone)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(site_zone()).date()
    return value.replace(day=1)


def monthly_pass_rates_chart(chart_id: str, title, desc, rates: dict, months: list) -> Markup:
    """One line per criterion code: the share, in percent, of the month's results that met
    it (``rates[code][month] = [met, total]``; a month without results leaves a gap). The
    quiz and practical-assessment panels both draw theirs with it."""
    series = [
        charts.Series(
            code,
            [
                Fraction(rates[code][m][0] * 100, rates[code][m][1]) if m in rates[code] else None
                for m in months
            ],
        )
        for code in sorted(rates)
    ]
    return charts.line_chart(
        chart_id,
        title,
        [format_short_month(m) for m in months],
        series,
        desc=desc,
        value_format=format_percent,
        maximum=100,
    )
