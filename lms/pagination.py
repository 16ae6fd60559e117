"""Pagination of long lists, with the page number taken safely from the query string."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.sql import Select

from lms.extensions import db

MAX_PAGE = 10_000


def requested_page() -> int:
    """The ``page`` query parameter as a sane number: junk or out-of-range values give 1..MAX."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def paginate(query: Select, per_page: int = 25) -> Pagination:
    """One page of ``query``; a page past the end shows the last page, not an empty list."""
    found = db.paginate(query, page=requested_page(), per_page=per_page, error_out=False)
    if not found.items and found.page > 1 and found.total:
        found = db.paginate(query, page=found.pages, per_page=per_page, error_out=False)
    return found


class ListPagination(Pagination):
    """One page of rows already built in Python (a gradebook), for the same ``pager`` macro."""

    def _query_items(self) -> list:
        start = self._query_offset
        return self._query_args["rows"][start : start + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def paginate_list(rows: list, per_page: int = 25) -> Pagination:
    found = ListPagination(page=requested_page(), per_page=per_page, error_out=False, rows=rows)
    if not found.items and found.page > 1 and found.total:
        found = ListPagination(page=found.pages, per_page=per_page, error_out=False, rows=rows)
    return found


class CountedPagination(Pagination):
    """One page of a select of one entity with the total in the same statement
    (``COUNT(*) OVER ()`` is computed before LIMIT and OFFSET): one round trip instead of
    two. Only a page past the end, with no row to carry the total, counts apart."""

    _total: int | None = None

    def _query_items(self) -> list:
        query = self._query_args["select"].add_columns(func.count().over())
        rows = db.session.execute(query.limit(self.per_page).offset(self._query_offset)).all()
        self._total = rows[0][-1] if rows else None
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        rows = self._query_args["select"].order_by(None).subquery()
        return db.session.execute(select(func.count()).select_from(rows)).scalar_one()


def paginate_counted(query: Select, per_page: int = 25) -> Pagination:
    """``paginate`` for a busy list of one entity (the catalogue): the same page and total
    in one statement."""
    found = CountedPagination(
        page=requested_page(), per_page=per_page, error_out=False, select=query
    )
    if not found.items and found.page > 1 and found.total:
        found = CountedPagination(
            page=found.pages, per_page=per_page, error_out=False, select=query
        )
    return found


def page_url(endpoint: str, page: int) -> str:
    """The address of ``page`` of the list at ``endpoint``: the path values that endpoint takes
    from the current page (its course, its quiz) and the current filters, nothing else. Query
    keys that would steer ``url_for`` itself (``_external``, ``endpoint``...) or overwrite a
    path value are dropped.

    A pager links a dozen pages of one list: the address without ``page`` is built once per
    request and endpoint, and each link adds its ``page`` last, as ``url_for`` would."""
    cache = request.environ.setdefault("lms.page_url_bases", {})  # this request's, not g's
    base = cache.get(endpoint)
    if base is None:
        base = cache[endpoint] = _page_url_base(endpoint)
    if base is False:  # ``page`` is a path value of that endpoint: url_for places it
        return _page_url_with(endpoint, page=page)
    return f"{base}{'&' if '?' in base else '?'}page={int(page)}"


def _page_url_arguments(endpoint: str) -> tuple[dict, dict]:
    arguments = set().union(*(rule.arguments for rule in current_app.url_map.iter_rules(endpoint)))
    path = {k: v for k, v in (request.view_args or {}).items() if k in arguments}
    query = {
        key: value
        for key, value in request.args.items()
        if key != "page" and key != "endpoint" and not key.startswith("_") and key not in path
    }
    return path, query


def _page_url_with(endpoint: str, **page) -> str:
    path, query = _page_url_arguments(endpoint)
    return url_for(endpoint, **query, **path, **page)


def _page_url_base(endpoint: str) -> str | bool:
    if any("page" in rule.arguments for rule in current_app.url_map.iter_rules(endpoint)):
        return False
    return _page_url_with(endpoint)


def init_app(app: Flask) -> None:
    app.add_template_global(page_url)
