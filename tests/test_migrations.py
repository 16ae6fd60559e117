"""Every schema change ships a migration: upgrading an empty database gives the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from lms import create_app
from lms.extensions import db


@pytest.fixture
def empty_app(make_config, backend):
    app = create_app(make_config())
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        yield app
        # Leave the shared test database as the other tests expect it.
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.create_all()
        db.engine.dispose()


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
