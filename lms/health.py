"""The health check: each dependency named, with whether the site can work without it.

``/healthz`` answers 200 while every *required* dependency is up ("ok", or "degraded" when
an optional one is down but has a fallback) and 503 when a required one is down. The core
registers the database (required) and, when limits are counted in Redis, the rate-limit
storage (optional: limits fall back to per-process memory). Features add their own with
``add_health_check`` (e.g. a job queue).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import text

from lms import rate_limits
from lms.extensions import db

HEALTH_KEY = "lms.health_checks"


@dataclass(frozen=True)
class HealthCheck:
    name: str
    check: Callable[[], bool]  # True when the dependency answers; may raise
    required: bool
    fallback: str = ""  # what the site does without it, for an optional dependency


def add_health_check(
    app: Flask, name: str, check: Callable[[], bool], *, required: bool, fallback: str = ""
) -> None:
    app.extensions.setdefault(HEALTH_KEY, []).append(HealthCheck(name, check, required, fallback))


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    finally:
        db.session.rollback()  # nothing to keep, and a failed connection must not linger


def _run(check: HealthCheck) -> bool:
    try:
        return bool(check.check())
    except Exception:  # any failure means "down"; the log says why
        current_app.logger.warning("health check %s failed", check.name, exc_info=True)
        return False


def report() -> tuple[dict, int]:
    """The health document and its HTTP status (200 or 503)."""
    dependencies = {}
    overall = "ok"
    for check in current_app.extensions.get(HEALTH_KEY, []):
        up = _run(check)
        entry: dict = {"status": "ok" if up else "down", "required": check.required}
        if not up and check.fallback:
            entry["fallback"] = check.fallback
        dependencies[check.name] = entry
        if not up and check.required:
            overall = "unavailable"
        elif not up and overall == "ok":
            overall = "degraded"
    code = 503 if overall == "unavailable" else 200
    return {"status": overall, "dependencies": dependencies}, code


def init_app(app: Flask) -> None:
    add_health_check(app, "database", _database_answers, required=True)
    if rate_limits.uses_shared_storage(app):
        add_health_check(
            app,
            "rate_limit_storage",
            rate_limits.storage_is_up,
            required=False,
            fallback="per-process memory",
        )
