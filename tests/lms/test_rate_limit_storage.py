"""Login throttling on Redis, the production storage: limits hold across app processes."""

from __future__ import annotations

import os
import uuid

import pytest

from config import TestingConfig
from lms import create_app
from lms.extensions import db, limiter
from tests.conftest import REDIS_SKIP_REASON, Client


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
