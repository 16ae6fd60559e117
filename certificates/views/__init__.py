"""The certificates' pages: the only module that names their route modules.

``verify`` (public checks and the API), ``holder`` (a holder's own certificates) and the staff
pages on one blueprint, ``manage_certificates`` (``views.blueprint``): ``issuing``,
``register`` and ``qualifications`` add their routes to it."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from certificates.views import (  # noqa: F401  (issuing, register, qualifications add routes)
        blueprint,
        credentials,
        holder,
        issuing,
        qualifications,
        register,
        verify,
    )

    app.register_blueprint(verify.bp)
    app.register_blueprint(credentials.bp)
    app.register_blueprint(holder.bp)
    app.register_blueprint(blueprint.bp)
