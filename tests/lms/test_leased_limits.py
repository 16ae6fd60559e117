"""The certificate lookups' per-address limit (lms.leased_limits): one Redis round trip for
all its limits, leases for an address that looks up many numbers, refusals remembered, the
budget never exceeded across instances, and memory while Redis is down."""

from __future__ import annotations

import pytest

from certificates.numbers import new_number
from lms import leased_limits
from lms.extensions import db
from tests.lms.test_outages import _browser, _production_app, redis_server  # noqa: F401


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch):
    moved = Clock()
    monkeypatch.setattr(leased_limits, "clock", moved)
    return moved


def _site(tmp_path, url: str, limit: str, prefix: str = "leases", name: str = "a"):
    app = _production_app(
        tmp_path / name, url, VERIFY_LIMIT_PER_IP=limit, RATELIMIT_KEY_PREFIX=prefix
    )
    with app.app_context():
        db.create_all()
    return app


def _lookup_url(app) -> str:
    return f"/api/v1/certificates/{new_number(app.config['CERTIFICATE_PREFIX'])}"


def _evalsha_calls(server) -> int:
    return server.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0)


def _count(server) -> int:
    keys = server.keys("LIMITS:LIMITER/leases/leased/certificate-lookups/*")
    return max((int(server.get(key)) for key in keys), default=0)


def test_one_round_trip_for_all_limits_and_a_spent_window_is_refused_here(
    tmp_path,
    redis_server,  # noqa: F811
):
    """Two limits, one script call per lookup; the headers follow the most restrictive
    limit; once refused, the address is refused without asking Redis until the window ends."""
    import redis

    app = _site(tmp_path, redis_server.url, "3 per minute; 50 per day")
    server = redis.Redis.from_url(redis_server.url)
    url = _lookup_url(app)
    with app.app_context():
        client = _browser(app)
        first = client.get(url)  # loads the script into the server
        assert first.status_code == 404
        assert first.headers["X-RateLimit-Limit"] == "3"
        server.config_resetstat()
        remaining = [client.get(url).headers["X-RateLimit-Remaining"] for _ in range(2)]
        assert _evalsha_calls(server) == 2  # two lookups, one round trip each
        limited = client.get(url)
        assert limited.status_code == 429
        assert 0 < int(limited.headers["Retry-After"]) <= 60
        assert limited.get_json()["error"]["code"] == 429
        calls = _evalsha_calls(server)
        page = client.get(url.replace("/api/v1/certificates/", "/verify/"))
        assert page.status_code == 429 and "Too many" in page.get_data(as_text=True)
        assert _evalsha_calls(server) == calls  # remembered: no round trip
        other = client.get(url, environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert other.status_code == 404  # another address has its own budget
    assert remaining == ["1", "0"]
    assert _count(server) == 3  # refusals are not counted


def test_an_address_that_looks_up_many_numbers_leases_tokens(
    tmp_path,
    redis_server,  # noqa: F811
):
    import redis

    app = _site(tmp_path, redis_server.url, "6400 per minute")
    server = redis.Redis.from_url(redis_server.url)
    url = _lookup_url(app)
    with app.app_context():
        client = _browser(app)
        client.get(url)
        server.config_resetstat()
        remaining = [int(client.get(url).headers["X-RateLimit-Remaining"]) for _ in range(300)]
    # Leases of 2, 4, ... 64 tokens, then 64 at a time: 300 lookups, 9 round trips.
    assert _evalsha_calls(server) == 9
    # Counted before they are spent: what Redis holds covers every lookup made.
    assert 301 <= _count(server) <= 301 + leased_limits.LEASE_CAP
    # The headers count down one by one, as if each lookup had been counted alone.
    assert remaining == list(range(6400 - 2, 6400 - 302, -1))


def test_a_small_limit_never_leases():
    assert leased_limits.Counter.cap(leased_limits.parse("30 per minute; 500 per day")) == 1
    assert leased_limits.Counter.cap(leased_limits.parse("64 per minute")) == 2
    assert leased_limits.Counter.cap(leased_limits.parse("10000 per minute")) == 64


def test_the_budget_holds_across_instances(
    tmp_path,
    redis_server,  # noqa: F811
):
    """Two instances (two applications on one Redis) serve one address in turn: together
    they never allow more than the limit, and refuse at most one lease early each."""
    budget = 64
    setting = f"{budget} per minute"
    a = _site(tmp_path, redis_server.url, setting, prefix="shared", name="a")
    b = _site(tmp_path, redis_server.url, setting, prefix="shared", name="b")
    url = _lookup_url(a)
    allowed = 0
    for turn in range(100):
        app = (a, b)[turn % 2]
        with app.app_context():
            status = _browser(app).get(url).status_code
        assert status in (404, 429)
        allowed += status == 404
    cap = leased_limits.Counter.cap(leased_limits.parse(setting))
    assert budget - 2 * (cap - 1) <= allowed <= budget


def test_redis_down_counts_in_memory_and_goes_back_after_a_back_off(
    tmp_path,
    redis_server,  # noqa: F811
    clock,
    caplog,
):
    import redis

    app = _site(tmp_path, redis_server.url, "3 per minute")
    url = _lookup_url(app)
    with app.app_context():
        client = _browser(app)
        assert client.get(url).status_code == 404  # counted in Redis
        redis_server.kill()
        # Down: counted here, exactly, with the same limit and a 429 past it.
        answers = [client.get(url) for _ in range(4)]
        assert [r.status_code for r in answers] == [404, 404, 404, 429]
        assert [r.headers["X-RateLimit-Remaining"] for r in answers[:3]] == ["2", "1", "0"]
        assert int(answers[3].headers["Retry-After"]) > 0
        warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(warnings) == 1  # once per outage, not once per lookup
        # Back: after the back-off and the window, counted in Redis again.
        redis_server.start()
        clock.offset += 61
        assert client.get(url).status_code == 404
        assert _count(redis.Redis.from_url(redis_server.url)) == 1


def test_memory_storage_counts_per_window(app, client, clock):
    """Development and tests count in memory: the window ends and the budget is back."""
    app.config["VERIFY_LIMIT_PER_IP"] = "2 per minute"
    url = _lookup_url(app)
    assert [client.get(url).status_code for _ in range(3)] == [404, 404, 429]
    clock.offset += 61
    assert client.get(url).status_code == 404


def test_only_the_named_methods_are_counted(app, client):
    app.config["VERIFY_LIMIT_PER_IP"] = "1 per minute"
    url = _lookup_url(app)
    for _ in range(3):
        preflight = client.options(url, headers={"Origin": "https://hr.example.kz"})
        assert preflight.status_code == 204
        assert "X-RateLimit-Limit" not in preflight.headers
    assert client.get(url).status_code == 404
    assert client.get(url).status_code == 429


def test_head_requests_are_counted_like_gets(app, client):
    """A HEAD runs the lookup too and its status says whether the number exists: it spends
    the same budget (Flask-Limiter's limit, methods=["GET"], let HEAD through uncounted)."""
    app.config["VERIFY_LIMIT_PER_IP"] = "2 per minute"
    url = _lookup_url(app)
    assert [client.head(url).status_code for _ in range(2)] == [404, 404]
    assert client.head(url).status_code == 429
    assert client.get(url).status_code == 429
