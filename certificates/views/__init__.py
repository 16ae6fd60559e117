"""The certificates' pages: the only module that names their route modules.

``verify`` (public checks and the API), ``holder`` (a holder's own certificates; its public
register entry: ``public_register``, which also serves ``/mediators``) and the staff
pages on one blueprint, ``manage_certificates`` (``views.blueprint``): ``issuing``,
``register``, ``qualifications`` and ``batch`` (from a spreadsheet) add their routes to it;
``continuing_education`` adds routes to both the holder's blueprint and the staff one."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from certificates.views import (  # noqa: F401  (issuing, register, ... add routes)
        batch,
        blueprint,
        continuing_education,
        credentials,
        holder,
        issuing,
        public_register,
        qualifications,
        register,
        verify,
    )

    app.register_blueprint(verify.bp)
    app.register_blueprint(credentials.bp)
    app.register_blueprint(holder.bp)
    app.register_blueprint(blueprint.bp)
    app.register_blueprint(public_register.bp)
