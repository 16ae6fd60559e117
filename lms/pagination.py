"""Pagination of long lists, with the page number taken safely from the query string."""

from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.sql import Select

from lms.extensions import db

MAX_PAGE = 10_000


def requested_page() -> int:
    """The ``page`` query parameter as a sane number: junk or out-of-range values give 1..MAX."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def paginate(query: Select, per_page: int = 25) -> Pagination:
    return db.paginate(query, page=requested_page(), per_page=per_page, error_out=False)


class ListPagination(Pagination):
    """One page of rows already built in Python (a gradebook), for the same ``pager`` macro."""

    def _query_items(self) -> list:
        start = self._query_offset
        return self._query_args["rows"][start : start + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def paginate_list(rows: list, per_page: int = 25) -> Pagination:
    return ListPagination(page=requested_page(), per_page=per_page, error_out=False, rows=rows)
