"""Credentials: qualifications, eligibility, issuance, numbers, signing, PDF, verification."""

from flask import Flask


def init_app(app: Flask) -> None:
    from certificates import views

    app.register_blueprint(views.bp)
