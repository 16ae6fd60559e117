"""Locale formatting has one owner (lms.formatting): the source is scanned so that no page,
message or module goes back to flask_babel's raw filters, its format functions, or a percent
glued to a number ("84.6%" in every language)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lms", "courses", "seminars", "quizzes", "assessments", "certificates")

# Truly needed exceptions, each with its reason.
ALLOWED_PYTHON = {
    # English reasons kept with an attempt's result for logs; pages phrase them from the
    # figures (quizzes/attempt_results.py says so).
    "quizzes/grading.py",
    # The owner itself.
    "lms/formatting.py",
}

RAW_FILTERS = re.compile(r"\|\s*(datetimeformat|dateformat|timeformat)\b")
# "{{ value }}%" or "{{ value }} %": a number with a percent sign glued on.
GLUED_PERCENT = re.compile(r"\}\}\s?%")
# "%(p)s%%" or "%(n)d%%" in a msgid: the number is written before the locale could format it.
PLACEHOLDER_PERCENT = re.compile(r"%\(\w+\)[sdf]\s?%%")
BABEL_FORMATTERS = {"format_date", "format_datetime", "format_time", "format_decimal"}
BABEL_FORMATTERS |= {"format_percent", "format_number"}


def _sources(*suffixes: str):
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in suffixes and "static" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_the_scan_sees_the_templates_and_modules():
    templates = dict(_sources(".html", ".txt"))
    modules = dict(_sources(".py"))
    assert "certificates/templates/certificates/verify.html" in templates
    assert "quizzes/templates/mail/quiz_marked.txt" in templates
    assert "assessments/combination.py" in modules and len(modules) > 100


def test_templates_use_the_locale_filters():
    found = []
    for name, text in _sources(".html", ".txt"):
        for number, line in enumerate(text.splitlines(), 1):
            if RAW_FILTERS.search(line):
                found.append(f"{name}:{number}: flask_babel's raw filter; use |date, |datetime…")
            if GLUED_PERCENT.search(line):
                found.append(f"{name}:{number}: a glued percent sign; use |percent")
            if PLACEHOLDER_PERCENT.search(line):
                found.append(f"{name}:{number}: %(x)s%% in a message; pass value|percent")
    assert not found, "\n".join(found)


def _glued_percent_fstrings(tree: ast.AST) -> list[int]:
    """Lines of f-strings in which a formatted value is directly followed by "%" ("{p}%").
    A LIKE pattern (``f"%{text}%"``, starting with "%") is not a percentage."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr):
            continue
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and str(first.value).startswith("%"):
            continue
        for before, after in zip(node.values, node.values[1:], strict=False):
            if (
                isinstance(before, ast.FormattedValue)
                and isinstance(after, ast.Constant)
                and str(after.value).lstrip("\xa0").startswith("%")
            ):
                lines.append(node.lineno)
    return lines


def test_modules_format_percents_and_dates_through_lms_formatting():
    found = []
    for name, text in _sources(".py"):
        if name in ALLOWED_PYTHON:
            continue
        tree = ast.parse(text, filename=name)
        for line in _glued_percent_fstrings(tree):
            found.append(f"{name}:{line}: an f-string percent; use lms.formatting.format_percent")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in (
                "flask_babel",
                "babel.dates",
                "babel.numbers",
            ):
                for alias in node.names:
                    if alias.name in BABEL_FORMATTERS:
                        found.append(f"{name}:{node.lineno}: {alias.name} from {node.module}")
            text_constant = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if text_constant and PLACEHOLDER_PERCENT.search(node.value):
                found.append(f"{name}:{node.lineno}: %(x)s%% in a message")
    assert not found, "\n".join(found)


def test_the_guard_catches_what_it_forbids():
    assert RAW_FILTERS.search('{{ d|dateformat("short") }}')
    assert GLUED_PERCENT.search("{{ attempt.percent }}%")
    assert PLACEHOLDER_PERCENT.search('_("Overall: %(p)s%%")')
    assert not PLACEHOLDER_PERCENT.search('_("Floor for compensation (%%)")')
    assert _glued_percent_fstrings(ast.parse('f"{label} {value}% required"')) == [1]
    assert _glued_percent_fstrings(ast.parse('f"{label} {value:.1f}%"')) == [1]
    assert not _glued_percent_fstrings(ast.parse('f"{code} % (best)"'))  # a CSV header
    assert not _glued_percent_fstrings(ast.parse('f"%{text}%"'))  # a LIKE pattern
