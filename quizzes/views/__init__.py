"""The quizzes' pages: the only module that names their route modules."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from quizzes.views import bank, builder, manage, regrade, taking, translate

    for pages in (taking, manage, bank, builder, regrade, translate):
        app.register_blueprint(pages.bp)
