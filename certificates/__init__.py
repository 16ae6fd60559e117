"""Credentials: qualifications, eligibility, issuance, numbers, signing, PDF, verification."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the pages, the menu entry, the dashboard card, the commands and the demo."""
    from certificates import (  # noqa: F401  (models: tables)
        analytics,
        archive,
        bulk_job,
        ce_models,
        ce_notifications,
        cli,
        demo,
        guidance,
        models,
        notifications,
        register_models,
        translations,
        views,
    )
    from certificates.keys import key_ring, keys_present, report_missing_keys
    from certificates.qualifications import judged_criterion_ids
    from certificates.views import holder
    from courses.next_steps import add_next_step_provider
    from lms.analytics import add_analytics_panel
    from lms.backup import add_backup_folder
    from lms.demo import add_demo_seeder
    from lms.health import add_health_check
    from lms.jobs import register_kind
    from lms.layout import add_dashboard_panel, add_navigation

    add_analytics_panel(
        app, "certificates/analytics/issued.html", analytics.certificates_panel, order=40
    )
    from quizzes.publishing import register_counted_criteria

    cli.init_app(app)
    views.init_app(app)
    # Open Badges 3.0: each certificate's credential, and status lists kept in line with it.
    from certificates.ob3 import issuing as open_badges
    from certificates.ob3 import models as open_badges_models  # noqa: F401  (tables)

    open_badges.init_app(app)
    # The holder's messages: issued, status changes, expiry reminders.
    notifications.init_app(app)
    # The audit log's entries for this feature, and its part of a user's data download.
    from certificates import audit, personal_data, register_privacy

    audit.init_app(app)
    personal_data.init_app(app)
    # The public register of mediators: its part of the data download and of an account's
    # deletion, and the entry's name following a reissue.
    register_privacy.init_app(app)

    # Backups carry the signing keys (lms/backup.py).
    add_backup_folder(app, "signing-keys", lambda: key_ring().directory)
    # A lost key file is reported at start and by /healthz, not at the first issue.
    add_health_check(
        app,
        "signing_keys",
        keys_present,
        required=False,
        fallback="certificates signed by a missing key do not verify; restore the key files",
    )
    if app.config.get("CHECK_KEYS_AT_START", True):
        report_missing_keys(app)

    # The seminar ZIP, built by a worker.
    register_kind(archive.ZIP_JOB, archive.run_zip_job)
    # Bulk issue with PDFs, one certificate per commit; its page shows the outcome.
    register_kind(bulk_job.ISSUE_JOB, bulk_job.run_issue_job, describe=bulk_job.describe)
    # A spreadsheet with many certificates to draw, applied whole by a worker.
    from certificates import sheet_job

    register_kind(sheet_job.SHEET_JOB, sheet_job.run_sheet_job, describe=sheet_job.describe)

    # Quizzes measuring a criterion a qualification judges must follow the quiz rule.
    register_counted_criteria(app, judged_criterion_ids)

    # Trainees have "My certificates" in the main bar (issue 20: their way to what is left);
    # staff, whose main bar is full in Kazakh at 1280 px, reach it from the dashboard card.
    # The register and issuing live in the teaching bar.
    add_navigation(app, "my_certificates.index", _l("My certificates"), ("trainee",))
    add_navigation(
        app,
        "manage_certificates.register",
        _l("Certificates"),
        ("trainer", "admin"),
        bar="teaching",
    )
    # The public register of mediators, for everyone, in the footer (the main bar is full).
    add_navigation(app, "mediators.index", _l("Public register of mediators"), None, bar="footer")
    add_dashboard_panel(
        app,
        "certificates/mine/panel.html",
        holder.dashboard_panel,
        roles=("trainee", "trainer", "admin"),
        order=35,
    )

    # Continuing education (issue 21): hours missing before a certificate's renewal.
    add_dashboard_panel(
        app,
        "certificates/mine/ce_panel.html",
        ce_notifications.dashboard_panel,
        roles=("trainee", "trainer", "admin"),
        order=36,
    )

    # Demo qualifications and certificates, after the courses, quizzes and assessments.
    # After a course, its quiz and seminar: what the qualifications it counts for still need.
    add_next_step_provider(app, guidance.next_steps, order=40)
    add_demo_seeder(app, demo.seed_demo, order=40)
