"""The seminars' pages: the only module that names their route modules."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from seminars.views import manage, public

    app.register_blueprint(public.bp)
    app.register_blueprint(manage.bp)
