"""Seminars of a course: sessions, seats, registration, attendance, check-in and rosters."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the feature's blueprints, messages, menu entries, dashboard panels and demo."""
    from courses.next_steps import add_next_step_provider
    from lms.demo import add_demo_seeder
    from lms.layout import add_dashboard_panel, add_navigation
    from seminars import dashboard, demo, notifications, offer, translations, views
    from seminars.models import paragraphs

    views.init_app(app)
    notifications.init_app(app)
    # The audit log's entries for this feature, and its part of a user's data download.
    from seminars import audit, personal_data

    audit.init_app(app)
    personal_data.init_app(app)
    # Seminar, session, rubric and declaration texts in the reader's language.
    app.add_template_global(translations.untranslated, "tr_untranslated")
    app.add_template_global(translations.preload_in_template, "tr_preload")
    app.add_template_filter(paragraphs, "paragraphs")
    add_navigation(app, "seminars.index", _l("Seminars"), None)
    # The calendar is reached from the seminars page (the main bar is full at 1280 px).
    from lms.calendar_feed import set_feed_endpoint
    from lms.search import add_searcher
    from seminars import search

    set_feed_endpoint(app, "seminars.feed")
    add_searcher(app, "seminars", _l("Seminars"), search.query, search.hits, order=30)
    add_navigation(
        app, "manage_seminars.index", _l("My seminars"), ("trainer", "admin"), bar="teaching"
    )
    add_dashboard_panel(
        app,
        "seminars/panels/seminars.html",
        dashboard.seminars_panel,
        roles=("trainee", "trainer", "admin"),
        order=15,
        column="main",
    )
    add_dashboard_panel(
        app,
        "seminars/panels/running.html",
        dashboard.running_panel,
        roles=("trainer", "admin"),
        order=5,
        column="main",
    )
    # After a course's modules and its quiz: the trainee's seminar of the course, or one to join.
    add_next_step_provider(app, offer.next_steps, order=30)
    add_demo_seeder(app, demo.seed_demo, order=15)
