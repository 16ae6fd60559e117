"""The core of the platform and its composition root, ``create_app``."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import Config, ConfigurationError, load_config

__all__ = ["ConfigurationError", "create_app"]


def _database_options(config: Config) -> None:
    uri = config.SQLALCHEMY_DATABASE_URI
    if uri.startswith("sqlite"):
        options = dict(config.SQLALCHEMY_ENGINE_OPTIONS)
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("timeout", config.SQLITE_BUSY_TIMEOUT_MS / 1000)
        options["connect_args"] = connect_args
        config.SQLALCHEMY_ENGINE_OPTIONS = options


def create_app(config: Config | str | None = None) -> Flask:
    """Build the application: the only place that knows every feature package."""
    if config is None or isinstance(config, str):
        config = load_config(config)
    config.validate()
    _database_options(config)

    app = Flask(__name__, instance_path=config.INSTANCE_PATH)
    app.config.from_object(config)
    for folder in ("", "uploads", "pdf", "keys"):
        Path(app.instance_path, folder).mkdir(parents=True, exist_ok=True)

    from lms import core

    core.init_app(app)

    import assessments
    import certificates
    import courses
    import quizzes
    import seminars

    for feature in (courses, seminars, quizzes, assessments, certificates):
        feature.init_app(app)
    return app
