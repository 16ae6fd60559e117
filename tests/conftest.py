"""Shared fixtures: the app on each database backend, clients per role, small factories.

Every test that uses ``app`` runs once on SQLite and once on PostgreSQL. The PostgreSQL run
skips, with the reason, when ``LMS_TEST_DATABASE_URL`` is not set; CI sets it. Each test
session gets its own PostgreSQL schema, and each test starts from empty tables.

For speed (the whole suite should take about a minute on two cores): each worker builds one
app per backend and set of ``config_overrides`` and puts back what a test may change on it;
``seed_demo()`` copies the demo back from a snapshot taken on the worker's first seeding;
issuing stores a small stand-in PDF unless the test is marked ``real_pdf``.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Integer, create_engine, literal, select, text

from config import TestingConfig, normalise_database_url
from courses import authoring
from courses.models import CourseStatus
from lms import create_app, leased_limits
from lms.extensions import db, limiter
from tests import network_guard

DEFAULT_PASSWORD = "correct horse battery"
PG_SKIP_REASON = (
    "PostgreSQL run skipped: set LMS_TEST_DATABASE_URL "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run the suite on PostgreSQL"
)
REDIS_SKIP_REASON = (
    "Redis test skipped: set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run it"
)

_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session", autouse=True)
def outside_network_blocked() -> Iterator[None]:
    """No test reaches outside this machine: a connect to an address that is not loopback
    or a unix socket is refused with a clear error (tests/network_guard.py)."""
    network_guard.install()
    try:
        yield
    finally:
        network_guard.uninstall()


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


@pytest.fixture
def postgresql(backend: Backend) -> Backend:
    """For a test of psycopg's connections to PostgreSQL (transactions, pings, dropped
    connections): skipped on SQLite, which has none of them."""
    if backend.name != "postgresql":
        pytest.skip("checks psycopg's connections to PostgreSQL")
    return backend


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the garbage collector off what lives all session (modules, the collected tests)
    and let it run less often: the suite allocates a lot and frees nearly all of it by
    reference counting; the collector's passes over the whole heap cost a tenth of the run."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the demo (the page crawls among them) are the longest: run them first, so
    that under xdist no worker is left with one at the end while the others wait. Tests stay
    grouped by database backend, so each backend is set up once."""

    def key(item: pytest.Item) -> tuple[int, bool]:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        order = BACKENDS.index(backend) if backend in BACKENDS else -1
        return order, "seed_demo" not in getattr(item, "fixturenames", ())

    items.sort(key=key)


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
            # DELETE, children first, and ids from 1 again: one round trip of a few ms, where
            # TRUNCATE ... RESTART IDENTITY of every table took half a second.
            deletes = "; ".join(f'DELETE FROM "{table.name}"' for table in tables)
            connection.exec_driver_sql(
                f"{deletes}; SELECT setval(c.oid, 1, false) FROM pg_class c "
                "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
            )
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
        """The token a page would carry. Once a page has put the raw token in the session,
        sign it as Flask-WTF does (no page to render); before that, read the sign-in form's
        (public pages carry none for visitors)."""
        app = self.application
        cookie = self.get_cookie(app.config["SESSION_COOKIE_NAME"])
        if cookie is not None:
            try:
                session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
            except BadSignature:
                session = {}
            if raw := session.get("csrf_token"):
                secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
                return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
        match = _CSRF_META.search(self.get("/").get_data(as_text=True)) or _CSRF_FIELD.search(
            self.get("/login").get_data(as_text=True)
        )
        assert match, "no CSRF token on the home page (signed in) or the sign-in form"
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


# One app per worker for each backend and set of overrides: building one compiles every URL
# rule and template, which cost more than most tests. What a test may change on it is put
# back before the next test (``_CachedApp.reset``); its instance folder is the test's own.


@dataclass
class _CachedApp:
    app: Flask
    config: dict
    extensions: dict
    limiter_storage: object = None

    def reset(self, instance: Path) -> Flask:
        app = self.app
        app.config.clear()
        app.config.update(self.config)
        app.config["INSTANCE_PATH"] = str(instance)
        app.instance_path = str(instance)
        for folder in ("", "uploads", "pdf", "keys"):
            (instance / folder).mkdir(parents=True, exist_ok=True)
        # Lazily cached values (the password hasher built from the configuration).
        for key in set(app.extensions) - set(self.extensions):
            del app.extensions[key]
        app.extensions.update(self.extensions)
        # The limiter is one object bound to the last app built (another test may have built
        # its own): bind it to this one again, then forget every count.
        if limiter._storage is not self.limiter_storage:
            limiter.init_app(app)
            self.limiter_storage = limiter._storage
        limiter.reset()
        leased_limits.reset(app)
        return app


_apps: dict[tuple, _CachedApp] = {}


