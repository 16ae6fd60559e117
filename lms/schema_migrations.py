"""Flask-Migrate (Alembic), loaded the first time it is used.

Importing Flask-Migrate imports Alembic, Mako and Pygments: 12 MB in every process. A web
worker never migrates (migrations run once, from the command line, before the instances
start: README, production), so the application registers neither of them up front:

* ``flask db ...`` is resolved by :class:`Commands` (the application's command group), which
  binds Flask-Migrate when the name ``db`` is asked for;
* ``app.extensions["migrate"]`` is an :class:`OnFirstUse` until something reads it (the
  functions ``flask_migrate.upgrade()`` and the rest called in code, ``migrations/env.py``),
  which binds Flask-Migrate and answers from the real configuration.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo


def bind(app: Flask):
    """Flask-Migrate bound to ``app`` (once); its configuration, ``app.extensions["migrate"]``."""
    if isinstance(app.extensions.get("migrate"), OnFirstUse):
        from flask_migrate import Migrate

        from lms.extensions import db

        Migrate(app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True)
    return app.extensions["migrate"]


class OnFirstUse:
    """``app.extensions["migrate"]`` before Flask-Migrate is bound: any attribute binds it."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str):
        return getattr(bind(self._app), name)


class Commands(AppGroup):
    """The application's ``flask`` commands; ``db`` binds Flask-Migrate when asked for."""

    def get_command(self, ctx, name: str):
        if name == "db" and name not in self.commands:
            if current_app:
                bind(current_app._get_current_object())
            else:  # a test's runner, which pushes no context
                bind(ctx.ensure_object(ScriptInfo).load_app())
        return super().get_command(ctx, name)

    def list_commands(self, ctx) -> list[str]:
        return sorted({*super().list_commands(ctx), "db"})


def init_app(app: Flask) -> None:
    app.extensions["migrate"] = OnFirstUse(app)
