"""The courses' pages: the only module that names their route modules."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # The trainer pages share one blueprint (views.blueprint); importing a module adds its routes.
    from courses.views import (  # noqa: F401
        blueprint,
        catalogue,
        editions,
        manage,
        modules,
        translations,
    )

    app.register_blueprint(catalogue.bp)
    app.register_blueprint(blueprint.bp)
