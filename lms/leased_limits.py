"""A per-address rate limit for hot public reads, counted in Redis in leases.

The certificate lookups (page, API, credential) share one budget per address, for example
"30 per minute; 500 per day". Flask-Limiter counted them with one Redis round trip per limit
and a good deal of its own work around each: about a third of a lookup's time. This limit
does the same job with one round trip for all of its limits, and fewer still for an address
that looks up many numbers:

- **One script, every limit.** A Lua script takes ``want`` tokens from every limit's fixed
  window at once (no more than the smallest of what each has left), starts a window's time
  to live on its first count, and answers with what it granted and each window's count and
  time to live. An address whose budget is spent is refused without counting.
- **Leases.** What is granted beyond the request itself is kept in this process and spent by
  that address's next requests, until the first of its windows ends. The first request of
  an address takes one token; each time a lease is spent within its windows the next is
  twice as large, up to ``LEASE_CAP`` and never more than a thirty-second of the smallest
  limit (a "30 per minute" limit never leases). The budget is never exceeded across
  instances: a token is counted in Redis before it is spent. What leasing costs is the
  other way round: another instance may refuse an address up to ``lease - 1`` requests early
  per instance holding a lease for it.
- **Refusals are remembered.** A fixed window that is spent stays spent until it ends,
  whatever any instance does, so a refused address is refused here without asking Redis
  until then.
- **Redis down.** Counting falls back to this process's memory (exact, like Flask-Limiter's
  fallback: with N processes an address gets up to N times the budget) and goes back to
  Redis after a back-off of 1 to 32 seconds. An error is logged once per outage, never a 500.
- **Memory storage** (``RATELIMIT_STORAGE_URI=memory://``, development and tests) counts in
  this process only.

A response carries ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` of the limit with the
least left, and a refusal (429, in the visitor's language, JSON under ``/api/``) carries
``Retry-After``. Keys live under Flask-Limiter's prefix, so ``limiter.reset()`` clears them.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache, wraps

from flask import Flask, current_app, make_response, request
from limits import parse_many

from lms.errors import error_response
from lms.rate_limits import REDIS_SCHEMES, storage_options

log = logging.getLogger(__name__)

LEASE_CAP = 64
LEASE_SHARE = 32  # a lease is at most 1/LEASE_SHARE of the smallest limit
BACKOFF_MAX_SECONDS = 32
MAX_ENTRIES = 20_000  # addresses remembered per process; expired ones are dropped first
EXTENSION = "leased_limits"

# KEYS: one window per limit. ARGV: want, then amount and seconds per limit.
# Returns granted, then count and time to live per limit.
TAKE = """
local grant = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
    local left = tonumber(ARGV[2 * i]) - tonumber(redis.call("get", key) or "0")
    if left < grant then grant = left end
