"""Credentials: qualifications, eligibility, issuance, numbers, signing, PDF, verification."""

from flask import Flask


def init_app(app: Flask) -> None:
    from certificates import cli, models, views  # noqa: F401  (models: their tables are the schema's)

    cli.init_app(app)
    app.register_blueprint(views.bp)
