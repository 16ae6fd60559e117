"""Ids in URLs and forms: ``<id:...>`` is a database id, so huge numbers are a 404, not an
overflow; ``parse_id`` reads an id typed in a form or query; ``get_or_404`` finds a row or
answers "not found"."""

from __future__ import annotations

from flask import Flask, abort
from werkzeug.routing import IntegerConverter

from lms.extensions import db

MAX_ID = 2**31 - 1  # the largest INTEGER on PostgreSQL


class IdConverter(IntegerConverter):
    def __init__(self, url_map, **kwargs) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def parse_id(value) -> int | None:
    """A submitted value as a database id, or None for the empty choice or junk: never an
    exception, never a number the database cannot hold, only ASCII digits ("²" or "١" are
    digits to Python's int() but not ids anybody typed)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        text = value.strip()
        if len(text) > 10:
            return None
        number = int(text)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def get_or_404(model, ident, *, options=(), **belongs_to):
    """The ``model`` row with id ``ident`` (an int or submitted text), else a 404. Each
    ``belongs_to`` attribute must have the value given too (a row of another parent is "not
    found" as well, not a hint that it exists)."""
    number = parse_id(ident)
    row = db.session.get(model, number, options=list(options)) if number else None
    if row is None or any(getattr(row, name) != value for name, value in belongs_to.items()):
        abort(404)
    return row


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
