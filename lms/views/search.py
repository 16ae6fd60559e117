"""/search?q=: what the features' searchers find (``lms.search``), grouped; public (each
searcher shows only what the reader may see)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from lms import search as site_search

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    words = site_search.normalise(request.args.get("q", type=str))
    only = request.args.get("group", "", type=str)
    names = {searcher.name: searcher for searcher in site_search.searchers()}
    if only not in names:
        only = ""
    too_short = bool(words) and len(words) < site_search.MIN_LENGTH
    groups = site_search.search(current_user, words, only=only) if words and not too_short else []
    return render_template(
        "main/search.html",
        words=words,
        groups=groups,
        only=names.get(only),
        too_short=too_short,
    )
