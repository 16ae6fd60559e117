"""Blueprints of the core: the URL table of each is in its own module."""

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.views import account, admin, analytics, auth, glossary, jobs, main

    for module in (main, auth, account, admin, jobs, glossary, analytics):
        app.register_blueprint(module.bp)
