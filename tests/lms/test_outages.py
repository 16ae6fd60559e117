"""Failures of parts, for real: a Redis server of our own is killed and restarted, and
PostgreSQL is put behind a TCP proxy that starts refusing connections and then opens again.

Redis down: the site keeps working, the limits count in per-process memory (weaker, still
on), /healthz says "degraded" and names Redis, and counting goes back to Redis once it
answers again. Database down: a 503 page in the site's design and the visitor's language,
with Retry-After (JSON under /api/), /healthz 503 naming the database, and the site works
again without a restart once the database is back. The shared servers are never touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import flask_limiter._extension
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from certificates.numbers import new_number
from config import ProductionConfig, TestingConfig, normalise_database_url
from lms import accounts, create_app
from lms.extensions import db, limiter
from tests.conftest import DEFAULT_PASSWORD, PG_SKIP_REASON, Client

RUSSIAN_TITLE = "Временно недоступно"
KAZAKH_TITLE = "Уақытша қолжетімсіз"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Redis ----------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of this test's own on a free port, which the test may kill."""

    def __init__(self, directory: Path) -> None:
        self.binary = shutil.which("redis-server")
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Wait for the server's own word that it listens (no polling, no sleeping).
        for line in self.process.stdout:
            if "Ready to accept connections" in line:
                return
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # SIGKILL: no goodbye to the clients
            self.process.wait()
            self.process.stdout.close()


