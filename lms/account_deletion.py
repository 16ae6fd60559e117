"""Deleting an account, by its owner (password again) or by an administrator.

What goes: the names (a placeholder), the e-mail address (a unique tombstone
``deleted-<id>@invalid``, so the address can sign up again), the pending address, the
password (an unusable hash), every login session and password link, mail opt-outs, and the
free text the person wrote, which each feature erases through ``register_erasure(fn)`` (for
example written quiz answers: the text is removed, the points a trainer gave are kept).

What stays, and why: the row itself (``deleted_at`` set, ``active`` false: sign-in is refused)
so that graded results, attendance and issued certificates keep an owner. A certificate's
signed facts are frozen at issue, with the holder's name as issued (the holder was told so at
issue): it keeps verifying with the facts it states, and its page and PDF still work. Scores
and hours stay because a certificate's integrity rests on them; free text is not needed for
that, so it is erased. The audit log is append-only and keeps what it recorded (an e-mail
address as a snapshot) as the security record of what happened.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from lms import accounts, audit, login_sessions
from lms.database import utcnow
from lms.extensions import db
from lms.models import MailOptOut, User
from lms.passwords import verify_password

ERASERS: list[Callable[[User], None]] = []
PLACEHOLDER_NAME = "Deleted user"
UNUSABLE_PASSWORD = "!deleted"  # noqa: S105  (not an argon2 hash: never verifies)


def register_erasure(fn: Callable[[User], None]) -> None:
    """``fn(user)`` erases the free text ``user`` wrote in a feature (in the session, no
    commit: the deletion commits once)."""
    if fn not in ERASERS:
        ERASERS.append(fn)


def tombstone(user: User) -> str:
    return f"deleted-{user.id}@invalid"


def delete_own_account(user: User, *, password: str) -> None:
    if not verify_password(user.password_hash, password or ""):
        raise accounts.AccountError(
            _l("The current password is not correct."), field="current_password"
        )
    delete_account(user, by=user)


def delete_account(user: User, *, by: User) -> None:
    """Erase ``user``'s personal data and block sign-in; recorded in the audit log."""
    if user.deleted_at is not None:
        raise accounts.AccountError(_l("This account is already deleted."))
    if user.is_admin and user.active:
        # The same rule as deactivation: the site keeps an active administrator.
        accounts.ensure_another_admin(user)
    old_email = user.email
    for erase in ERASERS:
        erase(user)
    login_sessions.end_all_sessions(user, commit=False)
    accounts.spend_reset_links(user)
    db.session.execute(delete(MailOptOut).where(MailOptOut.user_id == user.id))
    audit.record(
        audit.ACCOUNT_DELETED,
        actor=by,
        subject=audit.Subject("user", user.id, old_email),
        details={"by_owner": by.id == user.id},
    )
    user.email = tombstone(user)
    user.pending_email = None
    user.display_name = PLACEHOLDER_NAME
    user.full_name = PLACEHOLDER_NAME
    user.password_hash = UNUSABLE_PASSWORD
    user.active = False
    user.deleted_at = utcnow()
    db.session.commit()
