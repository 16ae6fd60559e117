"""The certificates' pages: the only module that names their route modules.

``verify`` (public checks and the API), ``holder`` (a holder's own certificates) and the staff
pages on one blueprint, ``manage_certificates`` (``views.blueprint``): ``issuing``,
``register`` and ``qualifications`` add their routes to it; ``continuing_education`` adds
routes to both the holder's blueprint and the staff one."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from certificates.views import (  # noqa: F401  (issuing, register, qualifications add routes)
        blueprint,
        continuing_education,
        holder,
        issuing,
        qualifications,
        register,
        verify,
    )

    app.register_blueprint(verify.bp)
    app.register_blueprint(holder.bp)
    app.register_blueprint(blueprint.bp)
