"""Single-use, expiring password-reset links that an administrator generates and passes on."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from lms import audit
from lms.accounts import check_new_password, set_password, spend_reset_links
from lms.database import utcnow
from lms.extensions import db
from lms.models import PasswordResetToken, User
from lms.tokens import new_token, token_hash


def create_reset_token(user: User, *, created_by: User | None, commit: bool = True) -> str:
    """A new link token for ``user``; any earlier unused link of theirs stops working."""
    now = utcnow()
    spend_reset_links(user)
    token = new_token()
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=token_hash(token),
            created_by_id=created_by.id if created_by else None,
            expires_at=now + timedelta(hours=current_app.config["PASSWORD_RESET_HOURS"]),
        )
    )
    audit.record(
        audit.RESET_LINK_CREATED if created_by is not None else audit.RESET_REQUESTED,
        actor=created_by,
        subject=user,
    )
    if commit:
        db.session.commit()
    return token


def find_valid_reset(token: str) -> PasswordResetToken | None:
    if not token or len(token) > 100:
        return None
    reset = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    if not reset.user.active:
        return None
    return reset


def use_reset_token(reset: PasswordResetToken, new_password: str) -> User:
    """Set the new password, spend the link and end every session of the user."""
    user = reset.user
    check_new_password(new_password, user.email, (user.display_name, user.full_name))
    # Spend the link in the same statement that checks it, so two submissions cannot both win.
    spent = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == reset.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if spent != 1:
        db.session.rollback()
        raise LookupError("reset link already used")
    audit.record(audit.RESET_COMPLETED, actor=user, subject=user)
    set_password(user, new_password, keep_session=None)
    return user
