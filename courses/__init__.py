"""Training delivery: courses, modules, enrolment and progress."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the feature's blueprints, menu entries, dashboard panels and commands."""
    from courses import (  # noqa: F401
        cli,
        dashboard,
        demo,
        import_job,
        module_criteria,
        translations,
        views,
    )
    from lms.demo import add_demo_seeder
    from lms.jobs import register_kind
    from lms.layout import add_dashboard_panel, add_navigation

    views.init_app(app)
    # The feature's part of a user's data download.
    from courses import personal_data

    personal_data.init_app(app)
    add_navigation(app, "courses.catalogue", _l("Courses"), None)
    from courses import search
    from lms.search import add_searcher

    add_searcher(app, "courses", _l("Courses"), search.course_query, search.course_hits, 10)
    add_searcher(app, "modules", _l("Modules"), search.module_query, search.module_hits, 20)
    add_navigation(app, "manage.courses", _l("My courses"), ("trainer", "admin"), bar="teaching")
    add_dashboard_panel(
        app,
        "courses/panels/learning.html",
        dashboard.learning_panel,
        roles=("trainee", "trainer", "admin"),
        order=10,
        column="main",
    )
    add_dashboard_panel(
        app,
        "courses/panels/teaching.html",
        dashboard.teaching_panel,
        roles=("trainer", "admin"),
        order=6,
        column="main",
    )
    from courses import analytics
    from lms.analytics import add_analytics_panel, set_course_choices

    set_course_choices(app, analytics.course_choices)
    add_analytics_panel(app, "courses/analytics/cohort.html", analytics.cohort_panel, order=10)
    cli.init_app(app)
    # Large course archives are imported by a worker; its page shows the course or the problems.
    register_kind(import_job.IMPORT_JOB, import_job.run_import_job, describe=import_job.describe)
    add_demo_seeder(app, demo.seed_demo, order=10)
