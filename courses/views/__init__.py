"""The courses' pages: the only module that names their route modules."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # The trainer pages share one blueprint (views.blueprint); importing a module adds its routes.
    from courses.views import blueprint, catalogue, manage, modules, translations  # noqa: F401

    app.register_blueprint(catalogue.bp)
    app.register_blueprint(blueprint.bp)
