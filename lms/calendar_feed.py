"""A user's personal calendar feed: a secret address (``lms.tokens``: the raw token in the
address, only its hash stored) that calendar programs poll without logging in. Making a new
address revokes the old one. The feed itself (its events) belongs to a feature, which names
its endpoint with ``set_feed_endpoint``; the account page shows the address once."""

from __future__ import annotations

from flask import Flask, current_app, url_for
from sqlalchemy import select

from lms.extensions import db
from lms.models import CalendarFeedToken, User
from lms.tokens import new_token, token_hash

ENDPOINT_KEY = "lms.calendar_feed_endpoint"


def set_feed_endpoint(app: Flask, endpoint: str) -> None:
    """The endpoint (taking ``token``) that serves the feed."""
    app.extensions[ENDPOINT_KEY] = endpoint


def feed_endpoint() -> str | None:
    return current_app.extensions.get(ENDPOINT_KEY)


def has_feed(user: User) -> bool:
    return (
        db.session.scalar(select(CalendarFeedToken.id).where(CalendarFeedToken.user_id == user.id))
        is not None
    )


def regenerate(user: User) -> str:
    """A new secret for ``user``'s feed (the old one, if any, stops working); the raw token."""
    token = new_token()
    row = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id))
    if row is None:
        db.session.add(CalendarFeedToken(user_id=user.id, token_hash=token_hash(token)))
    else:
        row.token_hash = token_hash(token)
    db.session.commit()
    return token


def revoke(user: User) -> None:
    row = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id))
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def user_for_token(token: str) -> User | None:
    """The active user whose feed ``token`` opens, else None (unknown, revoked, inactive)."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(
        select(User)
        .join(CalendarFeedToken, CalendarFeedToken.user_id == User.id)
        .where(CalendarFeedToken.token_hash == token_hash(token))
    )
    if user is None or not user.active or user.deleted_at is not None:
        return None
    return user


def feed_url(token: str) -> str | None:
    endpoint = feed_endpoint()
    return url_for(endpoint, token=token, _external=True) if endpoint else None
