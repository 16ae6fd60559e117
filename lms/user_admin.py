"""Administrators create and edit accounts (the users' pages under /admin/users).

* **Creating**: the administrator gives the e-mail address, both names, the role and the
  language; nobody chooses a password for someone else. The account starts with an unusable
  password and a set-password link (an ordinary reset link, ``lms/password_reset.py``) is
  mailed to it in its language (kind ``account_created``, a security kind that always goes).
  The address counts as confirmed: an administrator vouches for it, as for ``flask
  create-user``. If the link expires, "Forgot your password?" sends a new one.
* **Editing** names and language (``update_details``), role and active flag
  (``lms.accounts.set_role`` / ``set_active``, which keep an active administrator), and the
  e-mail address (``lms.email_confirmation.request_change_by_admin``, or
  ``accounts.set_email`` at once). Each change is an audit event with who made it and what
  it was before and after. A deleted account is never edited (``accounts.ensure_not_deleted``).
"""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms import accounts, audit, mail, password_reset
from lms.database import utcnow
from lms.extensions import db
from lms.models import Role, User

KIND = "account_created"


def unusable_password() -> str:
    """Not an argon2 hash: never verifies, so nobody logs in before setting a password."""
    return "!unusable:" + secrets.token_hex(16)


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise accounts.AccountError(_l("Choose one of the offered roles."), field="role") from None


def create_user(
    by: User,
    *,
    email: str,
    display_name: str,
    full_name: str,
    role: Role | str,
    language: str,
) -> User:
    """A new account made by the administrator ``by``; it is mailed a set-password link.
    Refused with ``AccountError`` (beside the field at fault) for a bad or taken address."""
    address = accounts.normalise_email(email)
    user = User(
        email=address,
        display_name=accounts.clean_display_name(display_name),
        full_name=accounts.clean_full_name(full_name),
        password_hash=unusable_password(),
        role=_role(role).value,
        language=accounts.check_language(language),
        active=True,
        email_confirmed_at=utcnow(),
    )
    if accounts.email_taken(address):
        raise accounts.AccountError(accounts.EMAIL_TAKEN, field="email")
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # taken a moment ago by another request
        db.session.rollback()
        raise accounts.AccountError(accounts.EMAIL_TAKEN, field="email") from None
    audit.record(
        audit.ACCOUNT_CREATED,
        actor=by,
        subject=user,
        details={"role": user.role, "language": user.language},
    )
    token = password_reset.create_reset_token(user, created_by=by, commit=False)
    mail.send_mail(
        user,
        KIND,
        "account_created",
        subject=_l("Your account: choose a password"),
        user=user,
        reset_url=mail.absolute_url("auth.reset_password", token=token),
        forgot_url=mail.absolute_url("auth.forgot"),
        hours=current_app.config["PASSWORD_RESET_HOURS"],
    )
    db.session.commit()
    return user


DETAIL_FIELDS = ("display_name", "full_name", "language")


def update_details(by: User, user: User, *, display_name: str, full_name: str, language: str):
    """Change ``user``'s names and language; returns the names of the fields that changed
    (recorded, before and after, in one audit event). Nothing changes if one is refused."""
    accounts.ensure_not_deleted(user)
    wanted = {
        "display_name": accounts.clean_display_name(display_name),
        "full_name": accounts.clean_full_name(full_name),
        "language": accounts.check_language(language),
    }
    changes = {
        name: {"from": getattr(user, name), "to": value}
        for name, value in wanted.items()
        if getattr(user, name) != value
    }
    if not changes:
        return []
    for name, change in changes.items():
        setattr(user, name, change["to"])
    audit.record(audit.DETAILS_CHANGED, actor=by, subject=user, details=changes)
    db.session.commit()
    return list(changes)