end
if grant < 0 then grant = 0 end
local answer = {grant}
for i, key in ipairs(KEYS) do
    local seconds = tonumber(ARGV[2 * i + 1])
    local count
    if grant > 0 then
        count = redis.call("incrby", key, grant)
    else
        count = tonumber(redis.call("get", key) or "0")
    end
    local ttl = redis.call("ttl", key)
    if ttl == -1 and count > 0 then
        redis.call("expire", key, seconds)
        ttl = seconds
    elseif ttl < 0 then
        ttl = seconds
    end
    answer[#answer + 1] = count
    answer[#answer + 1] = ttl
end
return answer
"""


def clock() -> float:
    """The time the windows are measured in (a test moves it on)."""
    return time.time()


@lru_cache(maxsize=32)
def parse(setting: str) -> tuple[tuple[int, int], ...]:
    """'30 per minute; 500 per day' -> ((30, 60), (500, 86400))."""
    return tuple((item.amount, item.get_expiry()) for item in parse_many(setting))


@dataclass
class Window:
    amount: int
    count: int  # counted in the storage when last asked, leases included
    resets_at: float


@dataclass
class Lease:
    left: int  # tokens this process may still spend
    size: int  # the size of the last lease taken
    windows: list[Window] = field(default_factory=list)
    refused: bool = False

    @property
    def ends_at(self) -> float:
        return min(window.resets_at for window in self.windows)

    def headers(self) -> dict[str, str]:
        tightest = min(self.windows, key=lambda w: (w.amount - w.count, w.resets_at))
        remaining = max(0, tightest.amount - tightest.count) + self.left
        return {
            "X-RateLimit-Limit": str(tightest.amount),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(tightest.resets_at)),
        }

    def retry_after(self, now: float) -> int:
        spent = [w.resets_at for w in self.windows if w.count >= w.amount] or [self.ends_at]
        return max(1, int(max(spent) - now + 0.999))


class Counter:
    """One application's counts: its Redis client (or none), the leases it holds, its
    memory counts while Redis is down."""

    def __init__(self, app: Flask) -> None:
        uri = app.config["RATELIMIT_STORAGE_URI"]
        self.prefix = f"LIMITS:LIMITER/{app.config.get('RATELIMIT_KEY_PREFIX', '')}/leased"
        self.redis = None
        if uri.startswith(REDIS_SCHEMES):
            import redis

            self.redis = redis.Redis.from_url(uri, **storage_options(app))
            self.script = self.redis.register_script(TAKE)
        self.leases: dict[tuple, Lease] = {}
        self.memory: dict[tuple, list] = {}  # key -> [count, resets_at] while counting here
        self.down_until = 0.0
        self.failures = 0
        self.lock = threading.Lock()

    def reset(self) -> None:
        """Forget every count: this process's and, on Redis, the stored windows."""
        with self.lock:
            self.leases.clear()
            self.memory.clear()
        if self.redis is not None:
            keys = list(self.redis.scan_iter(match=f"{self.prefix}/*", count=1000))
            if keys:
                self.redis.delete(*keys)

    # -- spending -----------------------------------------------------------------------

    def take(self, scope: str, address: str, limits: tuple[tuple[int, int], ...]) -> Lease:
        """Spend one token of ``address``'s budget in ``scope``; the lease says whether it
        was refused and what the headers say."""
        now = clock()
        key = (scope, address, limits)
        with self.lock:
            lease = self.leases.get(key)
            if lease is not None and lease.ends_at <= now:
                lease = None
            if lease is not None and lease.refused:
                return lease
            if lease is not None and lease.left > 0:
                lease.left -= 1
                return lease
            size = 1 if lease is None else min(2 * lease.size, self.cap(limits))
        fresh = self.ask(scope, address, limits, size, now)
        with self.lock:
            if len(self.leases) >= MAX_ENTRIES:
                self.forget_expired(now)
            self.leases[key] = fresh
        return fresh

    @staticmethod
    def cap(limits: tuple[tuple[int, int], ...]) -> int:
        return max(1, min(LEASE_CAP, min(amount for amount, _ in limits) // LEASE_SHARE))

    def ask(self, scope, address, limits, want: int, now: float) -> Lease:
        if self.redis is not None and now >= self.down_until:
            try:
                return self.ask_redis(scope, address, limits, want, now)
            except Exception as error:  # any failure of the storage: count here instead
                self.storage_failed(error, now)
        return self.ask_memory(scope, address, limits, now)

    def ask_redis(self, scope, address, limits, want: int, now: float) -> Lease:
        keys = [f"{self.prefix}/{scope}/{address}/{amount}/{seconds}" for amount, seconds in limits]
        arguments = [want]
        for amount, seconds in limits:
            arguments += [amount, seconds]
        answer = [int(value) for value in self.script(keys, arguments)]
        if self.failures:
            log.warning("rate-limit storage answers again: lookups are counted there")
            self.failures = 0
            self.memory.clear()
        granted = answer[0]
        windows = [
            Window(amount, answer[1 + 2 * i], now + answer[2 + 2 * i])
            for i, (amount, _) in enumerate(limits)
        ]
        return Lease(
            left=max(granted - 1, 0), size=max(want, 1), windows=windows, refused=not granted
        )

    def ask_memory(self, scope, address, limits, now: float) -> Lease:
        windows = []
        with self.lock:
            counts = []
            for amount, seconds in limits:
                entry = self.memory.get((scope, address, amount, seconds))
                if entry is None or entry[1] <= now:
                    if len(self.memory) >= MAX_ENTRIES:
                        self.memory = {k: v for k, v in self.memory.items() if v[1] > now}
                    entry = self.memory[(scope, address, amount, seconds)] = [0, now + seconds]
                counts.append((amount, entry))
            refused = any(entry[0] >= amount for amount, entry in counts)
            for amount, entry in counts:
                if not refused:
                    entry[0] += 1
                windows.append(Window(amount, entry[0], entry[1]))
        return Lease(left=0, size=1, windows=windows, refused=refused)

    def storage_failed(self, error: Exception, now: float) -> None:
        self.failures += 1
        if self.failures == 1:
            log.warning(
                "rate-limit storage unreachable, counting lookups in this process: %s", error
            )
        self.down_until = now + min(BACKOFF_MAX_SECONDS, 2 ** (self.failures - 1))

    def forget_expired(self, now: float) -> None:
        self.leases = {k: v for k, v in self.leases.items() if v.ends_at > now}
        if len(self.leases) >= MAX_ENTRIES:  # all current: start again (leases only help)
            self.leases.clear()


class LeasedLimit:
    """A view decorator: ``setting`` names the configuration key of the limits, ``scope``
    the budget shared by every view it decorates; requests of other methods are not counted.
    HEAD is counted with GET: it runs the same view and its status alone tells whether a
    number exists."""

    def __init__(
        self, setting: str, scope: str, methods: tuple[str, ...] = ("GET", "HEAD")
    ) -> None:
        self.setting, self.scope, self.methods = setting, scope, methods

    def __call__(self, view):
        @wraps(view)
        def limited(*args, **kwargs):
            if request.method not in self.methods:
                return view(*args, **kwargs)
            counter: Counter = current_app.extensions[EXTENSION]
            limits = parse(current_app.config[self.setting])
            lease = counter.take(self.scope, request.remote_addr or "", limits)
            if lease.refused:
                seconds = str(lease.retry_after(clock()))
                response = make_response(error_response(429, headers={"Retry-After": seconds}))
            else:
                response = make_response(view(*args, **kwargs))
            response.headers.update(lease.headers())
            return response

        return limited


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Counter(app)


def reset(app: Flask) -> None:
    app.extensions[EXTENSION].reset()
