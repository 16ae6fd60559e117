"""Charts drawn on the server as inline SVG: no script, no style attributes (the CSP allows
neither), colours and sizes from classes in site.css (``.chart``, ``.chart-series-N``).

Each function returns ``Markup`` of a ``<figure>``: the ``<svg role="img">`` with its
``<title>`` and ``<desc>`` (named by ``aria-labelledby``), then the same figures as a table in
a ``<details>`` ("Data table"), the alternative for screen readers and for exact numbers. The
SVG has a ``viewBox`` and fills the width of its column, so it reads at 375 px too.

Labels are user data (course titles, criterion codes): every text goes through
``markupsafe.escape``. Numbers are formatted by the caller's ``value_format`` (default
``lms.formatting.format_decimal``, the reader's language).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from lms.formatting import format_decimal

Value = int | float | None
Formatter = Callable[[object], str]

WIDTH = 640
LABEL_WIDTH = 200  # left column of horizontal charts: 23 characters at 13 px, Kazakh included
ROW_HEIGHT = 28
SERIES_CLASSES = 6  # .chart-series-0 .. -5 in site.css, reused in turn
NO_DATA = _l("No data yet.")
DATA_TABLE = _l("Data table")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Value]


def _number(value: Value) -> float:
    return float(value) if value is not None else 0.0


def _short(text: str, limit: int = 23) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _figure(
    chart_id: str, title: str, desc: str, body: str, height: int, table: str, empty: bool
) -> Markup:
    chart_id = "chart-" + "".join(c for c in chart_id if c.isalnum() or c in "-_")
    head = (
        f'<figure class="chart" id="{chart_id}">'
        f'<figcaption class="chart-caption">{escape(title)}</figcaption>'
    )
    if empty:
        empty_note = f'<p class="chart-empty">{escape(NO_DATA)}</p>'
        return Markup(head + empty_note + "</figure>")  # noqa: S704 (texts escaped above)
    svg = (
        f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
    )
    details = (
        f'<details class="chart-data"><summary>{escape(DATA_TABLE)}</summary>{table}</details>'
    )
    return Markup(head + svg + details + "</figure>")  # noqa: S704 (texts escaped above)


def _table(caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in header)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f'<td class="num">{escape(cell)}</td>' for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-scroll"><table class="table"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _cell(value: Value, value_format: Formatter) -> str:
    return "—" if value is None else value_format(value)


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, Value]],
    *,
    desc: str = "",
    value_label: str = "",
    value_format: Formatter = format_decimal,
    maximum: float | None = None,
) -> Markup:
    """Horizontal bars, one per (label, value); the value written at the end of each bar."""
    items = list(items)
    top = maximum or max((_number(v) for _, v in items), default=0.0) or 1.0
    plot = WIDTH - LABEL_WIDTH - 70
    height = max(ROW_HEIGHT * len(items) + 8, 36)
    parts = []
    for index, (label, value) in enumerate(items):
        y = 4 + index * ROW_HEIGHT
        length = max(0.0, min(_number(value), top)) / top * plot
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end">'
            f"{escape(_short(label))}</text>"
            f'<rect class="chart-series-0" x="{LABEL_WIDTH}" y="{y + 4}" '
            f'width="{length:.1f}" height="{ROW_HEIGHT - 8}"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 18}">'
            f"{escape(_cell(value, value_format))}</text>"
        )
    table = _table(
        title, ["", value_label], [(label, _cell(v, value_format)) for label, v in items]
    )
    return _figure(chart_id, title, desc, "".join(parts), height, table, not items)


def stacked_bar_chart(
    chart_id: str,
    title: str,
    segments: Sequence[str],
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    desc: str = "",
    value_format: Formatter = format_decimal,
) -> Markup:
    """One horizontal bar per row, split into ``segments`` (same order as each row's
    values), scaled to the largest row total; a legend above."""
    rows = list(rows)
    top = max((sum(_number(v) for v in values) for _, values in rows), default=0.0) or 1.0
    plot = WIDTH - LABEL_WIDTH - 70
    legend_height = 26
    height = legend_height + max(ROW_HEIGHT * len(rows) + 8, 36)
    parts = [_legend(segments)]
    for index, (label, values) in enumerate(rows):
        y = legend_height + 4 + index * ROW_HEIGHT
        x = float(LABEL_WIDTH)
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end">'
            f"{escape(_short(label))}</text>"
        )
        for position, value in enumerate(values):
            length = max(0.0, _number(value)) / top * plot
            if length:
                parts.append(
                    f'<rect class="chart-series-{position % SERIES_CLASSES}" x="{x:.1f}" '
                    f'y="{y + 4}" width="{length:.1f}" height="{ROW_HEIGHT - 8}">'
                    f"<title>{escape(segments[position])}: "
                    f"{escape(value_format(value))}</title></rect>"
                )
            x += length
        total = sum(_number(v) for v in values)
        parts.append(
            f'<text class="chart-value" x="{x + 6:.1f}" y="{y + 18}">'
            f"{escape(value_format(int(total) if total == int(total) else total))}</text>"
        )
    table = _table(
        title,
        ["", *segments],
        [(label, *(value_format(v) for v in values)) for label, values in rows],
    )
    return _figure(chart_id, title, desc, "".join(parts), height, table, not rows)


def _legend(names: Sequence[str]) -> str:
    parts, x = [], 0
    for position, name in enumerate(names):
        parts.append(
            f'<rect class="chart-series-{position % SERIES_CLASSES}" x="{x}" y="6" '
            f'width="12" height="12"/>'
            f'<text class="chart-legend" x="{x + 16}" y="16">{escape(_short(name, 20))}</text>'
        )
        x += 28 + 9 * min(len(name), 20)  # capitals (C4-COMM) are about 9 px wide at 13 px
    return "".join(parts)


def line_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    desc: str = "",
    value_format: Formatter = format_decimal,
    maximum: float | None = None,
) -> Markup:
    """One line per series over ``x_labels`` (months); a missing value (None) breaks the
    line; a single point is drawn as a dot. ``maximum`` fixes the top of the axis (100 for
    percents), else the largest value."""
    series = [s for s in series if any(v is not None for v in s.values)]
    x_labels = list(x_labels)
    values = [_number(v) for s in series for v in s.values if v is not None]
    top = maximum or max(values, default=0.0) or 1.0
    legend_height = 26
    left, right, plot_top, plot_height = 56, WIDTH - 16, legend_height + 10, 180
    height = plot_top + plot_height + 30
    step = (right - left) / max(len(x_labels) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        x = left + (index * step if len(x_labels) > 1 else (right - left) / 2)
        return x, plot_top + plot_height - max(0.0, min(value, top)) / top * plot_height

    parts = [_legend([s.name for s in series])]
    for fraction in (0, 0.5, 1):  # axis: 0, half, top
        y = plot_top + plot_height - fraction * plot_height
        parts.append(
            f'<line class="chart-grid" x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>'
            f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(value_format(_round(top * fraction)))}</text>"
        )
    every = max(1, (len(x_labels) + 5) // 6)  # at most about six labels under the axis
    labelled = set(range(0, len(x_labels), every))
    if x_labels and len(x_labels) - 1 not in labelled:
        # The latest month is always named; the one named just before it gives way when
        # they would overlap ("Nov 2026Dec 2026").
        if len(x_labels) - 1 - max(labelled) < every:
            labelled.discard(max(labelled))
        labelled.add(len(x_labels) - 1)
    for index, label in enumerate(x_labels):
        if index in labelled:
            x, _ = xy(index, 0)
            parts.append(
                f'<text class="chart-axis" x="{x:.1f}" y="{plot_top + plot_height + 20}" '
                f'text-anchor="middle">{escape(_short(label, 14))}</text>'
            )
    for position, line in enumerate(series):
        css = f"chart-series-{position % SERIES_CLASSES}"
        run: list[str] = []
        for index, value in enumerate([*line.values, None]):
            if value is not None and index < len(x_labels):
                x, y = xy(index, _number(value))
                run.append(f"{x:.1f},{y:.1f}")
                parts.append(
                    f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="3.5">'
                    f"<title>{escape(line.name)}, {escape(x_labels[index])}: "
                    f"{escape(value_format(value))}</title></circle>"
                )
                continue
            if len(run) > 1:
                parts.append(f'<polyline class="chart-line {css}" points="{" ".join(run)}"/>')
            run = []
    table = _table(
        title,
        ["", *(s.name for s in series)],
        [
            (label, *(_cell(_at(s.values, i), value_format) for s in series))
            for i, label in enumerate(x_labels)
        ],
    )
    return _figure(chart_id, title, desc, "".join(parts), height, table, not series or not x_labels)


def _at(values: Sequence[Value], index: int) -> Value:
    return values[index] if index < len(values) else None


def _round(value: float) -> float | int:
    return int(value) if value == int(value) else round(value, 1)
