"""Server-side login sessions, so that logging out or changing a password really ends them.

A signed cookie alone cannot be revoked: the cookie carries a random token whose hash is a
row here; deleting the row ends that browser's session everywhere the cookie was copied.
A session ends after ``SESSION_IDLE_DAYS`` unused and, however often it is used,
``SESSION_MAX_DAYS`` after it began.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, select, update

from lms.database import utcnow
from lms.extensions import db
from lms.models import LoginSession, User
from lms.tokens import new_token, token_hash

TOUCH_INTERVAL = timedelta(minutes=5)


def _printable(text: str, limit: int) -> str:
    return "".join(ch for ch in (text or "") if ch.isprintable())[:limit]


def start_session(user: User, *, user_agent: str = "", ip_address: str = "") -> str:
    """Create a login session for ``user`` and return its raw token (for the cookie). Every
    way in (log-in, sign-up) passes here, so this is where ``last_login_at`` is set."""
    token = new_token()
    user.last_login_at = utcnow()
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=token_hash(token),
            user_agent=_printable(user_agent, 200),
            ip_address=_printable(ip_address, 45),
        )
    )
    db.session.commit()
    user.session_token = token
    return token


@functools.cache
def _session_and_user():
    """The statement of every signed-in request, built once per process: the session's
    three columns that decide whether it still holds, and the user as an object (the pages
    use it as one; the session row is never needed as one, so no second object is built)."""
    return (
        select(LoginSession.id, LoginSession.last_seen_at, LoginSession.created_at, User)
        .join(User, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == bindparam("token_hash"))
    )


def load_user(token: str) -> User | None:
    """The active user whose live session has this token, or None (Flask-Login's loader)."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(_session_and_user(), {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    session_id, last_seen_at, created_at, user = row
    now = utcnow()
    idle = timedelta(days=current_app.config["SESSION_IDLE_DAYS"])
    lifetime = timedelta(days=current_app.config["SESSION_MAX_DAYS"])
    if (
        not user.active
        or now - last_seen_at > idle
        or now - created_at > lifetime  # absolute: in use or not
    ):
        db.session.execute(delete(LoginSession).where(LoginSession.id == session_id))
        db.session.commit()
        return None
    if now - last_seen_at > TOUCH_INTERVAL:
        touched = update(LoginSession).where(LoginSession.id == session_id)
        db.session.execute(touched.values(last_seen_at=now))
        db.session.commit()
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))
        db.session.commit()


def end_other_sessions(user: User, *, keep_token: str | None, commit: bool = True) -> int:
    """End every session of ``user`` except the one with ``keep_token``; returns the count."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        statement = statement.where(LoginSession.token_hash != token_hash(keep_token))
    count = db.session.execute(statement).rowcount or 0
    if commit:
        db.session.commit()
    return count


def end_all_sessions(user: User, *, commit: bool = True) -> int:
    return end_other_sessions(user, keep_token=None, commit=commit)


def sessions_of(user: User) -> list[LoginSession]:
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id)
            .order_by(LoginSession.last_seen_at.desc())
        )
    )


def is_current(login_session: LoginSession, token: str | None) -> bool:
    return bool(token) and login_session.token_hash == token_hash(token)
