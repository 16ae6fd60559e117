# ruff: noqa: F811  (fixtures imported from the certificate tests are used as arguments)
"""Two instances of the site, as production runs them, share nothing but PostgreSQL and Redis.

Two gunicorn servers (two workers each) on different free ports, built from the production
configuration through ``LMS_*`` variables: the suite's PostgreSQL schema, one Redis (rate
limits and the job queue), files in the database (``LMS_FILE_STORAGE=database``), the same
secret key, public address and signing keys, and each its own instance folder. What one
instance does, the other sees: a login, a rate limit's count, an uploaded file, a certificate
(its verification and its PDF).

Runs only when ``LMS_TEST_DATABASE_URL`` and ``LMS_TEST_REDIS_URL`` are set (PostgreSQL: SQLite
is one machine's file), and where gunicorn is installed.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from certificates.models import Certificate
from config import BASE_DIR
from lms.extensions import db
from lms.models import FileBlob
from tests.certificates.conftest import issue_to, make_qualification  # noqa: F401  (fixtures)
from tests.certificates.test_manage_pages import (  # noqa: F401  (fixtures)
    people,
    seminar_with,
    setting,
)
from tests.conftest import DEFAULT_PASSWORD, PG_SKIP_REASON, REDIS_SKIP_REASON
from tests.courses.conftest import png_bytes

SECRET_KEY = "instances-test-secret-key-of-more-than-32-characters"
PUBLIC_URL = "https://academy.example.kz"
LOGIN_LIMIT = 3  # failed logins per (account, address) before 429

pytestmark = pytest.mark.skipif(
    not (os.environ.get("LMS_TEST_DATABASE_URL") and os.environ.get("LMS_TEST_REDIS_URL")),
    reason=f"{PG_SKIP_REASON}; {REDIS_SKIP_REASON}",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One browser (one cookie jar) that may talk to any instance."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        unverified = ssl.create_default_context()  # nginx's test certificate is self-signed
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies),
            urllib.request.HTTPSHandler(context=unverified),
            _NoRedirects(),
        )

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None) -> Reply:
        request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read())

    def get(self, url: str) -> Reply:
        return self.request(url)

    def csrf(self, base: str) -> str:
        """The token a page would carry: a signed-in user's pages carry it in the layout; a
        visitor's public pages carry none, so the sign-in form's is read then."""
        match = re.search(
            r'<meta name="csrf-token" content="([^"]+)"', self.get(base + "/").text
        ) or re.search(
            r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', self.get(base + "/login").text
        )
        assert match, "no CSRF token on the home page (signed in) or the sign-in form"
        return match.group(1)

    def post(
        self,
        base: str,
        path: str,
        fields: dict,
        files: dict | None = None,
        headers: dict | None = None,
    ) -> Reply:
        fields = {"csrf_token": self.csrf(base), **fields}
        if not files:
            body = urllib.parse.urlencode(fields).encode()
            kind = "application/x-www-form-urlencoded"
        else:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for name, (filename, data, content_type) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                    + data
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            kind = f"multipart/form-data; boundary={boundary}"
        # A browser sends the page's address (Referrer-Policy strict-origin-when-cross-origin);
        # over HTTPS Flask-WTF refuses a form without it.
        sent = {"Content-Type": kind, "Referer": base + path, **(headers or {})}
        return self.request(base + path, body, sent)

    def login(
        self, base: str, email: str, password: str = DEFAULT_PASSWORD, **headers: str
    ) -> Reply:
        fields = {"email": email, "password": password}
        return self.post(base, "/login", fields, headers=headers or None)


def _environment(database_url: str, instance: Path, keys: Path, run: str) -> dict:
    redis_url = os.environ["LMS_TEST_REDIS_URL"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(
        LMS_CONFIG="production",
        LMS_SECRET_KEY=SECRET_KEY,
        LMS_DATABASE_URL=database_url,
        LMS_RATELIMIT_STORAGE_URI=redis_url,
        LMS_RATELIMIT_KEY_PREFIX=f"lms-instances-{run}",
        LMS_JOBS_URL=redis_url,
        LMS_JOBS_NAME=f"lms-instances-{run}",
        LMS_PUBLIC_URL=PUBLIC_URL,
        LMS_FILE_STORAGE="database",
        LMS_INSTANCE_PATH=str(instance),
        LMS_CERTIFICATE_KEYS_DIR=str(keys),
        LMS_SECURE_COOKIES="false",  # plain HTTP between the test and the instances
        LMS_URL_SCHEME="http",
        LMS_LOGIN_LIMIT_PER_ACCOUNT_AND_IP=f"{LOGIN_LIMIT} per 15 minutes",
        LMS_PROXY_FIX_HOPS="1",  # deploy/nginx.conf in front (the last test)
    )
    return env


def _start(env: dict, port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        return subprocess.Popen(
            [*command, "wsgi:app"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait_until_serving(server: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn stopped:\n" + log.read_text(errors="replace")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not answer:\n" + log.read_text(errors="replace"))


@dataclass
class Instances:
    a: str
    b: str
    keys: Path


@pytest.fixture(scope="module")
def servers(backend, tmp_path_factory):
    """Two running instances on the suite's PostgreSQL schema."""
    pytest.importorskip("gunicorn")
    if backend.name != "postgresql":
        pytest.skip("several instances share PostgreSQL, not a SQLite file")
    root = tmp_path_factory.mktemp("instances")
    keys = root / "signing-keys"  # the same keys on every instance, as the README says
    run = uuid.uuid4().hex[:12]
    servers, bases = [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = root / f"{name}.log"
            env = _environment(backend.url, root / name, keys, run)
            servers.append((_start(env, port, log), log))
            bases.append(f"http://127.0.0.1:{port}")
        for (server, log), base in zip(servers, bases, strict=True):
            _wait_until_serving(server, base, log)
        # One worker with its own instance folder, on the queue both instances share.
        worker_log = root / "worker.log"
        with worker_log.open("wb") as output:
            worker = subprocess.Popen(
                [sys.executable, "-m", "huey.bin.huey_consumer", "lms.worker.huey", "-w", "1"],
                cwd=BASE_DIR,
                env=_environment(backend.url, root / "worker", keys, run),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        servers.append((worker, worker_log))
        yield Instances(*bases, keys)
    finally:
        for server, _log in servers:
            server.terminate()
        for server, _log in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


@pytest.fixture
def instances(app, servers):
    """The two base URLs, with the signing key made once before either signs anything."""
    from certificates.keys import key_ring

    app.config["CERTIFICATE_KEYS_DIR"] = str(servers.keys)
    key_ring().current()
    db.session.commit()
    return servers.a, servers.b


def test_a_login_made_on_one_instance_is_valid_on_the_other(app, instances, trainer):
    a, b = instances
    browser = Browser()
    assert browser.get(b + "/dashboard").status == 302  # not logged in yet
    assert browser.login(a, trainer.email).status == 302
    assert browser.get(b + "/dashboard").status == 200
    assert trainer.display_name in browser.get(b + "/dashboard").text
    # Logging out on B ends the session on A too (it is a database row, not a process's).
    assert browser.post(b, "/logout", {}).status == 302
    assert browser.get(a + "/dashboard").status == 302


def test_a_rate_limit_counted_on_one_instance_applies_on_the_other(app, instances, make_user):
    a, b = instances
    user = make_user(email="limited@example.kz")
    db.session.commit()
    browser = Browser()
    for _ in range(LOGIN_LIMIT):
        assert browser.login(a, user.email, "not the password").status == 200
    refused = browser.login(b, user.email)  # the right password, but B counted A's tries
    assert refused.status == 429
    assert "Retry-After" in refused.headers
    assert Browser().login(b, "someone-else@example.kz", "x").status == 200  # only that pair


def test_a_file_uploaded_through_one_instance_is_served_by_the_other(
    app, instances, trainer, make_course
):
    a, b = instances
    course = make_course("Shared files", owner=trainer)
    db.session.commit()
    browser = Browser()
    assert browser.login(a, trainer.email).status == 302
    image = png_bytes()
    uploaded = browser.post(
        a,
        f"/manage/courses/{course.slug}/files/image",
        {"image-title": "Scheme"},
        files={"image-file": ("scheme.png", image, "image/png")},
    )
    assert uploaded.status == 302, uploaded.text
    served = Browser().get(f"{b}/courses/{course.slug}/images/scheme.png")
    assert served.status == 200
    assert served.body == image
    db.session.commit()
    assert db.session.scalar(select(FileBlob.sha256).where(FileBlob.name.like("uploads/%"))) == (
        hashlib.sha256(image).hexdigest()
    )


def test_a_certificate_issued_on_one_instance_verifies_and_downloads_on_the_other(
    app, instances, trainer, setting, people
):
    a, b = instances
    qualification, seminar = setting
    db.session.commit()
    staff = Browser()
    assert staff.login(a, trainer.email).status == 302
    issued = staff.post(
        a,
        f"/manage/certificates/seminars/{seminar.id}/issue",
        {"qualification": str(qualification.id)},
    )
    assert issued.status == 303, issued.text  # to the job's page: the worker issues them
    job = issued.headers["Location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = json.loads(staff.get(f"{b}/jobs/{job}.json").body)["state"]
        if state in ("done", "failed"):
            break
        time.sleep(0.2)
    assert state == "done", state
    db.session.commit()
    certificates = list(db.session.scalars(select(Certificate).order_by(Certificate.id)))
    assert len(certificates) == 2
    certificate = certificates[0]

    page = Browser().get(f"{b}/verify/{certificate.number}")
    assert page.status == 200 and certificate.number in page.text
    record = json.loads(Browser().get(f"{b}/api/v1/certificates/{certificate.number}").body)
    assert record["status"] == "valid"
    assert record["signature"]["valid"] is True

    holder = Browser()
    assert holder.login(b, people["aida"].email).status == 302
    mine = next(c for c in certificates if c.holder_id == people["aida"].id)
    pdf = holder.get(f"{b}/certificates/{mine.id}/pdf")
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    assert hashlib.sha256(pdf.body).hexdigest() == mine.pdf_sha256

    # Without any stored copy, the other instance renders the same bytes from the facts.
    db.session.execute(delete(FileBlob).where(FileBlob.name.like("certificates/%")))
    db.session.commit()
    again = holder.get(f"{b}/certificates/{mine.id}/pdf")
    assert again.status == 200 and again.body == pdf.body


def _nginx_site(servers: Instances, port: int, folder: Path) -> Path:
    """deploy/nginx.conf as it is, but for this machine: the instances' ports, a free port for
    HTTPS, a self-signed certificate, this checkout's static folders."""
    import flask_bootstrap

    key, certificate = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    upstream = "".join(
        f"    server {base.removeprefix('http://')};\n" for base in (servers.a, servers.b)
    )
    site = re.sub(r"(upstream lms \{\n)(.*?)(    keepalive)", rf"\g<1>{upstream}\g<3>", site,
                  flags=re.S)  # fmt: skip
    site = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)
    site = site.replace("    listen [::]:443 ssl http2;\n", "")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {certificate};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    site = site.replace("/srv/lms/lms/static/", f"{BASE_DIR}/lms/static/")
    bootstrap = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"
    site = re.sub(r"/srv/lms/\.venv/\S+/bootstrap5/", f"{bootstrap}/", site)
    temporary = "".join(
        f"{kind}_temp_path {folder}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "site.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temporary}include {folder}/site.conf;\n}}\n"
    )
    return main


