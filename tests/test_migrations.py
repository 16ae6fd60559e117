"""Every schema change ships a migration: upgrading an empty database gives the models' schema."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lms.extensions import db


def test_migrations_build_the_models_schema_and_roll_back(empty_app):
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"

    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names())
    assert tables <= {"alembic_version"}


def test_email_normalisation_folds_stored_addresses_but_never_merges_accounts(empty_app):
    upgrade(revision="0006_certificates")
    stored = {
        1: "asel@example.kz",
        2: "ａｓｅｌ@example.kz",  # a full-width look-alike of 1, made before the fix
        3: "ｂｏｒｉｓ@example.kz",
        4: "straße@example.de",
    }
    with db.engine.begin() as connection:
        for user_id, email in stored.items():
            connection.execute(
                text(
                    "INSERT INTO users (id, email, display_name, full_name, password_hash, role,"
                    " active, language, updated_at, created_at) VALUES (:id, :email, 'A', 'A B',"
                    " '!', 'trainee', :active, 'en', :now, :now)"
                ),
                {"id": user_id, "email": email, "active": True, "now": datetime.now(UTC)},
            )
    upgrade()
    with db.engine.connect() as connection:
        after = dict(connection.execute(text("SELECT id, email FROM users")).all())
    assert after == {
        1: "asel@example.kz",
        2: "ａｓｅｌ@example.kz",  # left for an administrator: its folded form is taken
        3: "boris@example.kz",
        4: "strasse@example.de",
    }


def test_accounts_that_exist_before_email_confirmation_count_as_confirmed(empty_app):
    upgrade(revision="0011_jobs")
    created = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, display_name, full_name, password_hash, role,"
                " active, language, updated_at, created_at) VALUES (1, 'asel@example.kz', 'A',"
                " 'A B', '!', 'trainee', :active, 'en', :now, :now)"
            ),
            {"active": True, "now": created},
        )
    upgrade()
    with db.engine.connect() as connection:
        confirmed, pending = connection.execute(
            text("SELECT email_confirmed_at, pending_email FROM users WHERE id = 1")
        ).one()
    assert confirmed is not None
    assert pending is None
    downgrade(revision="0011_jobs")
    columns = {column["name"] for column in inspect(db.engine).get_columns("users")}
    assert "email_confirmed_at" not in columns and "pending_email" not in columns


def test_the_audit_log_refuses_updates_and_deletes_on_both_databases(empty_app):
    """Migration 0017's triggers: rows are added, never changed or removed, by anyone."""
    from sqlalchemy.exc import DatabaseError

    upgrade()
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_events (at, actor_email, action, subject_type, subject_label,"
                " details, ip_hash) VALUES (:now, 'a@example.kz', 'auth.login', 'user', 'a', '{}',"
                " '')"
            ),
            {"now": datetime.now(UTC)},
        )
    statements = [
        "UPDATE audit_events SET action = 'auth.logout'",
        "DELETE FROM audit_events",
    ]
    if db.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_events")
    for statement in statements:
        with db.engine.connect() as connection:
            try:
                connection.execute(text(statement))
            except DatabaseError as error:
                assert "append-only" in str(error)
            else:
                raise AssertionError(f"{statement} was allowed")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit_events")).scalars().all() == [
            "auth.login"
        ]
    downgrade(revision="0016_verification_storage")
    assert "audit_events" not in inspect(db.engine).get_table_names()
