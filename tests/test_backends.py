"""The real services the production path uses: reachable when their variables are set."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from config import normalise_database_url
from tests.conftest import PG_SKIP_REASON, REDIS_SKIP_REASON


def test_postgresql_is_reachable_for_the_suite():
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP_REASON)
    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    assert int(version.split(".")[0]) >= 13
    assert engine.dialect.driver == "psycopg"


def test_redis_is_reachable_for_the_suite():
    url = os.environ.get("LMS_TEST_REDIS_URL")
    if not url:
        pytest.skip(REDIS_SKIP_REASON)
    import redis

    client = redis.Redis.from_url(url)
    try:
        assert client.ping() is True
    finally:
        client.close()
