"""How numbers, percents, hours, dates and times are written for people, in each language.

The one owner of locale formatting (issues 19 and 20): pages, e-mails and certificate PDFs call
these functions or their Jinja filters, never flask_babel's ``|datetimeformat`` /
``|dateformat`` or an f-string with ``%`` (``tests/lms/test_formatting_guard.py`` scans the
source). Babel's locale data decides the separators: "84.6%" in English, "84,6 %" in Russian,
"84,6%" in Kazakh (CLDR writes no space there); "1.5" / "1,5" hours.

One date style per locale, for every page, message and certificate:

- ``format_date``: en "6 December 2026", ru "6 декабря 2026 г.", kk "2026 ж. 6 желтоқсан"
  (Babel's ``long``; English day first, as read in Kazakhstan, not the US "December 6");
- ``format_short_date`` for dense tables: en "6 Dec 2026", ru "6 дек. 2026 г.",
  kk "2026 ж. 06 жел." (Babel's ``medium``): never the ambiguous "12/6/26";
- times on a 24-hour clock ("14:05") in every language, in the site's time zone
  (``lms.timezone``); ``format_datetime`` / ``format_short_datetime`` join the date and the time
  as the locale joins them ("6 December 2026, 14:05").

Every function takes an explicit ``locale`` ("en", "ru", "kk") so that a message, a PDF or a job
formats in its reader's or holder's language; without one it is the current locale (the
request's, or the one ``flask_babel.force_locale`` set). Machine-readable files (CSV columns,
the calendar's times, signed facts) keep ISO 8601 dates and plain dot decimals: ``plain_decimal``.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal
from fractions import Fraction

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, current_app, has_app_context
from flask_babel import get_locale

from lms.timezone import site_zone

# Babel's own patterns, except English, which keeps the day first (the site is read in
# Kazakhstan, where dates are day-month-year in every language).
DATE_PATTERNS = {"en": "d MMMM y"}
SHORT_DATE_PATTERNS = {"en": "d MMM y"}
DATE_STYLE = "long"
SHORT_DATE_STYLE = "medium"
TIME_PATTERN = "HH:mm"
TENTH = Decimal("0.1")

Number = Decimal | Fraction | int | float | str


def current_locale(locale: str | None = None) -> str:
    """``locale`` if given, else the current one (request or ``force_locale``), else the site's."""
    if locale:
        return str(locale)
    current = get_locale() if has_app_context() else None
    if current is not None:
        return str(current)
    return current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else "en"


def _language(locale: str) -> str:
    return locale.split("_")[0].split("-")[0]


def _local(moment: datetime) -> datetime:
    """An aware (or naive UTC) datetime as the site's wall-clock time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(site_zone())


def _day(value: date | datetime | str) -> date:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        return _local(value).date()
    return value


# --- dates and times -----------------------------------------------------------------------


def format_date(value: date | datetime | str | None, *, locale: str | None = None) -> str:
    """The date in running text, headings, messages and certificates ("6 December 2026").
    A datetime is first put in the site's time zone; an ISO string ("2026-12-06") is read."""
    if value is None or value == "":
        return ""
    locale = current_locale(locale)
    pattern = DATE_PATTERNS.get(_language(locale), DATE_STYLE)
    return _formatted_day(_day(value), pattern, str(locale))


def format_short_date(value: date | datetime | str | None, *, locale: str | None = None) -> str:
    """The date in dense tables ("6 Dec 2026")."""
    if value is None or value == "":
        return ""
    locale = current_locale(locale)
    pattern = SHORT_DATE_PATTERNS.get(_language(locale), SHORT_DATE_STYLE)
    return _formatted_day(_day(value), pattern, str(locale))


@functools.lru_cache(maxsize=4096)
def _formatted_day(day: date, pattern: str, locale: str) -> str:
    """A day in a pattern and locale, formatted once per process: pages repeat the same few
    days (issue and expiry dates, deadlines), and Babel parses the pattern on every call."""
    return babel_dates.format_date(day, pattern, locale=locale)


def format_month(value: date, *, locale: str | None = None) -> str:
    """A month and its year as a heading ("December 2026", "декабрь 2026 г.")."""
    return babel_dates.format_skeleton("yMMMM", value, locale=current_locale(locale))


def weekday_names(width: str = "wide", *, locale: str | None = None) -> list[str]:
    """The days of the week, Monday first ("Monday"…; ``width`` "abbreviated": "Mon"…)."""
    names = babel_dates.get_day_names(width, "format", locale=current_locale(locale))
    return [names[day] for day in range(7)]


