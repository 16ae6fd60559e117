"""Requests a page's script makes in the background (live preview, quiz autosave) never
write the session cookie.

The session lives in a signed cookie that Flask rewrites on every response. A background
request that started before a form was sent would otherwise arrive after it and put back the
older cookie, losing what the form's response stored there (its flash message, say). The
background routes read the session (login, CSRF) but change nothing in it, so they skip the
write.

The session interface that does this also spares every request the work of building its
serializer anew, and rewrites an unchanged signed-in session's cookie (to slide its expiry)
at most once every ``REFRESH_AFTER`` instead of on every page (see ``_SessionInterface``).
"""

from __future__ import annotations

import time
from datetime import timedelta
from functools import wraps

from flask import Flask, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

# An unchanged permanent session's cookie is signed again (its expiry slid forward) when it
# was signed longer ago than this: a 14-day idle limit moves by the hour, not by the page.
REFRESH_AFTER = timedelta(hours=1)


def leaves_session_alone(view):
    """Mark a view whose response must not set the session cookie."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.leave_session_alone = True
        return view(*args, **kwargs)

    return wrapper


class _Session(SecureCookieSession):
    """A session that knows when its cookie was signed (None: no valid cookie came)."""

    signed_at: int | None = None


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with three savings: a request without the session
    cookie (every visitor's first page, the verification API, the keys) opens an empty
    session without building a serializer; the serializer is built once per set of keys
    instead of once per request (itsdangerous's serializers keep no state between calls);
    and a signed-in page whose session nothing changed sends no new cookie when the one it
    came with was signed less than ``REFRESH_AFTER`` ago. Flask's
    ``SESSION_REFRESH_EACH_REQUEST`` signs and sends it on every page, to slide its expiry
    (``PERMANENT_SESSION_LIFETIME``, the idle limit of 14 days); sliding it by the hour
    keeps that limit within an hour, and spares every page an HMAC and a ``Set-Cookie``."""

    session_class = _Session

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if len(self._serializers) >= 8:  # keys rotated many times in one process
                self._serializers.clear()
            self._serializers[keys] = serializer
        return serializer

    def open_session(self, app, request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app)) if app.secret_key else None
        if not value:
            return self.session_class() if app.secret_key else None
        serializer = self.get_signing_serializer(app)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = int(signed_at.timestamp())
        return session

    def save_session(self, app, session, response) -> None:
        if session or session.modified:
            super().save_session(app, session, response)
        elif session.accessed:
            # An empty session nobody changed (a visitor's page): nothing to write or delete,
            # only that the reply depends on the cookie, as Flask would say. Werkzeug's
            # ``response.vary.add`` parses and rebuilds the header: this writes it directly.
            _vary_on_cookie(response)

    def should_set_cookie(self, app, session) -> bool:
        if g.get("leave_session_alone"):
            return False
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or time.time() - signed_at >= REFRESH_AFTER.total_seconds()


def init_app(app: Flask) -> None:
    app.session_interface = _SessionInterface()


def _vary_on_cookie(response) -> None:
    """Adds ``Cookie`` to the reply's ``Vary`` header unless it is named there already."""
    headers = response.headers
    vary = headers.get("Vary") if "Vary" in headers else None  # no KeyError raised and caught
    if not vary:
        headers["Vary"] = "Cookie"
    elif vary.strip() != "*" and "cookie" not in (name.strip().lower() for name in vary.split(",")):
        headers["Vary"] = f"{vary}, Cookie"
