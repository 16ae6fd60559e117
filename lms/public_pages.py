"""Public pages as visitors see them, rendered once per address and language for a few seconds.

The home page, the catalogue, the glossary and the empty verification form are the same
for every visitor who reads them in one language: rendering each of them
again for every request is most of what they cost (issue 17). A view marked
``@for_visitors`` keeps the page it rendered for a visitor, per process, for
``PUBLIC_PAGE_SECONDS`` (10 by default; 0 turns it off, as the test suite does), and answers
the next visitor asking for the same address in the same language with it.

What is never kept or never served from here: anything for a signed-in user (their pages
carry their name, menus and form tokens), a request whose session holds a message to show
(a flash after signing out, say), a page whose rendering changed the session or set a
cookie (it would carry a token or somebody's cookie), a page rendered while the database was
down (the minimal layout), and every answer but 200. A visitor may therefore see a public
page up to that many seconds old (a course just published); a signed-in user never does.
The hooks that run after every view (security headers, ``Vary``) run on a kept page too.

At most ``MAX_PAGES`` pages are kept per process (query strings make addresses unbounded);
the oldest goes first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from functools import wraps

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from lms.authentication import may_be_signed_in

MAX_PAGES = 256

_pages: OrderedDict[tuple, tuple[float, bytes, int, list]] = OrderedDict()


def clear() -> None:
    """Forget every kept page of this process."""
    _pages.clear()


def _servable() -> bool:
    return (
        request.method == "GET"
        and not session.get("_flashes")
        and not (may_be_signed_in() and current_user.is_authenticated)
    )


def for_visitors(view):
    """Mark a public view whose page is the same for every visitor reading it in one
    language (see the module's docstring)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        seconds = current_app.config["PUBLIC_PAGE_SECONDS"]
        if not seconds or not _servable():
            return view(*args, **kwargs)
        app = current_app._get_current_object()
        key = (id(app), request.endpoint, request.full_path, str(get_locale()))
        now = time.monotonic()
        kept = _pages.get(key)
        if kept is not None and kept[0] > now:
            _, body, status, headers = kept
            return current_app.response_class(body, status, headers)
        response = current_app.make_response(view(*args, **kwargs))
        if (
            response.status_code == 200
            and not response.direct_passthrough
            and not response.is_streamed
            and not session.modified
            and "Set-Cookie" not in response.headers
            and not g.get("database_unavailable")
        ):
            _pages[key] = (now + seconds, response.get_data(), 200, list(response.headers))
            _pages.move_to_end(key)
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
        return response

    return wrapper