def format_time(value: datetime | time | None, *, locale: str | None = None) -> str:
    """The wall-clock time in the site's zone, 24-hour ("14:05")."""
    if value is None:
        return ""
    locale = current_locale(locale)
    if isinstance(value, datetime):
        value = _local(value).time()
    return babel_dates.format_time(value, TIME_PATTERN, locale=locale)


def _join(day: str, clock: str, locale: str) -> str:
    pattern = babel_dates.get_datetime_format("medium", locale=locale)
    return pattern.replace("'", "").replace("{0}", clock).replace("{1}", day)


def format_datetime(value: datetime | None, *, locale: str | None = None) -> str:
    """A moment in running text ("6 December 2026, 14:05"), in the site's time zone."""
    if value is None:
        return ""
    locale = current_locale(locale)
    return _join(format_date(value, locale=locale), format_time(value, locale=locale), locale)


def format_short_datetime(value: datetime | None, *, locale: str | None = None) -> str:
    """A moment in dense tables ("6 Dec 2026, 14:05"), in the site's time zone."""
    if value is None:
        return ""
    locale = current_locale(locale)
    day = format_short_date(value, locale=locale)
    return _join(day, format_time(value, locale=locale), locale)


def format_short_month(value: date | datetime | str | None, *, locale: str | None = None) -> str:
    """A month in charts and their tables ("Dec 2026", "дек. 2026 г.")."""
    if value is None or value == "":
        return ""
    locale = current_locale(locale)
    return babel_dates.format_skeleton("yMMM", _day(value), locale=locale)


# --- numbers -------------------------------------------------------------------------------


def _decimal(value: Number | None) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _trimmed(value: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form (40, not 4E+1; 1.5, not 1.50)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def plain_decimal(value: Number | None) -> str:
    """For machines (CSV columns, form fields' stored values): "36", "1.5", "2.25", "0"."""
    number = _trimmed(_decimal(value))
    return f"{number:f}" if number else "0"


def format_decimal(
    value: Number | None, *, locale: str | None = None, places: int | None = None
) -> str:
    """A number for people ("1,5" in Russian): as exact as given, without trailing zeros, or
    with exactly ``places`` decimals, rounded half-up (statistics: "0,50")."""
    locale = current_locale(locale)
    number = _decimal(value)
    if places is None:
        return babel_numbers.format_decimal(
            _trimmed(number), locale=locale, decimal_quantization=False
        )
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return babel_numbers.format_decimal(number, format=pattern, locale=locale)


def round_percent(value: Number) -> Decimal:
    """A percentage for people: half-up to one decimal (87.45 -> 87.5)."""
    return _decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def format_percent(value: Number | None, *, locale: str | None = None) -> str:
    """``value`` in percent (84.6, a ``Fraction`` of 100, "84.6") rounded half-up to one decimal
    and written as the locale writes percents: "84.6%", "84,6 %", "84,6%"; "90%" for 90.0.
    None is "—" (no result yet)."""
    if value is None or value == "":
        return "—"
    return _percent_text(_trimmed(round_percent(value)), current_locale(locale))


@functools.lru_cache(maxsize=4096)
def _percent_text(rounded: Decimal, locale: str) -> str:
    """Babel's writing of one rounded percentage per locale, kept: progress bars and score
    tables repeat a few hundred values (0-100 in tenths), each otherwise costing Babel's
    pattern parsing and number formatting again (a tenth of a dashboard's template time)."""
    return babel_numbers.format_percent(rounded / 100, locale=locale, decimal_quantization=False)


def format_hours(
    value: Number | None, *, locale: str | None = None, round_up_to_tenth: bool = False
) -> str:
    """Academic hours as a number for people ("40", "1,5"); the unit is in the sentence around
    it ("%(h)s academic hours" is "40 акад. ч."). ``round_up_to_tenth`` is for "X more hours":
    0.25 left is "0.3 more", never "0.2" (or "0 more" for 0.05)."""
    hours = _decimal(value) if value else Decimal(0)
    if round_up_to_tenth:
        hours = hours.quantize(TENTH, rounding=ROUND_UP)
    return format_decimal(hours, locale=locale)


FILTERS = {
    "date": format_date,
    "short_date": format_short_date,
    "month": format_month,
    "datetime": format_datetime,
    "short_datetime": format_short_datetime,
    "time": format_time,
    "short_month": format_short_month,
    "decimal": format_decimal,
    "percent": format_percent,
    "hours": format_hours,
}


def init_app(app: Flask) -> None:
    """Registers the filters once: ``{{ d|date }}``, ``{{ p|percent }}``, ``{{ h|hours }}``…
    (each takes ``locale=`` too)."""
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
    app.add_template_global(weekday_names)
