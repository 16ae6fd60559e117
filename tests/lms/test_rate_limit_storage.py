"""Login throttling on Redis, the production storage: limits hold across app processes."""

from __future__ import annotations

import os
import uuid

import pytest

from config import TestingConfig
from lms import create_app
from lms.extensions import db, limiter
from tests.conftest import REDIS_SKIP_REASON, Client
from tests.lms.test_outages import redis_server  # noqa: F401  (fixture)


@pytest.fixture
def redis_url():
    url = os.environ.get("LMS_TEST_REDIS_URL")
    if not url:
        pytest.skip(REDIS_SKIP_REASON)
    return url


def test_limits_are_shared_through_redis(tmp_path, redis_url):
    import redis

    email = f"{uuid.uuid4().hex}@example.kz"

    def worker(name: str):
        app = create_app(
            TestingConfig(
                instance_path=str(tmp_path / name),
                RATELIMIT_STORAGE_URI=redis_url,
                LOGIN_LIMIT_PER_ACCOUNT="2 per minute",
                LOGIN_LIMIT_PER_IP="1000 per minute",
            )
        )
        app.test_client_class = Client
        with app.app_context():
            db.create_all()
        return app

    first, second = worker("one"), worker("two")
    try:
        with first.app_context():
            client = first.test_client()
            for _ in range(2):
                assert client.login(email, "wrong password!").status_code == 200
        # A second process (another gunicorn worker) sees the same count through Redis.
        with second.app_context():
            client = second.test_client()
            assert client.login(email, "wrong password!").status_code == 429
        keys = redis.Redis.from_url(redis_url).keys(f"*{email}*")
        assert keys, "the limiter wrote nothing to Redis"
    finally:
        limiter.reset()  # clears the limiter's keys in the test database


def test_the_check_before_views_runs_only_when_limits_beyond_views_exist(app, monkeypatch):
    """Only views carry limits here, so Flask-Limiter's check before every view is skipped
    (lms.rate_limits); a default limit, were one configured, is still enforced."""
    from flask_limiter import Limit
    from flask_limiter.util import get_remote_address

    from lms.rate_limits import limits_beyond_views

    assert not limits_beyond_views(limiter)  # and the attributes it reads still exist
    client = app.test_client()
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]

    default = Limit(limit_provider="2 per minute", key_function=get_remote_address).bind(limiter)
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [default])
    try:
        assert limits_beyond_views(limiter)
        statuses = [
            client.get("/healthz", environ_base={"REMOTE_ADDR": "192.0.2.77"}).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
    finally:
        limiter.reset()


def test_the_limiter_hooks_after_requests_are_found_and_wrapped():
    """The two hooks Flask-Limiter registers after every request are found by name: a new
    version that renames them fails here (they would run unwrapped, costing time only)."""
    from flask import Flask
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    from lms.rate_limits import after_views_only_when_counted

    app = Flask(__name__)
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    extension = Limiter(get_remote_address, app=app, storage_uri="memory://")

    @app.get("/limited")
    @extension.limit("2 per minute")
    def limited():
        return "ok"

    @app.get("/open")
    def open_page():
        return "ok"

    assert after_views_only_when_counted(app, extension) == 2
    assert after_views_only_when_counted(app, extension) == 0  # already wrapped
    client = app.test_client()
    assert [client.get("/limited").headers["X-RateLimit-Remaining"] for _ in "ab"] == ["1", "0"]
    assert "X-RateLimit-Remaining" not in client.get("/open").headers
    assert client.get("/limited").status_code == 429
