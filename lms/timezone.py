"""The site's time zone (``BABEL_DEFAULT_TIMEZONE``): the one place that turns the wall-clock
times people type and read into the aware UTC datetimes the database stores, and back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def site_today(now: datetime | None = None) -> date:
    """Today's date in the site's time zone (certificates are dated as people there see it)."""
    zone = site_zone()
    return (now or datetime.now(zone)).astimezone(zone).date()


def to_utc(local: datetime | None) -> datetime | None:
    """A wall-clock time typed in the site's time zone, as an aware UTC datetime."""
    if local is None:
        return None
    return local.replace(tzinfo=site_zone()).astimezone(UTC)


def to_local(moment: datetime | None) -> datetime | None:
    """An aware datetime as the naive wall-clock time of the site's zone (for form fields)."""
    if moment is None:
        return None
    return moment.astimezone(site_zone()).replace(tzinfo=None)
