"""Search across the site (``/search``): one page, results grouped by what they are.

The core names no feature: each feature adds a searcher with ``add_searcher`` in its
``init_app`` (like ``lms.layout.add_dashboard_panel``). A searcher gives, for a user and the
typed words, a query of what that user may see and matches them (its own permission rules),
and turns one page of rows into hits (title, address, a line of detail) in the reader's
language. Matching is case-insensitive in every script: ``lower()`` is Unicode-aware on
PostgreSQL and, through the function ``lms.database`` installs, on SQLite too; a feature
matches its translations with ``translated_ids``. Each group costs a count, a page and the
searcher's preload: a fixed number of queries whatever is found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import ColumnElement, Select, func, select

from lms.extensions import db

SEARCHERS_KEY = "lms.searchers"
MAX_LENGTH = 100
MIN_LENGTH = 2


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Searcher:
    name: str
    label: object  # a lazy string
    query: Callable[[object, str], Select | None]  # (user, words) -> rows, or None: not for them
    hits: Callable[[list], list[Hit]]  # one page of rows -> hits
    order: int = 50


def add_searcher(
    app: Flask,
    name: str,
    label,
    query: Callable[[object, str], Select | None],
    hits: Callable[[list], list[Hit]],
    order: int = 50,
) -> None:
    app.extensions.setdefault(SEARCHERS_KEY, []).append(Searcher(name, label, query, hits, order))


def searchers() -> list[Searcher]:
    return sorted(current_app.extensions.get(SEARCHERS_KEY, []), key=lambda s: s.order)


def normalise(text: str | None) -> str:
    """The typed words single-spaced and cut to ``MAX_LENGTH`` characters."""
    return " ".join((text or "").split())[:MAX_LENGTH]


def contains(column, words: str) -> ColumnElement[bool]:
    """SQL: ``column`` contains ``words``, whatever the case (Cyrillic and Kazakh letters too);
    ``%`` and ``_`` typed are plain characters."""
    return func.lower(column).contains(words.lower(), autoescape=True)


def translated_ids(kind: str, fields: Iterable[str], words: str) -> Select:
    """SQL: the ids of the objects of ``kind`` with a translation of one of ``fields`` that
    contains ``words`` (for ``Model.id.in_(...)``)."""
    from lms.content_translations import ContentTranslation as row

    return select(row.object_id).where(
        row.kind == kind, row.field.in_(tuple(fields)), contains(row.text, words)
    )


@dataclass
class Group:
    searcher: Searcher
    hits: list[Hit]
    total: int
    pagination: object | None = None  # when the page shows this group alone


def search(user, words: str, *, only: str = "", per_group: int = 5, page_size: int = 20):
    """The groups of hits for ``words`` that ``user`` may see: every group's first
    ``per_group`` hits, or one page of group ``only``. Empty groups are left out."""
    from lms.pagination import paginate

    groups = []
    for searcher in searchers():
        if only and searcher.name != only:
            continue
        query = searcher.query(user, words)
        if query is None:
            continue
        if only:
            found = paginate(query, per_page=page_size)
            rows, total, pagination = list(found.items), found.total, found
        else:
            found = db.paginate(query, page=1, per_page=per_group, error_out=False)
            rows, total, pagination = list(found.items), found.total, None
        if total:
            groups.append(Group(searcher, searcher.hits(rows), total, pagination))
    return groups


def snippet(text: str | None, words: str, width: int = 160) -> str:
    """A line of ``text`` (Markdown marks dropped, spaces collapsed) around the first place it
    contains ``words``, or its beginning; with "…" where cut."""
    plain = " ".join(re.sub(r"[#*_>`|\[\]]+", " ", text or "").split())
    if len(plain) <= width:
        return plain
    at = plain.lower().find(words.lower()) if words else -1
    start = max(0, at - width // 3) if at > 0 else 0
    end = start + width
    return ("…" if start else "") + plain[start:end].strip() + ("…" if end < len(plain) else "")
