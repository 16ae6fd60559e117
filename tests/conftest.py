"""Shared fixtures: the app on each database backend, clients per role, small factories.

Every test that uses ``app`` runs once on SQLite and once on PostgreSQL. The PostgreSQL run
skips, with the reason, when ``LMS_TEST_DATABASE_URL`` is not set; CI sets it. Each test
session gets its own PostgreSQL schema, and each test starts from empty tables.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from config import TestingConfig, normalise_database_url
from courses import authoring
from courses.models import CourseStatus
from lms import create_app
from lms.extensions import db, limiter

DEFAULT_PASSWORD = "correct horse battery"
PG_SKIP_REASON = (
    "PostgreSQL run skipped: set LMS_TEST_DATABASE_URL "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run the suite on PostgreSQL"
)
REDIS_SKIP_REASON = (
    "Redis test skipped: set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run it"
)

_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


# --- database backends --------------------------------------------------------------------


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@dataclass(frozen=True)
class Backend:
    name: str
    url: str


# The PostgreSQL run exists only when its URL is given; test_backends.py reports the skip once.
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("LMS_TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory) -> Iterator[Backend]:
    """A database for the whole session: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        yield Backend("sqlite", f"sqlite:///{path}")
        return
    base_url = normalise_database_url(os.environ["LMS_TEST_DATABASE_URL"])
    schema = f"lms_test_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(base_url)
    with admin_engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Backend("postgresql", _with_search_path(base_url, schema))
    finally:
        with admin_engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()


_schemas_created: set[str] = set()


def _empty_database(backend: Backend) -> None:
    """Create the tables once per backend, then start every test with them empty."""
    if backend.url not in _schemas_created:
        db.drop_all()
        db.create_all()
        _schemas_created.add(backend.url)
        return
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if backend.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


# --- application and clients --------------------------------------------------------------


class Client(FlaskClient):
    """A test client that can send forms with the CSRF token a real browser would have.

    Each request runs in its own application context (own ``g``, own database session), as
    it would on a server, even though the test body holds an app context of its own. The
    test's session is committed before and after, so each side sees the other's writes.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            db.session.commit()

    def csrf_token(self) -> str:
        page = self.get("/").get_data(as_text=True)
        match = _CSRF_META.search(page)
        assert match, "no csrf-token meta tag on the home page"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = DEFAULT_PASSWORD):
        return self.post_form("/login", {"email": email, "password": password})


@pytest.fixture
def make_config(backend: Backend, tmp_path: Path):
    def factory(**overrides) -> TestingConfig:
        return TestingConfig(
            database_url=backend.url, instance_path=str(tmp_path / "instance"), **overrides
        )

    return factory


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module or class to build ``app`` with other settings."""
    return {}


@pytest.fixture
def app(make_config, backend: Backend, config_overrides: dict) -> Iterator[Flask]:
    application = create_app(make_config(**config_overrides))
    application.test_client_class = Client
    with application.app_context():
        _empty_database(backend)
        limiter.reset()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def empty_app(make_config, backend: Backend) -> Iterator[Flask]:
    """An app on an empty database without even Alembic's table, for migration tests; the
    tables the other tests expect are created again afterwards."""
    application = create_app(make_config())
    with application.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        yield application
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.create_all()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> Client:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# --- factories ----------------------------------------------------------------------------


@pytest.fixture
def make_user(app: Flask):
    from lms import accounts

    counter = iter(range(1, 10_000))

    def factory(
        role: str = "trainee",
        *,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        **fields,
    ):
        number = next(counter)
        return accounts.create_user(
            email=email or f"{role}{number}@example.kz",
            password=password,
            display_name=fields.pop("display_name", f"{role.title()} {number}"),
            full_name=fields.pop("full_name", f"Әсел Төлеуова {number}"),
            role=role,
            **fields,
        )

    return factory


@pytest.fixture
def make_course(trainer):
    """A course owned by ``owner`` (default: the ``trainer`` fixture) with ``modules`` modules."""

    def factory(
        title: str = "Mediation basics",
        *,
        owner=None,
        modules: int = 2,
        status: str = CourseStatus.PUBLISHED,
        language: str = "en",
        slug: str = "",
    ):
        course = authoring.create_course(
            owner or trainer, title=title, slug=slug, summary=f"About {title}", language=language
        )
        for number in range(1, modules + 1):
            authoring.create_module(
                course,
                owner or trainer,
                title=f"Module {number}",
                source=f"## Part {number}\n\nText of module {number}.\n\n## Summary\n\nDone.",
            )
        if modules and status != CourseStatus.DRAFT:
            authoring.set_status(course, status)
        db.session.refresh(course)
        return course

    return factory


def _logged_in(app: Flask, user) -> Client:
    client = app.test_client()
    response = client.login(user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def trainee(make_user):
    return make_user("trainee")


@pytest.fixture
def trainer(make_user):
    return make_user("trainer")


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def trainee_client(app, trainee) -> Client:
    return _logged_in(app, trainee)


@pytest.fixture
def trainer_client(app, trainer) -> Client:
    return _logged_in(app, trainer)


@pytest.fixture
def admin_client(app, admin) -> Client:
    return _logged_in(app, admin)


@pytest.fixture
def login(app):
    """Log ``user`` in on a fresh client (for tests that need several browsers)."""

    def do_login(user, password: str = DEFAULT_PASSWORD) -> Client:
        client = app.test_client()
        response = client.login(user.email, password)
        assert response.status_code == 302
        return client

    return do_login


@pytest.fixture
def make_seminar(make_course, trainer):
    """An open seminar of a published course, with two sessions, run by ``trainer``."""
    from datetime import timedelta
    from decimal import Decimal

    from lms.database import utcnow
    from seminars import authoring

    def factory(
        title: str = "Basic training",
        *,
        capacity: int = 10,
        status: str = "open",
        course=None,
        trainers=None,
        sessions: int = 2,
        starts_in: timedelta = timedelta(days=3),
    ):
        """Sessions start ``starts_in`` from now, a day apart, 3 hours each (negative: past)."""
        course = course or make_course(f"Course for {title}")
        seminar = authoring.create_seminar(
            course,
            trainers or [trainer],
            title=title,
            capacity=capacity,
            language="ru",
            venue="Astana, House of Friendship",
        )
        start = utcnow().replace(microsecond=0) + starts_in
        for number in range(sessions):
            authoring.add_session(
                seminar,
                starts_at=start + timedelta(days=number),
                ends_at=start + timedelta(days=number, hours=3),
                topic=f"Day {number + 1}",
                academic_hours=Decimal("4"),
                trainer=(trainers or [trainer])[0],
            )
        if status != "draft":
            authoring.set_status(seminar, status)
        return seminar

    return factory
