"""Rate-limit storage: shared Redis in production, per-process memory while Redis is down.

Flask-Limiter counts in the storage named by ``RATELIMIT_STORAGE_URI``. When that storage
cannot be reached, ``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED`` (set in ``config.Config``) makes
it count in this process's memory with the same limits instead of failing the request, and
it goes back to the storage once a check finds it answering again (Flask-Limiter retries with
a back-off of at most 32 seconds, on the next rate-limited request). ``RATELIMIT_SWALLOW_ERRORS``
covers the moment between the two: an error while counting is logged, never a 500.

During an outage every worker process counts alone, so the login limits hold per process:
weaker (with N workers an attacker gets up to N times the budget), but still on.
"""

from __future__ import annotations

from flask import Flask, Response, g

from lms.extensions import limiter

REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")


def uses_shared_storage(app: Flask) -> bool:
    """True when limits are counted outside the process (Redis), so it can be down."""
    return not app.config["RATELIMIT_STORAGE_URI"].startswith("memory://")


def storage_options(app: Flask) -> dict:
    """Short timeouts and a single retry, so a Redis that is down costs milliseconds, not
    the client's default of ten retries."""
    if not app.config["RATELIMIT_STORAGE_URI"].startswith(REDIS_SCHEMES):
        return {}
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    seconds = app.config["REDIS_TIMEOUT_MS"] / 1000
    return {
        "socket_connect_timeout": seconds,
        "socket_timeout": seconds,
        "retry": Retry(NoBackoff(), 1),
    }


def storage_is_up() -> bool:
    """Whether the configured storage answers now (a Redis PING); memory always does."""
    return bool(limiter.storage.check())


def _keep_own_retry_after(response: Response) -> Response:
    """Flask-Limiter sets Retry-After on every rate-limited response to the end of its
    window; a 503 (lms.errors) keeps the Retry-After it chose. Registered before the limiter,
    so it runs after the limiter's own hook."""
    retry_after = g.get("retry_after")
    if retry_after is not None and response.status_code == 503:
        response.headers["Retry-After"] = retry_after
    return response


def init_app(app: Flask) -> None:
    options = storage_options(app)
    if options and "RATELIMIT_STORAGE_OPTIONS" not in app.config:
        app.config["RATELIMIT_STORAGE_OPTIONS"] = options
    app.after_request(_keep_own_retry_after)
    limiter.init_app(app)
