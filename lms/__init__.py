"""The core of the platform and its composition root, ``create_app``."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import Config, ConfigurationError, load_config
from lms import schema_migrations

__all__ = ["ConfigurationError", "create_app"]


def _database_options(config: Config) -> None:
    uri = config.SQLALCHEMY_DATABASE_URI
    if uri.startswith("sqlite"):
        options = dict(config.SQLALCHEMY_ENGINE_OPTIONS)
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("timeout", config.SQLITE_BUSY_TIMEOUT_MS / 1000)
        options["connect_args"] = connect_args
        config.SQLALCHEMY_ENGINE_OPTIONS = options


class Application(Flask):
    """Flask, remembering which of its views and hooks are plain functions: Flask asks
    (``inspect.iscoroutinefunction``) for each of them on every request, a dozen times a
    page. The answer for a function never changes. Its command group loads Flask-Migrate only
    for ``flask db`` (``lms.schema_migrations``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._callable_as_sync: dict = {}
        self.cli = schema_migrations.Commands(self.name)

    def ensure_sync(self, func):
        try:
            return self._callable_as_sync[func]
        except KeyError:
            made = self._callable_as_sync[func] = super().ensure_sync(func)
            return made
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)


def create_app(config: Config | str | None = None) -> Flask:
    """Build the application: the only place that knows every feature package."""
    if config is None or isinstance(config, str):
        config = load_config(config)
    config.validate()
    _database_options(config)

    app = Application(__name__, instance_path=config.INSTANCE_PATH)
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
