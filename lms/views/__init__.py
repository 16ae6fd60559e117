"""Blueprints of the core: the URL table of each is in its own module."""

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.views import account, admin, analytics, auth, glossary, jobs, main, search

    for module in (main, auth, account, admin, jobs, glossary, search, analytics):
        app.register_blueprint(module.bp)
