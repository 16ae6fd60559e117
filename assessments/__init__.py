"""Practical assessments (rubrics, scoring, sign-off) and the standing that combines every
instrument: the best quiz result and the latest signed-off assessment, per criterion."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the pages, the menu entry, the dashboard cards, the messages and the demo
    rubrics."""
    from assessments import (  # noqa: F401  (models: the schema's tables)
        analytics,
        dashboard,
        demo,
        models,
        notifications,
        translations,
        views,
    )
    from assessments.views import trainee
    from lms.analytics import add_analytics_panel
    from lms.demo import add_demo_seeder
    from lms.layout import add_dashboard_panel, add_navigation

    add_analytics_panel(
        app, "assessments/analytics/practical.html", analytics.practical_panel, order=25
    )

    views.init_app(app)
    notifications.init_app(app)
    # The audit log's entries for this feature, and its part of a user's data download.
    from assessments import audit, personal_data

    audit.init_app(app)
    personal_data.init_app(app)
    add_navigation(
        app, "practical.assessments", _l("Assessments"), ("trainer", "admin"), bar="teaching"
    )
    add_dashboard_panel(
        app, "assessments/panel.html", trainee.dashboard_panel, roles=("trainee",), order=30
    )
    add_dashboard_panel(
        app, "assessments/panels/waiting.html", dashboard.waiting_panel, ("trainer", "admin"), 30
    )
    add_demo_seeder(app, demo.seed_demo, order=25)
