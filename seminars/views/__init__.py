"""The seminars' pages: the only module that names their route modules."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # The trainer pages share one blueprint (views.blueprint); importing a module adds its routes.
    from seminars.views import (  # noqa: F401
        attendance,
        blueprint,
        calendar,
        manage,
        participants,
        public,
        translations,
    )

    app.register_blueprint(public.bp)
    app.register_blueprint(blueprint.bp)
