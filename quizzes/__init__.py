"""Quizzes: qualification criteria, question bank, quizzes, attempts and grading."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the pages, the menu entries, the commands, the messages and the demo content."""
    from courses.next_steps import add_next_step_provider
    from lms.analytics import add_analytics_panel
    from lms.demo import add_demo_seeder
    from lms.layout import add_navigation
    from quizzes import analytics, cli, demo, notifications, path, translations, views

    cli.init_app(app)
    views.init_app(app)
    notifications.init_app(app)
    # The audit log's entries for this feature, and its part of a user's data download.
    from quizzes import audit, personal_data

    audit.init_app(app)
    personal_data.init_app(app)
    add_navigation(app, "quizzes.index", _l("Quizzes"), ())
    add_analytics_panel(
        app, "quizzes/analytics/pass_rates.html", analytics.pass_rates_panel, order=20
    )
    add_analytics_panel(
        app, "quizzes/analytics/quality.html", analytics.question_quality_panel, order=30
    )
    add_navigation(
        app, "manage_quizzes.index", _l("My quizzes"), ("trainer", "admin"), bar="teaching"
    )
    add_navigation(
        app, "manage_quizzes.criteria", _l("Criteria"), ("trainer", "admin"), bar="teaching"
    )
    # Once a course's modules are read, its quiz is the next step (then seminars, 30).
    add_next_step_provider(app, path.next_steps, order=20)
    add_demo_seeder(app, demo.seed_demo, order=20)
    # The module editor offers the criteria a module may teach (the review links them).
    from courses.module_criteria import set_criteria_source

    set_criteria_source(app, translations.active_criterion_titles)
    from lms.search import add_searcher
    from quizzes import search

    add_searcher(app, "questions", _l("Questions"), search.query, search.hits, order=40)
