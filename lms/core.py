"""Binds the core's extensions, hooks, views and commands to an application."""

from __future__ import annotations

from flask import Flask

from lms import (
    authentication,
    background_requests,
    cli,
    content_translations,
    database,
    errors,
    formatting,
    health,
    i18n,
    jobs,
    layout,
    leased_limits,
    mail,
    pagination,
    rate_limits,
    routing,
    schema_migrations,
    security,
    views,
)
from lms.extensions import bootstrap, csrf, db


def init_app(app: Flask) -> None:
    routing.init_app(app)
    background_requests.init_app(app)
    db.init_app(app)
    database.init_app(app, db)
    schema_migrations.init_app(app)
    csrf.init_app(app)
    rate_limits.init_app(app)
    leased_limits.init_app(app)
    bootstrap.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    authentication.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    jobs.init_app(app)
    layout.init_app(app)
    content_translations.init_app(app)
    pagination.init_app(app)
    mail.init_app(app)
    views.init_app(app)
    cli.init_app(app)
