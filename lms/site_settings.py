"""Settings an administrator changes at run time; the configuration gives their defaults."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms.database import utcnow
from lms.extensions import db
from lms.models import SiteSetting

SIGNUP_OPEN = "signup_open"
EMAIL_CONFIRMATION_REQUIRED = "email_confirmation_required"


def _get(key: str) -> str | None:
    return db.session.scalar(select(SiteSetting.value).where(SiteSetting.key == key))


def _set(key: str, value: str) -> None:
    changed = db.session.execute(
        update(SiteSetting).where(SiteSetting.key == key).values(value=value, updated_at=utcnow())
    ).rowcount
    if not changed:
        db.session.add(SiteSetting(key=key, value=value))
        try:
            db.session.commit()
        except IntegrityError:  # another request created it a moment ago: update that row
            db.session.rollback()
            db.session.execute(
                update(SiteSetting)
                .where(SiteSetting.key == key)
                .values(value=value, updated_at=utcnow())
            )
    db.session.commit()


def _flag(key: str, default_setting: str) -> bool:
    value = _get(key)
    if value is None:
        return bool(current_app.config[default_setting])
    return value == "1"


def signup_open() -> bool:
    return _flag(SIGNUP_OPEN, "SIGNUP_OPEN")


def set_signup_open(is_open: bool) -> None:
    _set(SIGNUP_OPEN, "1" if is_open else "0")


def email_confirmation_required() -> bool:
    """Whether a self-signed-up account must confirm its address before it can log in."""
    return _flag(EMAIL_CONFIRMATION_REQUIRED, "REQUIRE_EMAIL_CONFIRMATION")


def set_email_confirmation_required(required: bool) -> None:
    _set(EMAIL_CONFIRMATION_REQUIRED, "1" if required else "0")
