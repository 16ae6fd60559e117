"""The practical-assessment pages: the only module that names their route modules.

One blueprint, ``practical`` (``views.blueprint``), carries the routes of ``views.rubrics``
``views.assessing`` and ``views.translations`` (trainers) and ``views.trainee`` (trainees)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from assessments.views import (  # noqa: F401  (they add routes to bp)
        assessing,
        rubrics,
        trainee,
        translations,
    )
    from assessments.views.blueprint import bp

    app.register_blueprint(bp)
