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

import time

from flask import Flask, Response, g, has_app_context
from flask.globals import request_ctx
from limits.storage import RedisStorage

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


# Counts a hit and returns the counter with its time to live, in one round trip.
INCR_WITH_TTL = """
local current = redis.call("incrby", KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


def answer_read_back_from_the_count(storage) -> None:
    """After counting a hit (one Redis round trip per limit), Flask-Limiter reads the same
    key's value and time to live back (two more round trips: GET and TTL) only to write the
    ``X-RateLimit-*`` headers. Here the count is made by a script that also returns the time
    to live, and a read of a key counted earlier in the same request is answered from that:
    a certificate lookup (two limits) costs two round trips instead of four. Reads in a
    request before its count (the check of a limit that deducts only on failure) still go to
    Redis, so an outage is noticed as before. Other storages are left as they are; errors are
    the storage's own, so Flask-Limiter's fallback to memory still applies."""
    if not isinstance(storage, RedisStorage):
        return
    script = storage.get_connection().register_script(INCR_WITH_TTL)
    read, read_expiry = storage.get, storage.get_expiry

    def counted() -> dict | None:
        return g.setdefault("_rate_limit_counts", {}) if has_app_context() else None

    def incr(key: str, expiry: int, amount: int = 1) -> int:
        current, ttl = script([storage.prefixed_key(key)], [expiry, amount])
        values = counted()
        if values is not None:
            values[key] = (int(current), max(int(ttl), 0) + time.time())
        return int(current)

    def get(key: str) -> int:
        value = (counted() or {}).get(key)
        return value[0] if value else read(key)

    def get_expiry(key: str) -> float:
        value = (counted() or {}).get(key)
        return value[1] if value else read_expiry(key)

    storage.incr, storage.get, storage.get_expiry = incr, get, get_expiry


def limits_beyond_views(extension) -> bool:
    """Whether any limit applies beyond the views' own decorators: application, default,
    blueprint or in-memory fallback limits (read from Flask-Limiter's manager; a test fails
    if a new version renames them)."""
    manager = extension.limit_manager
    return bool(
        manager._application_limits
        or manager._default_limits
        or manager._blueprint_limits
        or extension._in_memory_fallback
    )


def check_before_views_only_when_needed(app: Flask, extension) -> None:
    """Flask-Limiter checks every request before its view for application, default and
    blueprint limits, then each limited view's decorator checks that view's own. This site
    sets only the views' own, so the first check finds nothing on every page, JWKS and
    health check alike, yet costs about a tenth of a millisecond (resolving the endpoint's
    limits and exemptions). It now runs only while such limits exist; the views' decorators
    (and with them the fall-back to memory while Redis is down) work as before."""
    funcs = app.before_request_funcs.setdefault(None, [])
    for index, func in enumerate(funcs):
        if getattr(func, "__func__", None) is type(extension)._check_request_limit:
            funcs[index] = _only_when_needed(func, extension)
            return


def _only_when_needed(check, extension):
    def check_request_limit() -> None:
        if limits_beyond_views(extension):
            check()

    return check_request_limit


# Where Flask-Limiter keeps a request's state (``Limiter.context``); a test fails if a new
# version keeps it elsewhere.
LIMITER_REQUEST_STATE = "_limiter_request_context"


def after_views_only_when_counted(app: Flask, extension) -> int:
    """After every request Flask-Limiter adds the ``X-RateLimit-*`` headers of the limits it
    checked and then resets its state for the request; on the many requests it never saw
    (pages, the keys, static files) both steps first create that state, to find nothing.
    They now run only on requests whose limits were checked, where the state exists. Returns
    how many of its hooks were found (two; a test fails if a new version renames them)."""
    cls = type(extension)
    inject = getattr(cls, "_Limiter__inject_headers", None)
    release = getattr(cls, "_Limiter__release_context", None)
    found = 0
    after = app.after_request_funcs.setdefault(None, [])
    for index, func in enumerate(after):
        if inject is not None and getattr(func, "func", None) is inject:
            after[index] = _headers_when_counted(func)
            found += 1
    teardown = app.teardown_request_funcs.setdefault(None, [])
    for index, func in enumerate(teardown):
        if release is not None and getattr(func, "__func__", None) is release:
            teardown[index] = _release_when_counted(func)
            found += 1
    return found


def _counted() -> bool:
    return getattr(request_ctx, LIMITER_REQUEST_STATE, None) is not None


def _headers_when_counted(inject):
    def inject_headers(response: Response) -> Response:
        return inject(response) if _counted() else response

    return inject_headers


def _release_when_counted(release):
    def release_context(exc: BaseException | None = None) -> None:
        if _counted():
            release(exc)

    return release_context


def init_app(app: Flask) -> None:
    options = storage_options(app)
    if options and "RATELIMIT_STORAGE_OPTIONS" not in app.config:
        app.config["RATELIMIT_STORAGE_OPTIONS"] = options
    app.after_request(_keep_own_retry_after)
    limiter.init_app(app)
    check_before_views_only_when_needed(app, limiter)
    after_views_only_when_counted(app, limiter)
    answer_read_back_from_the_count(limiter.storage)
