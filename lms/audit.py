"""The audit log: security and integrity events, append-only (``AuditEvent``).

``record(action, actor=, subject=, details=)`` adds one row to the caller's session, so it is
committed with the change it describes (or rolled back with it). Receivers of signals, which
run after their change was committed, pass ``commit=True``. Each package registers the
actions it records with ``register_action(code, label)``; ``lms`` knows none of the features'.

There is no function that changes or deletes a row; migration 0017 adds triggers that refuse
UPDATE and DELETE on ``audit_events`` (PostgreSQL and SQLite).

Client addresses are stored as ``address_hash``: an HMAC-SHA256 keyed by ``SECRET_KEY``, as
certificate verification lookups store them. Two events from one address can be linked (a
burst of failed logins), nobody reading the log or a backup learns the address, and the log
holds no more personal data than it needs. Hashes made with an older secret key do not match
new ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from lms.database import utcnow
from lms.extensions import db
from lms.models import AuditEvent, User

log = logging.getLogger(__name__)

ACTIONS: dict[str, object] = {}
DETAILS_LIMIT = 2000  # characters of JSON; a row is a note, not a copy of the data


def register_action(code: str, label) -> str:
    """Make ``code`` an action that may be recorded, with its translatable ``label``."""
    ACTIONS[code] = label
    return code


def action_label(code: str) -> str:
    label = ACTIONS.get(code)
    return str(label) if label is not None else code


@dataclass(frozen=True)
class Subject:
    type: str
    id: int | None
    label: str = ""


def user_subject(user: User) -> Subject:
    return Subject("user", user.id, user.email)


def address_hash(address: str) -> str:
    """The client address as the site stores it (see the module's note)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, (address or "").encode(), hashlib.sha256).hexdigest()


def _current_address() -> str:
    if not has_request_context():
        return ""
    return address_hash(request.remote_addr or "")


def _small(details: dict | None) -> dict:
    details = dict(details or {})
    if len(json.dumps(details, default=str)) > DETAILS_LIMIT:
        return {"truncated": True}
    return json.loads(json.dumps(details, default=str))


def record(
    action: str,
    *,
    actor: User | None = None,
    subject: Subject | User | None = None,
    details: dict | None = None,
    commit: bool = False,
    at: datetime | None = None,
) -> AuditEvent:
    """Add an event to the session (committed with the caller's change, or now with
    ``commit=True``). ``action`` must be registered."""
    if action not in ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}")
    if isinstance(subject, User):
        subject = user_subject(subject)
    event = AuditEvent(
        at=at or utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_email=(actor.email if actor is not None else "")[:254],
        action=action,
        subject_type=subject.type if subject else "",
        subject_id=subject.id if subject else None,
        subject_label=(subject.label if subject else "")[:300],
        details=_small(details),
        ip_hash=_current_address(),
    )
    db.session.add(event)
    if commit:
        db.session.commit()
    return event


def record_after_commit(action: str, **kwargs) -> None:
    """For signal receivers: record and commit on its own; a failure is logged, never raised
    (the change it describes is already committed)."""
    try:
        record(action, commit=True, **kwargs)
    except Exception:
        db.session.rollback()
        log.exception("could not record audit event %s", action)


def receiver(function: Callable) -> Callable:
    """Wrap a signal receiver so an error in it is logged and rolled back."""

    def wrapped(sender, **kwargs):
        try:
            function(sender, **kwargs)
        except Exception:
            db.session.rollback()
            log.exception("audit receiver %s failed", function.__name__)

    wrapped.__name__ = function.__name__
    return wrapped


def events_query(
    *,
    action: str = "",
    actor: str = "",
    subject_type: str = "",
    subject_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Events newest first, filtered; ``actor`` matches an id or part of the e-mail snapshot."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    actor = (actor or "").strip()[:254]
    if actor:
        if actor.isascii() and actor.isdigit() and len(actor) < 10:
            query = query.where(AuditEvent.actor_id == int(actor))
        else:
            query = query.where(AuditEvent.actor_email.contains(actor.lower(), autoescape=True))
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def events_about(user: User) -> list[AuditEvent]:
    """Every event where ``user`` is the actor or the subject (for the personal-data export)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.actor_id == user.id,
                    (AuditEvent.subject_type == "user") & (AuditEvent.subject_id == user.id),
                )
            )
            .order_by(AuditEvent.id)
        )
    )


def as_row(event: AuditEvent) -> list:
    return [
        event.at.isoformat(),
        event.action,
        action_label(event.action),
        event.actor_id if event.actor_id is not None else "",
        event.actor_email,
        event.subject_type,
        event.subject_id if event.subject_id is not None else "",
        event.subject_label,
        json.dumps(event.details, ensure_ascii=False, sort_keys=True),
        event.ip_hash,
    ]


CSV_HEADER = [
    "at_utc",
    "action",
    "action_label",
    "actor_id",
    "actor_email",
    "subject_type",
    "subject_id",
    "subject_label",
    "details",
    "ip_hash",
]

# --- the core's own actions -------------------------------------------------------------
LOGIN = register_action("auth.login", _l("Logged in"))
LOGIN_FAILED = register_action("auth.login_failed", _l("Login failed"))
LOGOUT = register_action("auth.logout", _l("Logged out"))
ROLE_CHANGED = register_action("account.role_changed", _l("Role changed"))
ACTIVATED = register_action("account.activated", _l("Account activated"))
DEACTIVATED = register_action("account.deactivated", _l("Account deactivated"))
EMAIL_CHANGED = register_action("account.email_changed", _l("E-mail address changed"))
EMAIL_CHANGE_REQUESTED = register_action(
    "account.email_change_requested", _l("E-mail change requested (waits for the link)")
)
ACCOUNT_CREATED = register_action("account.created", _l("Account created by an administrator"))
DETAILS_CHANGED = register_action(
    "account.details_changed", _l("Name or language changed by an administrator")
)
PASSWORD_CHANGED = register_action("password.changed", _l("Password changed"))
RESET_LINK_CREATED = register_action(
    "password.reset_link_created", _l("Password link created by an administrator")
)
RESET_REQUESTED = register_action("password.reset_requested", _l("Password reset requested"))
RESET_COMPLETED = register_action("password.reset_completed", _l("Password reset completed"))
DATA_EXPORTED = register_action("account.data_exported", _l("Personal data downloaded"))
ACCOUNT_DELETED = register_action("account.deleted", _l("Account deleted"))
SETTINGS_CHANGED = register_action("settings.changed", _l("Site settings changed"))