def _cached_app(backend: Backend, overrides: dict, instance: Path, tmp_path_factory) -> Flask:
    key = (backend.url, tuple(sorted((name, repr(value)) for name, value in overrides.items())))
    cached = _apps.get(key)
    if cached is None:
        spare = tmp_path_factory.mktemp("app")
        config = TestingConfig(database_url=backend.url, instance_path=str(spare), **overrides)
        application = create_app(config)
        application.test_client_class = Client
        cached = _apps[key] = _CachedApp(
            application,
            dict(application.config),
            dict(application.extensions),
            limiter._storage,
        )
    return cached.reset(instance)


@pytest.fixture
def app(
    backend: Backend, config_overrides: dict, tmp_path: Path, tmp_path_factory
) -> Iterator[Flask]:
    application = _cached_app(backend, config_overrides, tmp_path / "instance", tmp_path_factory)
    with application.app_context():
        _empty_database(backend)
        yield application
        db.session.remove()


# --- certificate PDFs ----------------------------------------------------------------------


def _stand_in_pdf(facts: dict, verify_url: str, token: str) -> bytes:
    """A small, well-formed one-page PDF naming the certificate (no fonts, no QR code)."""
    note = f"{facts.get('number', '')} {verify_url} {token}".encode("ascii", "replace")
    bodies = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 842 595]>>",
    ]
    out = bytearray(b"%PDF-1.4\n%" + note.replace(b"\n", b" ") + b"\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@pytest.fixture(autouse=True)
def _certificate_pdfs(request, monkeypatch) -> None:
    """Issuing renders and stores a real PDF (about 130 ms each); tests that read it are
    marked ``real_pdf``, the others store a small stand-in with the same hash checks."""
    if request.node.get_closest_marker("real_pdf"):
        return
    from certificates import rendering

    monkeypatch.setattr(rendering, "render_pdf", _stand_in_pdf)


# --- the demo, seeded once per worker ----------------------------------------------------


@dataclass
class _DemoSnapshot:
    rows: dict[str, list[dict]]
    instance: Path
    output: str


_demo_snapshots: dict[tuple, _DemoSnapshot] = {}


def _database_is_empty() -> bool:
    with db.engine.connect() as connection:
        return not any(
            connection.execute(select(literal(1)).select_from(table).limit(1)).first()
            for table in db.metadata.sorted_tables
        )


@contextmanager
def _real_pdfs() -> Iterator[None]:
    from certificates import pdf, rendering

    stand_in, rendering.render_pdf = rendering.render_pdf, pdf.render_pdf
    try:
        yield
    finally:
        rendering.render_pdf = stand_in


def _take_demo_snapshot(app: Flask, output: str, folder: Path) -> _DemoSnapshot:
    with db.engine.connect() as connection:
        rows = {
            table.name: [dict(row._mapping) for row in connection.execute(select(table))]
            for table in db.metadata.sorted_tables
        }
    shutil.copytree(app.instance_path, folder, dirs_exist_ok=True)
    return _DemoSnapshot(rows, folder, output)


def _restore_demo_snapshot(app: Flask, snapshot: _DemoSnapshot, backend: Backend) -> None:
    with db.engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            if rows := snapshot.rows[table.name]:
                connection.execute(table.insert(), rows)
        if backend.name == "postgresql":
            # Explicit ids were inserted: move each id sequence past them.
            for table in db.metadata.sorted_tables:
                [*columns] = table.primary_key.columns
                if len(columns) != 1 or not isinstance(columns[0].type, Integer):
                    continue
                name = columns[0].name
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{name}'), "
                        f'COALESCE(MAX("{name}"), 0) + 1, false) FROM "{table.name}"'
                    )
                )
    shutil.copytree(snapshot.instance, app.instance_path, dirs_exist_ok=True)
    db.session.expire_all()


@pytest.fixture
def seed_demo(app: Flask, backend: Backend, config_overrides: dict, tmp_path_factory):
    """``seed_demo()`` loads what ``flask seed-demo`` makes and returns the command's output.

    The first call on a worker (per app) runs the command on the empty database and keeps its
    rows and instance files; later calls copy them back, which takes a fraction of the time.
    Tests of the command itself (its output, running it twice) invoke it for real.
    """

    # Rate limits change nothing the demo writes: apps that differ only there share it.
    key = (
        backend.url,
        tuple(sorted((k, repr(v)) for k, v in config_overrides.items() if "LIMIT" not in k)),
    )

    def load() -> str:
        snapshot = _demo_snapshots.get(key)
        empty = _database_is_empty()
        if snapshot is not None and empty:
            _restore_demo_snapshot(app, snapshot, backend)
            return snapshot.output
        with _real_pdfs():
            result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        if snapshot is None and empty:
            folder = tmp_path_factory.mktemp("demo")
            _demo_snapshots[key] = _take_demo_snapshot(app, result.output, folder)
        db.session.expire_all()
        return result.output

    return load


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
