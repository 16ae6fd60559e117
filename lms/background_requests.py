"""Requests a page's script makes in the background (live preview, quiz autosave) never
write the session cookie.

The session lives in a signed cookie that Flask rewrites on every response. A background
request that started before a form was sent would otherwise arrive after it and put back the
older cookie, losing what the form's response stored there (its flash message, say). The
background routes read the session (login, CSRF) but change nothing in it, so they skip the
write.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, g
from flask.sessions import SecureCookieSessionInterface


def leaves_session_alone(view):
    """Mark a view whose response must not set the session cookie."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.leave_session_alone = True
        return view(*args, **kwargs)

    return wrapper


class _SessionInterface(SecureCookieSessionInterface):
    def should_set_cookie(self, app, session) -> bool:
        if g.get("leave_session_alone"):
            return False
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    app.session_interface = _SessionInterface()