@pytest.fixture
def nginx(servers, tmp_path):
    """deploy/nginx.conf in front of the two instances (where nginx is installed)."""
    binary = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None
    )
    if binary is None or shutil.which("openssl") is None:
        pytest.skip("nginx and openssl are needed (apt-get install nginx-light)")
    port = _free_port()
    main = _nginx_site(servers, port, tmp_path)
    process = subprocess.Popen(
        [binary, "-c", str(main), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while Browser().get(base + "/healthz").status != 200:
            assert process.poll() is None, process.stdout.read().decode(errors="replace")
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_behind_nginx_static_files_come_from_disk_and_a_forged_address_counts_nothing(
    app, instances, nginx, make_user
):
    """deploy/nginx.conf works with the site: static files, pages through either instance,
    and the client's address (which the login limit counts) cannot be forged."""
    static = Browser().get(nginx + "/static/favicon.svg")
    assert static.status == 200 and static.headers["Server"].startswith("nginx")
    assert static.body == (BASE_DIR / "lms" / "static" / "favicon.svg").read_bytes()
    assert "Content-Security-Policy" not in static.headers  # not the application's answer
    page = Browser().get(nginx + "/")
    assert page.status == 200 and "Content-Security-Policy" in page.headers
    assert re.search(r'<link[^>]+href="/bootstrap/static/', page.text)

    user = make_user(email="behind-nginx@example.kz")
    db.session.commit()
    browser = Browser()
    for number in range(LOGIN_LIMIT):  # a new forged address each time
        forged = {"X-Forwarded-For": f"203.0.113.{number + 1}"}
        assert browser.login(nginx, user.email, "not the password", **forged).status == 200
    refused = browser.login(nginx, user.email, **{"X-Forwarded-For": "203.0.113.99"})
    assert refused.status == 429
    assert browser.login(nginx, "someone-else@example.kz", "x").status == 200
