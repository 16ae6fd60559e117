"""Locale formatting (lms.formatting): one date style per language, Babel's separators for
decimals and percents, hours without ".0", the site's time zone, an explicit locale."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from fractions import Fraction

import pytest
from flask import render_template_string
from flask_babel import force_locale

from lms.formatting import (
    format_date,
    format_datetime,
    format_decimal,
    format_hours,
    format_percent,
    format_short_date,
    format_short_datetime,
    format_time,
    plain_decimal,
)

NNBSP, NBSP = "\u202f", "\xa0"  # Babel's narrow no-break space (ru "г.", kk "ж."), no-break space
DAY = date(2026, 12, 6)
# 09:05 UTC is 14:05 in Almaty (UTC+5), the test configuration's zone.
MOMENT = datetime(2026, 12, 6, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "long", "short"),
    [
        ("en", "6 December 2026", "6 Dec 2026"),
        ("ru", f"6 декабря 2026{NNBSP}г.", f"6 дек. 2026{NNBSP}г."),
        ("kk", f"2026{NNBSP}ж. 6 желтоқсан", f"2026{NNBSP}ж. 06 жел."),
    ],
)
def test_one_date_style_per_locale(app, locale, long, short):
    with app.app_context():
        assert format_date(DAY, locale=locale) == long
        assert format_date("2026-12-06", locale=locale) == long  # ISO text of signed facts
        assert format_short_date(DAY, locale=locale) == short
        assert format_datetime(MOMENT, locale=locale) == f"{long}, 14:05"
        assert format_short_datetime(MOMENT, locale=locale) == f"{short}, 14:05"
        assert format_time(MOMENT, locale=locale) == "14:05"


def test_never_the_ambiguous_numeric_date(app):
    with app.app_context():
        for locale in ("en", "ru", "kk"):
            for text in (format_short_date(DAY, locale=locale), format_date(DAY, locale=locale)):
                assert "12/6" not in text and "/26" not in text


def test_a_datetime_is_dated_in_the_site_time_zone(app):
    late_evening_utc = datetime(2026, 12, 6, 20, 30, tzinfo=UTC)  # 01:30 on the 7th in Almaty
    with app.app_context():
        assert format_date(late_evening_utc, locale="en") == "7 December 2026"
        assert format_short_datetime(late_evening_utc, locale="en") == "7 Dec 2026, 01:30"
        naive_utc = datetime(2026, 12, 6, 20, 30)
        assert format_time(naive_utc, locale="en") == "01:30"
        assert format_time(time(9, 5), locale="en") == "09:05"


def test_empty_values_are_empty(app):
    with app.app_context():
        assert format_date(None) == format_short_date("") == format_datetime(None) == ""
        assert format_time(None) == format_short_datetime(None) == ""
        assert format_percent(None) == "—"


@pytest.mark.parametrize(
    ("locale", "texts"),
    [
        ("en", ["84.6%", "90%", "33.3%", "87.5%", "0%", "100%"]),
        (
            "ru",
            [
                f"84,6{NBSP}%",
                f"90{NBSP}%",
                f"33,3{NBSP}%",
                f"87,5{NBSP}%",
                f"0{NBSP}%",
                f"100{NBSP}%",
            ],
        ),
        ("kk", ["84,6%", "90%", "33,3%", "87,5%", "0%", "100%"]),  # CLDR: no space in Kazakh
    ],
)
def test_percents_follow_the_locale(app, locale, texts):
    values = [Decimal("84.6"), 90, Fraction(100, 3), Decimal("87.45"), Decimal("0.0"), "100.0"]
    with app.app_context():
        assert [format_percent(value, locale=locale) for value in values] == texts


def test_percent_rounds_half_up_to_one_decimal(app):
    with app.app_context():
        assert format_percent(Decimal("87.45"), locale="en") == "87.5%"
        assert format_percent(Decimal("87.44"), locale="en") == "87.4%"
        assert format_percent(Fraction(2, 3) * 100, locale="en") == "66.7%"


@pytest.mark.parametrize(
    ("locale", "texts"),
    [
        ("en", ["40", "36", "1.5", "2.25", "0", "0", "3", "1,234.5"]),
        ("ru", ["40", "36", "1,5", "2,25", "0", "0", "3", f"1{NBSP}234,5"]),
        ("kk", ["40", "36", "1,5", "2,25", "0", "0", "3", f"1{NBSP}234,5"]),
    ],
)
def test_hours_without_trailing_zeros_or_exponents(app, locale, texts):
    values = [Decimal("40"), Decimal("36.00"), Decimal("1.50"), Decimal("2.25"), Decimal("0")]
    values += [None, 3, Decimal("1234.5")]
    with app.app_context():
        assert [format_hours(value, locale=locale) for value in values] == texts
        assert format_decimal(1.5, locale=locale) == texts[2]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.25"), "0,3"),
        (Decimal("0.05"), "0,1"),
        (Decimal("36"), "36"),
        (Decimal("4.0"), "4"),
    ],
)
def test_hours_left_round_up_to_a_tenth(app, value, text):
    with app.app_context():
        assert format_hours(value, locale="ru", round_up_to_tenth=True) == text


@pytest.mark.parametrize(("locale", "text"), [("en", "-0.13"), ("ru", "-0,13"), ("kk", "-0,13")])
def test_statistics_keep_their_places_rounded_half_up(app, locale, text):
    with app.app_context():
        assert format_decimal(Decimal("-0.125"), locale=locale, places=2) == text
        assert format_decimal(0.5, locale=locale, places=2) == (
            "0.50" if locale == "en" else "0,50"
        )
        assert format_decimal(Fraction(2, 3), locale=locale, places=0) == "1"


def test_plain_decimal_is_for_machines(app):
    assert [plain_decimal(v) for v in (Decimal("40"), Decimal("1.50"), None, 1.5)] == [
        "40",
        "1.5",
        "0",
        "1.5",
    ]


def test_without_a_locale_the_current_one_is_used(app):
    with app.app_context(), force_locale("ru"):
        assert format_percent(Decimal("84.6")) == f"84,6{NBSP}%"
        assert format_date(DAY) == f"6 декабря 2026{NNBSP}г."
    with app.test_request_context(headers={"Accept-Language": "kk"}):
        assert format_hours(Decimal("1.5")) == "1,5"
        assert format_date(DAY) == f"2026{NNBSP}ж. 6 желтоқсан"


def test_the_filters_are_the_same_functions(app):
    template = (
        "{{ d|date }}|{{ d|short_date }}|{{ m|datetime }}|{{ m|short_datetime }}|{{ m|time }}|"
        "{{ p|percent }}|{{ h|hours }}|{{ h|decimal }}|{{ p|percent(locale='en') }}"
    )
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        text = render_template_string(
            template, d=DAY, m=MOMENT, p=Decimal("84.6"), h=Decimal("40.50")
        )
    assert text.split("|") == [
        f"6 декабря 2026{NNBSP}г.",
        f"6 дек. 2026{NNBSP}г.",
        f"6 декабря 2026{NNBSP}г., 14:05",
        f"6 дек. 2026{NNBSP}г., 14:05",
        "14:05",
        f"84,6{NBSP}%",
        "40,5",
        "40,5",
        "84.6%",
    ]


def test_the_calendar_says_hours_in_the_readers_language(app, make_seminar):
    from seminars.files import calendar_ics

    seminar = make_seminar()
    seminar.sessions[0].academic_hours = Decimal("40")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert "40 academic hours" in calendar_ics(seminar, host="example.kz").decode()
    seminar.sessions[0].academic_hours = Decimal("1.5")
    with app.test_request_context(), force_locale("ru"):
        # iCalendar escapes the comma of "1,5".
        assert "DESCRIPTION:1\\,5 акад. ч." in calendar_ics(seminar, host="example.kz").decode()
