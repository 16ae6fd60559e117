"""Configuration: environment variables, production guards, SQLite pragmas."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from config import (
    DEV_SECRET_KEY,
    ConfigurationError,
    DevelopmentConfig,
    ProductionConfig,
    load_config,
    normalise_database_url,
)
from lms import create_app
from lms.extensions import db

GOOD_PRODUCTION = {
    "LMS_SECRET_KEY": "a-very-long-random-secret-key-for-production-use",
    "LMS_DATABASE_URL": "postgresql://lms@db.internal/lms",
    "LMS_RATELIMIT_STORAGE_URI": "redis://cache:6379/0",
    "LMS_PUBLIC_URL": "https://academy.example.kz",
}


def test_production_refuses_the_development_secret_key():
    with pytest.raises(ConfigurationError, match="development secret key"):
        create_app(ProductionConfig({**GOOD_PRODUCTION, "LMS_SECRET_KEY": DEV_SECRET_KEY}))
    with pytest.raises(ConfigurationError, match="development secret key"):
        create_app(ProductionConfig({"LMS_DATABASE_URL": GOOD_PRODUCTION["LMS_DATABASE_URL"]}))


def test_production_refuses_a_short_secret_key():
    with pytest.raises(ConfigurationError, match="too short"):
        ProductionConfig({**GOOD_PRODUCTION, "LMS_SECRET_KEY": "short"}).validate()


def test_production_refuses_to_start_without_a_database_url():
    settings = {**GOOD_PRODUCTION}
    del settings["LMS_DATABASE_URL"]
    with pytest.raises(ConfigurationError, match="LMS_DATABASE_URL"):
        ProductionConfig(settings).validate()


def test_production_refuses_in_memory_rate_limits():
    settings = {**GOOD_PRODUCTION}
    del settings["LMS_RATELIMIT_STORAGE_URI"]
    with pytest.raises(ConfigurationError, match="LMS_RATELIMIT_STORAGE_URI"):
        ProductionConfig(settings).validate()


def test_a_mistyped_rate_limit_refuses_to_start():
    with pytest.raises(ConfigurationError, match="LMS_LOGIN_LIMIT_PER_IP"):
        DevelopmentConfig({"LMS_LOGIN_LIMIT_PER_IP": "60 per 15 minuets"}).validate()


def test_production_settings_from_the_environment(tmp_path):
    config = ProductionConfig(
        {
            **GOOD_PRODUCTION,
            "LMS_INSTANCE_PATH": str(tmp_path),
            "LMS_RATELIMIT_STORAGE_URI": "redis://cache:6379/0",
            "LMS_PROXY_FIX_HOPS": "1",
        }
    )
    config.validate()
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://lms@db.internal/lms"
    assert config.RATELIMIT_STORAGE_URI == "redis://cache:6379/0"
    assert config.PROXY_FIX_HOPS == 1
    assert str(tmp_path) == config.INSTANCE_PATH


def test_development_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    config = DevelopmentConfig({"LMS_INSTANCE_PATH": str(tmp_path)})
    assert f"sqlite:///{tmp_path / 'lms.sqlite3'}" == config.SQLALCHEMY_DATABASE_URI


def test_bad_numbers_and_names_are_reported_clearly(monkeypatch):
    with pytest.raises(ConfigurationError, match="whole number"):
        DevelopmentConfig({"LMS_MAX_UPLOAD_MB": "lots"})
    with pytest.raises(ConfigurationError, match="not known"):
        load_config("staging")
    with pytest.raises(ConfigurationError, match="LMS_DEFAULT_LANGUAGE"):
        DevelopmentConfig({"LMS_DEFAULT_LANGUAGE": "de"}).validate()


def test_load_config_reads_lms_config(monkeypatch):
    monkeypatch.setenv("LMS_CONFIG", "production")
    assert isinstance(load_config(), ProductionConfig)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


def test_instance_folders_are_created(app):
    from pathlib import Path

    for folder in ("uploads", "pdf", "keys"):
        assert Path(app.instance_path, folder).is_dir()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, backend):
    if backend.name != "sqlite":
        pytest.skip("SQLite pragmas only apply to the SQLite backend")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


@pytest.mark.parametrize("prefix", ["KZ-M", "ÄBC", "TOOLONGPREFIX", "KZ M"])
def test_a_certificate_prefix_must_be_short_latin(prefix):
    with pytest.raises(ConfigurationError, match="LMS_CERTIFICATE_PREFIX"):
        DevelopmentConfig({"LMS_CERTIFICATE_PREFIX": prefix}).validate()


def test_the_certificate_prefix_comes_from_the_environment():
    config = DevelopmentConfig({"LMS_CERTIFICATE_PREFIX": "MED1"})
    config.validate()
    assert config.CERTIFICATE_PREFIX == "MED1"
    assert DevelopmentConfig({}).CERTIFICATE_PREFIX == "KZM"


def test_production_needs_the_public_address_printed_on_certificates():
    settings = {**GOOD_PRODUCTION}
    del settings["LMS_PUBLIC_URL"]
    with pytest.raises(ConfigurationError, match="LMS_PUBLIC_URL"):
        ProductionConfig(settings).validate()
    ProductionConfig(GOOD_PRODUCTION).validate()


def test_file_storage_is_folder_by_default_and_a_mistyped_backend_refuses_to_start():
    assert DevelopmentConfig({}).FILE_STORAGE == "folder"
    assert DevelopmentConfig({"LMS_FILE_STORAGE": " Database "}).FILE_STORAGE == "database"
    with pytest.raises(ConfigurationError, match="LMS_FILE_STORAGE must be folder or database"):
        DevelopmentConfig({"LMS_FILE_STORAGE": "s3"}).validate()


def test_the_application_asks_once_whether_a_function_is_async(app, monkeypatch):
    """Flask asks for every view and hook on every request whether it is a coroutine
    function; lms.Application remembers the answer (the function itself, for a plain one)."""
    import flask.app

    asked = []

    def counting(func):
        asked.append(func)
        return False

    monkeypatch.setattr(flask.app, "iscoroutinefunction", counting)
    monkeypatch.setattr(app, "_callable_as_sync", {})  # the app is shared between tests

    def view():
        return "ok"

    assert app.ensure_sync(view) is view and app.ensure_sync(view) is view
    assert asked == [view]
    client = app.test_client()
    client.get("/healthz")
    hooks_and_views = len(asked)
    assert hooks_and_views > 3  # the views and hooks of the first request
    client.get("/healthz")
    assert len(asked) == hooks_and_views  # none asked again