class LimiterClock:
    """What flask_limiter reads as the time. After an outage it re-checks the storage with a
    back-off of up to 32 seconds; moving this clock on stands for that wait."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def __getattr__(self, name: str):
        return getattr(time, name)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    if server.binary is None:
        pytest.skip("redis-server is not installed: the Redis outage test needs its own server")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def limiter_clock(monkeypatch):
    clock = LimiterClock()
    monkeypatch.setattr(flask_limiter._extension, "time", clock)
    yield clock
    # The limiter is one object for every app of the test session: leave it counting in the
    # storage the next app configures, not in this test's fallback memory.
    limiter._storage_dead = False


def _production_app(tmp_path: Path, redis_url: str, **settings: str):
    """The production configuration as an operator writes it, on a SQLite file."""
    environ = {
        "LMS_SECRET_KEY": "s" * 48,
        "LMS_PUBLIC_URL": "https://academy.example.kz",
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
        "LMS_RATELIMIT_STORAGE_URI": redis_url,
        "LMS_RATELIMIT_KEY_PREFIX": f"outage-{uuid.uuid4().hex[:8]}",
        "LMS_ARGON2_TIME_COST": "1",
        "LMS_ARGON2_MEMORY_COST_KIB": "8",
        "LMS_ARGON2_PARALLELISM": "1",
        **{f"LMS_{name}": value for name, value in settings.items()},
    }
    app = create_app(ProductionConfig(environ))
    app.test_client_class = Client
    return app


def _browser(app) -> Client:
    """A client as a browser on the production site (https: forms carry a Referer)."""
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    return client


def _health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.get_json()


def test_redis_outage_falls_back_to_memory_and_recovers(tmp_path, redis_server, limiter_clock):
    import redis

    app = _production_app(
        tmp_path,
        redis_server.url,
        LOGIN_LIMIT_PER_ACCOUNT="3 per hour",
        LOGIN_LIMIT_PER_IP="1000 per hour",
        VERIFY_LIMIT_PER_IP="1000 per hour",
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == redis_server.url
    with app.app_context():
        db.create_all()
        user = accounts.create_user(
            email="asel@example.kz",
            password=DEFAULT_PASSWORD,
            display_name="Asel",
            full_name="Әсел Төлеуова",
        )
        email = user.email
        client = _browser(app)
        unknown = new_number(app.config["CERTIFICATE_PREFIX"])

        def site_works() -> None:
            browser = _browser(app)
            assert browser.login(email, "wrong password!").status_code == 200
            assert browser.login(email).status_code == 302
            assert browser.get("/dashboard").status_code == 200
            assert client.get(f"/verify/{unknown}").status_code == 404
            api = client.get(f"/api/v1/certificates/{unknown}")
            assert api.status_code == 404
            assert api.get_json()["error"]["name"] == "not_found"

        # Redis up: the site works and counts in Redis.
        site_works()
        status, body = _health(client)
        assert status == 200
        assert body["status"] == "ok"
        assert body["dependencies"]["database"]["status"] == "ok"
        assert body["dependencies"]["rate_limit_storage"]["status"] == "ok"
        assert redis.Redis.from_url(redis_server.url).keys(f"*{email}*")

        redis_server.kill()

        # Redis down: still works, and the health check says which part is missing.
        site_works()
        status, body = _health(client)
        assert status == 200
        assert body["status"] == "degraded"
        assert body["dependencies"]["database"]["status"] == "ok"
        redis_health = body["dependencies"]["rate_limit_storage"]
        assert redis_health["status"] == "down"
        assert redis_health["required"] is False
        assert redis_health["fallback"]
        # Login throttling is still on, counted in this process's memory: the failure
        # site_works made during the outage and two more use up the budget of 3 (the one made
        # before the outage is in Redis and not seen here).
        other = _browser(app)
        for _ in range(2):
            assert other.login(email, "wrong password!").status_code == 200
        assert other.login(email, "wrong password!").status_code == 429
        # The 429 says when to come back.
        assert other.login(email).headers.get("Retry-After")

        # Redis back: after the limiter's back-off it counts in Redis again.
        redis_server.start()
        limiter_clock.offset += 3600
        fresh = f"nobody-{uuid.uuid4().hex[:8]}@example.kz"
        assert _browser(app).login(fresh, "wrong password!").status_code == 200
        assert redis.Redis.from_url(redis_server.url).keys(f"*{fresh}*"), (
            "the limiter did not go back to Redis"
        )
        status, body = _health(client)
        assert (status, body["status"]) == (200, "ok")
        # The memory counts of the outage are left behind: the account may log in again.
        assert _browser(app).login(email).status_code == 302


def test_job_queue_outage_keeps_jobs_in_the_database_and_recovers(
    tmp_path, redis_server, limiter_clock
):
    """Redis as the job queue goes down: a job started meanwhile is recorded (no error page,
    no lost work), the forgotten-password page prepares the link in the request, /healthz
    names the queue; once Redis is back the sweep every worker runs each minute hands the
    job over and it runs."""
    import redis

    from courses import import_job
    from courses.models import Course
    from lms import jobs
    from lms.database import utcnow
    from lms.job_models import JobRecord
    from lms.models import OutboxMessage
    from tests.courses.test_content_io import SLUG, course_files, zip_files

    queue_url = redis_server.url.rsplit("/", 1)[0] + "/1"
    app = _production_app(
        tmp_path,
        redis_server.url,
        JOBS_URL=queue_url,
        JOBS_NAME=f"outage-{uuid.uuid4().hex[:8]}",
        FORGOT_LIMIT_PER_IP="1000 per hour",
    )
    with app.app_context():
        db.create_all()
        trainer = accounts.create_user(
            email="trainer@example.kz",
            password=DEFAULT_PASSWORD,
            display_name="Trainer",
            full_name="Марат Жақсылықов",
            role="trainer",
        )
        client = _browser(app)
        status, body = _health(client)
        assert (status, body["dependencies"]["job_queue"]) == (
            200,
            {"status": "ok", "required": False},
        )

        redis_server.kill()

        status, body = _health(client)
        assert (status, body["status"]) == (200, "degraded")
        assert body["dependencies"]["job_queue"]["status"] == "down"
        assert "handed over" in body["dependencies"]["job_queue"]["fallback"]
        # A job started while the queue is down: recorded and committed, nothing raised.
        data = zip_files(course_files(), top=SLUG)
        record = import_job.start_import_job(data, owner=trainer, update=False, filename="a.zip")
        record_id = record.id
        db.session.expire_all()
        assert db.session.get(JobRecord, record_id).state == "queued"
        # The forgotten-password page does the work in the request instead.
        answer = client.post_form("/forgot-password", {"email": "trainer@example.kz"})
        assert answer.status_code == 200
        assert db.session.query(OutboxMessage).count() == 1

        redis_server.start()
        limiter_clock.offset += 3600

        status, body = _health(client)
        assert (status, body["status"]) == (200, "ok")
        # The sweep (each worker runs it every minute) hands the waiting job over...
        assert jobs.sweep(now=utcnow() + jobs.SWEEP_AFTER + timedelta(seconds=1)) == 1
        huey = jobs.queue_of(app)
        assert huey.pending_count() == 1
        assert redis.Redis.from_url(queue_url).dbsize() >= 1
        # ... and a worker runs it: the course is there, once.
        huey.execute(huey.dequeue())
        db.session.expire_all()
        assert db.session.get(JobRecord, record_id).state == "done"
        assert db.session.query(Course).filter_by(slug=SLUG).count() == 1


def test_redis_is_checked_by_the_production_configuration():
    """ProductionConfig counts in Redis, and a Redis that is down costs little time."""
    config = ProductionConfig(
        {
            "LMS_SECRET_KEY": "s" * 48,
            "LMS_PUBLIC_URL": "https://academy.example.kz",
            "LMS_DATABASE_URL": "postgresql://lms@db/lms",
            "LMS_RATELIMIT_STORAGE_URI": "redis://cache:6379/0",
        }
    )
    config.validate()
    assert config.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED is True
    assert config.RATELIMIT_SWALLOW_ERRORS is True
    assert config.REDIS_TIMEOUT_MS == 500


# --- the database ---------------------------------------------------------------------------


class RefusingProxy:
    """A TCP proxy on a free port in front of a database server. ``refuse()`` closes the
    listening socket and drops every open connection, as a server that went away;
    ``reopen()`` listens again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self.reopen()

    def reopen(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, args=(self._listener,), daemon=True)
        self._acceptor.start()

    def refuse(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            listener.close()
            self._acceptor.join(timeout=10)
            assert not self._acceptor.is_alive(), "the proxy kept accepting"
        with self._lock:
            dropped, self._sockets = self._sockets, []
        for sock in dropped:
            self._close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        self._close(source)
        self._close(sink)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


class Outage:
    """A database that can be taken away and brought back while the app keeps running."""

    url: str

    def down(self) -> None:
        raise NotImplementedError

    def up(self) -> None:
        raise NotImplementedError


class PostgresOutage(Outage):
    def __init__(self, base_url: str) -> None:
        self.base_url = normalise_database_url(base_url)
        self.schema = f"lms_outage_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(self.base_url)  # straight to the server, not the proxy
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        address = self.admin.url
        self.proxy = RefusingProxy((address.host or "127.0.0.1", address.port or 5432))
        proxied = address.set(host="127.0.0.1", port=self.proxy.port)
        self.url = proxied.render_as_string(hide_password=False)
        self.url += ("&" if "?" in self.url else "?") + f"options=-csearch_path%3D{self.schema}"

    def down(self) -> None:
        self.proxy.refuse()

    def up(self) -> None:
        self.proxy.reopen()

    def close(self) -> None:
        self.proxy.refuse()
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self.admin.dispose()


class SQLiteOutage(Outage):
    """The SQLite file's folder goes away (an unmounted volume): "unable to open"."""

    def __init__(self, directory: Path) -> None:
        self.folder = directory / "data"
        self.folder.mkdir()
        self.away = directory / "data-unmounted"
        self.url = f"sqlite:///{self.folder / 'lms.sqlite3'}"

    def down(self) -> None:
        self.folder.rename(self.away)

    def up(self) -> None:
        self.away.rename(self.folder)

    def close(self) -> None:
        if self.away.exists():
            self.up()


@pytest.fixture(params=["sqlite", "postgresql"])
def outage(request, tmp_path):
    if request.param == "postgresql":
        base_url = os.environ.get("LMS_TEST_DATABASE_URL")
        if not base_url:
            pytest.skip(PG_SKIP_REASON)
        made: Outage = PostgresOutage(base_url)
    else:
        made = SQLiteOutage(tmp_path)
    yield made
    made.close()


@pytest.fixture
def outage_app(outage, tmp_path):
    # As in production: real error pages (no propagation); on PostgreSQL no ping, a pooled
    # connection the server (here the proxy) closed is dropped at checkout (lms.database).
    # SQLite opens its file on every checkout, so a missing file is seen at once.
    engine_options = {"poolclass": NullPool} if outage.url.startswith("sqlite") else {}
    app = create_app(
        TestingConfig(
            database_url=outage.url,
            instance_path=str(tmp_path / "instance"),
            PROPAGATE_EXCEPTIONS=False,
            SQLALCHEMY_ENGINE_OPTIONS=engine_options,
            RETRY_AFTER_SECONDS=45,
        )
    )
    app.test_client_class = Client
    with app.app_context():
        db.create_all()
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


def _assert_designed_503(response, title: str) -> str:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "45"
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert title in page
    assert 'class="navbar-brand"' in page and "site-footer" in page  # the site's layout
    assert "Internal Server Error" not in page and "Traceback" not in page
    return page


def test_database_outage_gives_a_designed_503_and_recovers(outage, outage_app):
    app = outage_app
    user = accounts.create_user(
        email="marat@example.kz",
        password=DEFAULT_PASSWORD,
        display_name="Marat Outage",
        full_name="Марат Сейткали",
        language="ru",
    )
    email = user.email  # read now: the object cannot be refreshed while the database is away
    number = new_number(app.config["CERTIFICATE_PREFIX"])

    member = app.test_client()
    assert member.login(email).status_code == 302
    assert member.get("/dashboard").status_code == 200
    stranger = app.test_client()
    assert stranger.get("/courses/").status_code == 200
    kazakh = app.test_client()
    assert kazakh.post_form("/language", {"language": "kk", "next": "/"}).status_code == 302
    assert _health(stranger)[0] == 200

    outage.down()

    # A signed-in member's page: the designed 503, in the browser's language, no user shown.
    page = _assert_designed_503(
        member.get("/dashboard", headers={"Accept-Language": "ru-RU,ru;q=0.9"}), RUSSIAN_TITLE
    )
    assert "Marat Outage" not in page
    assert 'lang="ru"' in page
    # Even a missing page: drawing the 404 would load the member, so it is the 503 too.
    _assert_designed_503(
        member.get("/no/such/page", headers={"Accept-Language": "ru"}), RUSSIAN_TITLE
    )
    # A stranger's page that reads the database, in the language chosen with the switcher.
    _assert_designed_503(kazakh.get("/courses/"), KAZAKH_TITLE)
    # A form sent while the database is down.
    _assert_designed_503(
        stranger.post_form(
            "/login",
            {"email": email, "password": DEFAULT_PASSWORD},
            headers={"Accept-Language": "ru"},
        ),
        RUSSIAN_TITLE,
    )
    # The certificate API: JSON, with the same Retry-After.
    api = stranger.get(f"/api/v1/certificates/{number}", headers={"Accept-Language": "ru"})
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "45"
    error = api.get_json()["error"]
    assert (error["code"], error["name"]) == (503, "service_unavailable")
    assert error["message"]
    # The health check names the database.
    status, body = _health(stranger)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["dependencies"]["database"] == {"status": "down", "required": True}

    outage.up()

    # Back without a restart: the same login session, pages and API answer again.
    assert member.get("/dashboard").status_code == 200
    assert "Marat Outage" in member.get("/dashboard").get_data(as_text=True)
    assert stranger.get("/courses/").status_code == 200
    assert stranger.get(f"/api/v1/certificates/{number}").status_code == 404
    assert _health(stranger) == (
        200,
        {
            "status": "ok",
            "dependencies": {
                "database": {"status": "ok", "required": True},
                "signing_keys": {"status": "ok", "required": False},
            },
        },
    )
