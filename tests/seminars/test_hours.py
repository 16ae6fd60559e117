"""Hours are written one way everywhere (seminars.hours.format_hours and the ``hours`` filter)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import render_template_string

from seminars.hours import format_hours


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("40"), "40"),  # never "4E+1"
        (Decimal("36.00"), "36"),
        (Decimal("1.50"), "1.5"),
        (Decimal("2.25"), "2.25"),
        (Decimal("0"), "0"),
        (None, "0"),
        (3, "3"),
        (1.5, "1.5"),
    ],
)
def test_format_hours(value, text):
    assert format_hours(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.25"), "0.3"),
        (Decimal("0.05"), "0.1"),
        (Decimal("36"), "36"),
        (Decimal("4.0"), "4"),
    ],
)
def test_hours_left_round_up_to_a_tenth(value, text):
    assert format_hours(value, round_up_to_tenth=True) == text


def test_the_template_filter_is_the_same_function(app):
    with app.test_request_context():
        assert render_template_string("{{ h|hours }}", h=Decimal("40.50")) == "40.5"


def test_the_calendar_writes_whole_hours_without_an_exponent(app, make_seminar):
    from seminars.files import calendar_ics

    seminar = make_seminar()
    seminar.sessions[0].academic_hours = Decimal("40")
    assert "40 academic hours" in calendar_ics(seminar, host="example.kz").decode()
