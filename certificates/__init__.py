"""Credentials: qualifications, eligibility, issuance, numbers, signing, PDF, verification."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from certificates import cli, models, views  # noqa: F401  (models: their tables are the schema's)

    cli.init_app(app)
    app.register_blueprint(views.bp)

    # Quizzes measuring a criterion a qualification judges must follow the quiz rule.
    from certificates.qualifications import judged_criterion_ids
    from quizzes.quiz_authoring import register_counted_criteria

    register_counted_criteria(app, judged_criterion_ids)

    # Holders' and trainers' pages: "My certificates" is a dashboard card (the main bar is
    # full in Kazakh at 1280 px); the register and issuing live in the teaching bar.
    from certificates import (
        holder_views,
        issuing_views,  # noqa: F401  (adds its routes to manage_blueprint.bp)
        manage_blueprint,
        qualification_views,  # noqa: F401  (adds its routes to manage_blueprint.bp)
        register_views,  # noqa: F401  (adds its routes to manage_blueprint.bp)
    )
    from lms.layout import add_dashboard_panel, add_navigation

    app.register_blueprint(holder_views.bp)
    app.register_blueprint(manage_blueprint.bp)
    add_navigation(
        app,
        "manage_certificates.register",
        _l("Certificates"),
        ("trainer", "admin"),
        bar="teaching",
    )
    add_dashboard_panel(
        app,
        "certificates/mine/panel.html",
        holder_views.dashboard_panel,
        roles=("trainee", "trainer", "admin"),
        order=35,
    )

    # Demo qualifications and certificates, after the courses, quizzes and assessments.
    from certificates import demo
    from lms.demo import add_demo_seeder

    add_demo_seeder(app, demo.seed_demo, order=40)
