"""The certificates' pages: the only module that names their route modules.

``verify`` (public checks and the API), ``holder`` (a holder's own certificates) and the staff
pages on one blueprint, ``manage_certificates`` (``views.blueprint``): ``issuing``,
``register``, ``qualifications`` and ``batch`` (from a spreadsheet) add their routes to it."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from certificates.views import (  # noqa: F401  (issuing, register, ... add routes)
        batch,
        blueprint,
        holder,
        issuing,
        qualifications,
        register,
        verify,
    )

    app.register_blueprint(verify.bp)
    app.register_blueprint(holder.bp)
    app.register_blueprint(blueprint.bp)
