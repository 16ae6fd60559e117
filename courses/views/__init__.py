"""The courses' pages: the only module that names their route modules."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from courses.views import catalogue, manage

    app.register_blueprint(catalogue.bp)
    app.register_blueprint(manage.bp)
