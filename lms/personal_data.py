"""Everything the site holds about a person, for them to download (``/account/export``).

Each package contributes its part with ``register_personal_data(name, fn)``, where
``fn(user)`` returns a dict or a list of plain JSON values; ``lms`` names no feature. The
core's own parts (profile, login sessions without their tokens, messages, opt-outs, audit
events) are registered below. ``export(user)`` builds the whole document.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from lms import audit
from lms.database import utcnow
from lms.extensions import db
from lms.models import LoginSession, MailOptOut, OutboxMessage, User

PARTS: dict[str, Callable[[User], dict | list]] = {}


def register_personal_data(name: str, fn: Callable[[User], dict | list]) -> None:
    """Add the part ``name`` to every user's download (registering a name again replaces it)."""
    PARTS[name] = fn


def plain(value):
    """A value as JSON can carry it: times in ISO 8601 (UTC), decimals as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def export(user: User) -> dict:
    document = {"generated_at": utcnow().isoformat(), "user_id": user.id}
    for name in sorted(PARTS):
        document[name] = plain(PARTS[name](user))
    return document


def _profile(user: User) -> dict:
    return {
        "email": user.email,
        "pending_email": user.pending_email,
        "email_confirmed_at": user.email_confirmed_at,
        "display_name": user.display_name,
        "full_name": user.full_name,
        "role": user.role,
        "active": user.active,
        "language": user.language,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    }


def _login_sessions(user: User) -> list:
    rows = db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
    )
    return [
        {
            "started_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "user_agent": row.user_agent,
            "ip_address": row.ip_address,
        }
        for row in rows
    ]


def _messages(user: User) -> list:
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)
    )
    return [
        {
            "created_at": row.created_at,
            "kind": row.kind,
            "subject": row.subject,
            "to": row.to_address,
            "state": row.state,
            "sent_at": row.sent_at,
        }
        for row in rows
    ]


def _opt_outs(user: User) -> list:
    return list(db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == user.id)))


def _audit_events(user: User) -> list:
    return [
        {
            "at": event.at,
            "action": event.action,
            "actor_id": event.actor_id,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "subject_label": event.subject_label,
            "details": event.details,
        }
        for event in audit.events_about(user)
    ]


register_personal_data("profile", _profile)
register_personal_data("login_sessions", _login_sessions)
register_personal_data("messages", _messages)
register_personal_data("mail_opt_outs", _opt_outs)
register_personal_data("audit_events", _audit_events)
