"""Settings an administrator changes at run time; the configuration gives their defaults."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from lms.extensions import db
from lms.models import SiteSetting

SIGNUP_OPEN = "signup_open"


def _get(key: str) -> str | None:
    return db.session.scalar(select(SiteSetting.value).where(SiteSetting.key == key))


def _set(key: str, value: str) -> None:
    setting = db.session.scalar(select(SiteSetting).where(SiteSetting.key == key))
    if setting is None:
        db.session.add(SiteSetting(key=key, value=value))
    else:
        setting.value = value
    db.session.commit()


def signup_open() -> bool:
    value = _get(SIGNUP_OPEN)
    if value is None:
        return bool(current_app.config["SIGNUP_OPEN"])
    return value == "1"


def set_signup_open(is_open: bool) -> None:
    _set(SIGNUP_OPEN, "1" if is_open else "0")
