"""lms.charts: server-drawn SVG that is accessible, escaped and sane at the edges."""

from __future__ import annotations

import re
from fractions import Fraction
from xml.etree import ElementTree

import pytest
from flask_babel import force_locale

from lms import charts
from lms.formatting import format_percent

EVIL = "<script>alert(1)</script>\"&'<svg onload=x>"


def _svg(markup) -> ElementTree.Element:
    """The <svg> element, parsed: the markup must be well-formed XML."""
    text = str(markup)
    found = re.search(r"<svg.*</svg>", text, re.S)
    assert found, text
    return ElementTree.fromstring(found.group(0))  # noqa: S314 (our own output)


NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def ctx(app):
    with app.test_request_context(), force_locale("en"):
        yield


def test_bar_chart_is_accessible_and_scales(ctx):
    markup = str(charts.bar_chart("c1", "Per month", [("Jan", 2), ("Feb", 4)], desc="Counts"))
    svg = _svg(markup)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-c1-title chart-c1-desc"
    assert svg.get("viewBox", "").startswith("0 0 ") and svg.get("width") == "100%"
    assert svg.find(f"{NS}title").text == "Per month"
    assert svg.find(f"{NS}desc").text == "Counts"
    widths = [float(r.get("width")) for r in svg.iter(f"{NS}rect")]
    assert widths[1] == pytest.approx(2 * widths[0])  # Feb twice Jan, the longest full
    assert "style=" not in markup and "<script" not in markup
    # The data table alternative holds every figure.
    assert '<th scope="row">Feb</th><td class="num">4</td>' in markup


def test_labels_are_escaped_everywhere(ctx):
    outputs = [
        charts.bar_chart("x", EVIL, [(EVIL, 1)], desc=EVIL, value_label=EVIL),
        charts.stacked_bar_chart("x", EVIL, [EVIL, "b"], [(EVIL, [1, 2])], desc=EVIL),
        charts.line_chart("x", EVIL, [EVIL, "m2"], [charts.Series(EVIL, [1, 2])], desc=EVIL),
    ]
    for markup in outputs:
        text = str(markup)
        assert "<script" not in text and "<svg onload" not in text
        assert "&lt;script&gt;" in text
        _svg(text)  # still well-formed


def test_chart_id_cannot_break_out_of_its_attribute(ctx):
    text = str(charts.bar_chart('a" onload="x', "T", [("a", 1)]))
    assert 'id="chart-aonloadx"' in text and 'onload="x"' not in text


@pytest.mark.parametrize(
    "markup",
    [
        lambda: charts.bar_chart("e", "Empty", []),
        lambda: charts.stacked_bar_chart("e", "Empty", ["a"], []),
        lambda: charts.line_chart("e", "Empty", ["Jan"], [charts.Series("C1", [None])]),
        lambda: charts.line_chart("e", "Empty", [], []),
    ],
)
def test_empty_data_says_so_without_a_drawing(ctx, markup):
    text = str(markup())
    assert "No data yet." in text and "<svg" not in text


def test_one_point_is_a_dot_not_a_line(ctx):
    svg = _svg(charts.line_chart("p", "One", ["Jan"], [charts.Series("C1", [50])], maximum=100))
    circles = list(svg.iter(f"{NS}circle"))
    assert len(circles) == 1 and not list(svg.iter(f"{NS}polyline"))
    assert 0 < float(circles[0].get("cx")) < 640


def test_a_gap_breaks_the_line(ctx):
    svg = _svg(
        charts.line_chart(
            "g", "Gap", ["a", "b", "c", "d", "e"], [charts.Series("C1", [10, 20, None, 30, 40])]
        )
    )
    assert len(list(svg.iter(f"{NS}polyline"))) == 2
    assert len(list(svg.iter(f"{NS}circle"))) == 4


def test_large_values_stay_inside_the_drawing(ctx):
    big = 10**12
    svg = _svg(charts.bar_chart("b", "Big", [("a", big), ("b", 1)]))
    for rect in svg.iter(f"{NS}rect"):
        assert 0 <= float(rect.get("width")) <= 640
    assert "1,000,000,000,000" in str(charts.bar_chart("b", "Big", [("a", big)]))
    line = _svg(charts.line_chart("l", "L", ["a", "b"], [charts.Series("s", [big, 0])]))
    for circle in line.iter(f"{NS}circle"):
        assert 0 <= float(circle.get("cy")) <= float(line.get("viewBox").split()[3])


def test_stacked_bar_splits_each_row(ctx):
    svg = _svg(charts.stacked_bar_chart("s", "Cohort", ["a", "b", "c"], [("C", [1, 1, 2])]))
    bars = [r for r in svg.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    widths = [float(r.get("width")) for r in bars]
    assert widths[2] == pytest.approx(2 * widths[0]) and widths[0] == pytest.approx(widths[1])
    assert [r.get("class") for r in bars] == ["chart-series-0", "chart-series-1", "chart-series-2"]


def test_numbers_are_in_the_readers_language(app):
    with app.test_request_context(), force_locale("ru"):
        text = str(
            charts.line_chart(
                "r",
                "Доля",
                ["янв."],
                [charts.Series("C1", [Fraction(845, 10)])],
                value_format=format_percent,
                maximum=100,
            )
        )
    assert "84,5" in text and "84.5" not in text
