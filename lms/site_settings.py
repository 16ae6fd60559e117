"""Settings an administrator changes at run time; the configuration gives their defaults."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms.database import utcnow
from lms.extensions import db
from lms.models import SiteSetting

SIGNUP_OPEN = "signup_open"


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


def signup_open() -> bool:
    value = _get(SIGNUP_OPEN)
    if value is None:
        return bool(current_app.config["SIGNUP_OPEN"])
    return value == "1"


def set_signup_open(is_open: bool) -> None:
    _set(SIGNUP_OPEN, "1" if is_open else "0")
