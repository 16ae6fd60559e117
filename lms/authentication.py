"""Flask-Login wiring: users are loaded from their server-side login session."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import login_user, logout_user

from lms import audit, login_sessions
from lms.extensions import db, login_manager
from lms.models import User


@login_manager.user_loader
def _load_user(token: str) -> User | None:
    return login_sessions.load_user(token)


def may_be_signed_in() -> bool:
    """Whether this request may come from a signed-in user. A sign-in lives in the session
    cookie only (no token header, no request loader), so a request without any cookie is a
    visitor's, and whoever only needs to know that can skip Flask-Login's loading of the
    user (it hashes the address and browser of every request it looks at)."""
    return bool(request.cookies)


def sign_in(user: User) -> None:
    """Start a fresh login session for ``user`` in this browser."""
    language = session.get("lang")
    session.clear()  # a new session identity on login: no fixation
    if language:
        session["lang"] = language
    login_sessions.start_session(
        user,
        user_agent=request.user_agent.string,
        ip_address=request.remote_addr or "",
    )
    login_user(user)
    session.permanent = True
    refresh()  # the rest of this request speaks the user's saved language


def sign_out(user: User) -> None:
    """End this browser's login session on the server, then forget it in the cookie."""
    audit.record(audit.LOGOUT, actor=user, subject=user)
    login_sessions.end_session(user.session_token)
    db.session.commit()
    logout_user()


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
