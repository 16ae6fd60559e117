"""Assessment: qualification criteria, question bank, quizzes, attempts and grading."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the trainee pages, the menu entry and the demo content."""
    from lms.demo import add_demo_seeder
    from lms.layout import add_navigation
    from quizzes import (
        bank_views,
        builder_views,
        cli,
        demo,
        manage_views,
        practical_assessment_views,  # noqa: F401  (adds its routes to practical_blueprint.bp)
        practical_blueprint,
        practical_models,  # noqa: F401  (its tables belong to the schema)
        practical_rubric_views,  # noqa: F401  (adds its routes to practical_blueprint.bp)
        practical_views,
        regrade_views,
        views,
    )

    cli.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(manage_views.bp)
    for feature in (bank_views, builder_views, practical_blueprint, regrade_views):
        app.register_blueprint(feature.bp)
    add_navigation(app, "quizzes.index", _l("Quizzes"), ())
    add_navigation(
        app, "manage_quizzes.index", _l("My quizzes"), ("trainer", "admin"), bar="teaching"
    )
    add_navigation(
        app, "manage_quizzes.criteria", _l("Criteria"), ("trainer", "admin"), bar="teaching"
    )

    add_demo_seeder(app, demo.seed_demo, order=20)

    # Practical assessments: the trainers' list, the trainee's card, the demo rubrics.
    from lms.layout import add_dashboard_panel
    from quizzes import practical_demo

    add_navigation(
        app, "practical.assessments", _l("Assessments"), ("trainer", "admin"), bar="teaching"
    )
    add_dashboard_panel(
        app,
        "quizzes/practical/panel.html",
        practical_views.dashboard_panel,
        roles=("trainee",),
        order=30,
    )
    from quizzes import dashboard

    add_dashboard_panel(
        app, "quizzes/panels/waiting.html", dashboard.waiting_panel, ("trainer", "admin"), 30
    )
    add_demo_seeder(app, practical_demo.seed_demo, order=25)
