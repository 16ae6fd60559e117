"""The benchmark of issue 17: the site under gunicorn against a minimal Flask page (the ceiling).

Run: ``make bench`` (or ``.venv/bin/python bench/run.py``). Settings, all optional:

* ``BENCH_SCALE`` (default 1): the data set's size, 1 = 1,000,000 certificates, 20,000 users,
  100 courses of 10 modules, 200 seminars, 100,000 quiz attempts; 0.01 for a quick run.
* ``BENCH_BACKENDS`` (default ``sqlite,postgresql``).
* ``BENCH_DURATION`` seconds measured per endpoint (default 10), after ``BENCH_WARMUP``
  seconds of warm-up (default 3); ``BENCH_CONNECTIONS`` (default 16).
* ``BENCH_ONLY``: a comma-separated list of endpoint names to measure (default all).
* ``BENCH_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/bench``: its own
  database, created when missing, never the suite's ``test``), ``BENCH_REDIS_URL`` (default
  ``redis://127.0.0.1:6379/14``), ``BENCH_DATA`` (default ``bench/data``), ``BENCH_PORT``.
* ``BENCH_REBUILD=1`` builds the data set again even if one of this scale and schema exists.
* ``BENCH_FLOOR=0`` leaves out the floor (``bench/floor.py``): by default each endpoint is
  also measured as a page that only sends the endpoint's own recorded statements through the
  plain driver, the most the endpoint could reach while it sends them.

The site runs with the production configuration (``LMS_CONFIG=production``) and what it
needs set here: a fixed benchmark secret key, the public URL, the database, the instance
folder, and Redis for the rate limits. The certificate-lookup limit is raised to 10^9 per
minute so the limiter counts every lookup in Redis (its real cost) but never throttles wrk.

Output: a table on stdout, ``bench/results/latest.json`` and ``bench/results/latest.md`` (the
table for ``docs/performance.md``).
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402

BIN = Path(sys.executable).parent
SECRET_KEY = "bench-secret-key-for-local-measurements-only-0123456789"
USER_AGENT = "bench"
SAMPLE_NUMBERS = 5000


# --- settings and environment ---------------------------------------------------------------


def settings() -> dict:
    env = os.environ
    return {
        "scale": float(env.get("BENCH_SCALE") or 1),
        "backends": [
            b.strip() for b in (env.get("BENCH_BACKENDS") or "sqlite,postgresql").split(",")
        ],
        "duration": int(env.get("BENCH_DURATION") or 10),
        "warmup": int(env.get("BENCH_WARMUP") or 3),
        "connections": int(env.get("BENCH_CONNECTIONS") or 16),
        "only": {n.strip() for n in (env.get("BENCH_ONLY") or "").split(",") if n.strip()},
        "pg_url": env.get("BENCH_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/bench",
        "redis_url": env.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/14",
        "data": Path(env.get("BENCH_DATA") or ROOT / "bench" / "data").resolve(),
        "port": int(env.get("BENCH_PORT") or 8710),
        "rebuild": (env.get("BENCH_REBUILD") or "") == "1",
        "floor": (env.get("BENCH_FLOOR") or "1") != "0",
    }  # fmt: skip


def site_env(config: dict, backend: str, port: int) -> dict[str, str]:
    """The production configuration's variables for one backend."""
    folder = config["data"] / backend
    url = f"sqlite:///{folder / 'lms.sqlite3'}" if backend == "sqlite" else config["pg_url"]
    return {
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": SECRET_KEY,
        "LMS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LMS_DATABASE_URL": url,
        "LMS_INSTANCE_PATH": str(folder / "instance"),
        "LMS_RATELIMIT_STORAGE_URI": config["redis_url"],
        "LMS_RATELIMIT_KEY_PREFIX": f"bench-{backend}",
        "LMS_VERIFY_LIMIT_PER_IP": "1000000000 per minute",
        "LMS_JOBS_URL": "",
    }


def make_app(env: dict[str, str]):
    from config import ProductionConfig
    from lms import create_app

    return create_app(ProductionConfig(env))


def marker_path(config: dict, backend: str) -> Path:
    if backend == "sqlite":
        return config["data"] / "sqlite" / "lms.sqlite3.bench.json"
    return config["data"] / "postgresql.bench.json"


def _pg_admin(config: dict):
    """An engine on the server's maintenance database, to create or drop the bench database."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(config["pg_url"])
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT"), url.database


def _existing_count(env: dict) -> int | None:
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    engine = create_engine(normalise_database_url(env["LMS_DATABASE_URL"]))
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT COUNT(*) FROM certificates")).scalar()
    except Exception:
        return None
    finally:
        engine.dispose()


def ensure_dataset(config: dict, backend: str, env: dict) -> dict:
    """Reuse the data set of this scale and schema revision, or build it from nothing."""
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    marker = marker_path(config, backend)
    recorded = None if config["rebuild"] else dataset.read_marker(marker, config["scale"], revision)
    if recorded is not None and _existing_count(env) == recorded["counts"]["certificates"]:
        print(f"[{backend}] reusing the data set built {recorded['built_at']} ({marker})")
        return recorded
    print(f"[{backend}] building the data set (scale {config['scale']}, schema {revision})")
    if backend == "sqlite":
        database = config["data"] / "sqlite" / "lms.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        database.parent.mkdir(parents=True, exist_ok=True)
    else:
        from sqlalchemy import text

        engine, name = _pg_admin(config)
        if not (name or "").startswith("bench"):
            # It is dropped and created again: never the suite's database or anybody's data.
            raise SystemExit(
                f"BENCH_PG_URL must name a database of its own (bench...), not {name!r}"
            )
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    marker.unlink(missing_ok=True)
    app = make_app(env)
    recorded = dataset.migrate_and_build(app, marker, config["scale"])
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()
    return recorded


# --- what the requests carry ----------------------------------------------------------------


def login_cookie(app, user_id: int) -> tuple[str, str]:
    """A session cookie for ``user_id`` made as a login makes it (a server-side login session,
    Flask-Login's keys, a CSRF token), signed with the site's key; and that CSRF token."""
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from lms import login_sessions
    from lms.extensions import db
    from lms.models import User

    with app.test_request_context(
        "/", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        user = db.session.get(User, user_id)
        login_sessions.start_session(user, user_agent=USER_AGENT, ip_address="127.0.0.1")
        login_user(user)
        session.permanent = True
        token = generate_csrf()
        value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return f"{app.config['SESSION_COOKIE_NAME']}={value}", token


ANSWERS = {"true_false": "true", "numeric": "60", "short_text": "договор о медиации"}
# In each autosave body, the first short-text answer ends with this word, which the wrk
# script replaces with a number of its own on every request: every save changes an answer
# and writes (a save that changes nothing writes nothing).
SAVE_COUNTER = "SAVECOUNTER"


def autosave_entries(app, recorded: dict) -> tuple[list[dict], dict[int, dict[int, str]]]:
    """Per trainee of the 16: the attempt page, the autosave POST of a whole form, and the
    answers it must leave stored. Their saved answers are cleared first."""
    from sqlalchemy import update

    from lms.extensions import db
    from quizzes.models import AttemptQuestion
    from quizzes.question_types import get_type

    entries, expected = [], {}
    for item in recorded["autosave"]:
        cookie, token = login_cookie(app, item["user_id"])
        with app.app_context():
            attempt_id = item["attempt_id"]
            db.session.execute(
                update(AttemptQuestion)
                .where(AttemptQuestion.attempt_id == attempt_id)
                .values(answer_json=None, answered_at=None)
            )
            db.session.commit()
            questions = db.session.scalars(
                db.select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)
            ).all()
            fields = [("csrf_token", token)]
            answers = {}
            counted = False
            for question in questions:
                kind = question.version.question.type
                presentation = question.presentation
                value = ANSWERS.get(kind) or presentation["options"][0]["id"]
                if kind == "short_text" and not counted:
                    value, counted = f"{value} {SAVE_COUNTER}", True
                fields.append((f"q{question.position}", value))
                answer = get_type(kind).parse(presentation, [value])
                answers[question.id] = json.dumps(answer, ensure_ascii=False)
            expected[attempt_id] = answers
        entries.append(
            {
                "attempt_id": attempt_id,
                "cookie": cookie,
                "body": urllib.parse.urlencode(fields),
            }
        )
    return entries, expected


def lost_answers(app, expected: dict[int, dict[int, str]]) -> int:
    """How many answers the autosave run should have stored and did not."""
    from lms.extensions import db
    from quizzes.models import AttemptQuestion

    lost = 0
    with app.app_context():
        for attempt_id, answers in expected.items():
            stored = dict(
                db.session.execute(
                    db.select(AttemptQuestion.id, AttemptQuestion.answer_json).where(
                        AttemptQuestion.attempt_id == attempt_id
                    )
                ).all()
            )
            lost += sum(
                1 for key, value in answers.items() if not stored_as(stored.get(key), value)
            )
    return lost


def stored_as(stored: str | None, expected: str) -> bool:
    """Whether ``stored`` is the expected answer (the counted one with any number)."""
    if stored is None or SAVE_COUNTER not in expected:
        return stored == expected
    return re.fullmatch(re.escape(expected).replace(SAVE_COUNTER, r"[0-9]+"), stored) is not None


def lookup_inputs(app) -> dict:
    """Random existing numbers, a mistyped one (check symbol wrong) and an unknown one."""
    from sqlalchemy import func, select

    from certificates.models import Certificate
    from certificates.numbers import ALPHABET, NumberError, parse
    from lms.extensions import db

    with app.app_context():
        low, high = db.session.execute(
            select(func.min(Certificate.id), func.max(Certificate.id))
        ).one()
        rng = random.Random()
        ids = sorted({rng.randint(low, high) for _ in range(SAMPLE_NUMBERS)})
        numbers = []
        for start in range(0, len(ids), 500):
            numbers += db.session.scalars(
                select(Certificate.number).where(Certificate.id.in_(ids[start : start + 500]))
            ).all()
        prefix = app.config["CERTIFICATE_PREFIX"]
        base = numbers[0]
        typo = next(
            base[:-1] + symbol
            for symbol in ALPHABET
            if symbol != base[-1] and _fails_check(parse, NumberError, base[:-1] + symbol, prefix)
        )
        while True:
            unknown = dataset.make_number(prefix, rng)
            if (
                db.session.scalar(select(Certificate.id).where(Certificate.number == unknown))
                is None
            ):
                break
    return {"numbers": numbers, "typo": typo, "unknown": unknown}


def _fails_check(parse, error_class, text: str, prefix: str) -> bool:
    try:
        parse(text, prefix)
    except error_class as error:
        return error.kind == "check"
    return False


# --- wrk ------------------------------------------------------------------------------------

LUA = """
local entries = {%(entries)s}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  math.randomseed(os.time() * 100 + (tid or 0))
end
local saves = 0
function request()
  local e = entries[math.random(#entries)]
  local body = e[4]
  if body then
    saves = saves + 1
    body = (body:gsub("%(counter)s", tostring((tid or 0) * 100000000 + saves)))
  end
  return wrk.format(e[1], e[2], e[3], body)
end
function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,' ..
    '"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
"""


def _lua(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(requests: list[tuple[str, str, dict, str | None]]) -> str:
    """A wrk script choosing one of ``requests`` (method, path, headers, body) at random."""
    items = []
    for method, path, headers, body in requests:
        headers = {"User-Agent": USER_AGENT, **headers}
        header_table = "{" + ", ".join(f"[{_lua(k)}]={_lua(v)}" for k, v in headers.items()) + "}"
        items.append(
            f"{{{_lua(method)}, {_lua(path)}, {header_table}, {_lua(body) if body else 'nil'}}}"
        )
    return LUA % {"entries": ",\n".join(items), "counter": SAVE_COUNTER}


def wrk(port: int, script: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        completed = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(handle.name)
    line = next(x for x in completed.stdout.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line[len("BENCH_JSON ") :])
    seconds_measured = data["duration_us"] / 1e6
    return {
        "rps": round(data["requests"] / seconds_measured, 1) if seconds_measured else 0.0,
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "requests": data["requests"],
        "errors": data["connect"] + data["read"] + data["write"] + data["timeout"],
        "non_2xx_3xx": data["status"],
    }


def measure(port: int, requests: list, config: dict) -> dict:
    script = lua_script(requests)
    if config["warmup"]:
        wrk(port, script, config["warmup"], config["connections"])
    return wrk(port, script, config["duration"], config["connections"])


# --- gunicorn -------------------------------------------------------------------------------


def _gunicorn_options() -> list[str]:
    """gunicorn 25+ opens a control socket at one fixed path per user: two servers (the site
    and the ceiling, or another benchmark) would fight over it, so it is turned off."""
    help_text = subprocess.run(
        [str(BIN / "gunicorn"), "--help"], capture_output=True, text=True, check=False
    ).stdout
    return ["--no-control-socket"] if "--no-control-socket" in help_text else []


class Server:
    """gunicorn with 2 sync workers, started and stopped by this script (by its pid only)."""

    def __init__(self, module: str, port: int, env: dict[str, str], log: Path, ready: str) -> None:
        self.port = port
        log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{port}",
                "--chdir",
                str(ROOT),
                "--error-logfile",
                str(log),
                *_gunicorn_options(),
                module,
            ],
            env={**os.environ, **env},
            cwd=ROOT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {module} stopped; see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready}", timeout=5) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn {module} did not answer on port {port}; see {log}")

    def workers(self) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                sizes.append(round(int(match.group(1)) / 1024, 1))
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_saves_here = itertools.count(1)


def status_of(port: int, method: str, path: str, headers: dict, body: str | None) -> int:
    if body:  # a save of this script's own changes an answer too (see SAVE_COUNTER)
        body = body.replace(SAVE_COUNTER, str(next(_saves_here)))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body.encode() if body else None,
        method=method,
        headers={"User-Agent": USER_AGENT, **headers},
    )
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as reply:
            reply.read()
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def prime(port: int, requests: list, threads: int = 4) -> float:
    """Send every request once (``threads`` at a time) and return the seconds it took.

    Used on the certificate lookups before anything is measured: the sampled numbers are
    random rows of a table larger than PostgreSQL's buffers, so their first lookups read the
    disk. A site that has been up a while answers from a warm cache (the database's and the
    operating system's), and that is what the benchmark measures; a few seconds of warm-up
    would touch only some of the 5,000 numbers and leave the first endpoint measured on a
    cold cache."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda request: status_of(port, *request), requests))
    return round(time.perf_counter() - started, 1)


def one_by_one_ms(port: int, requests: list, count: int = 50) -> float:
    """The median time of ``count`` requests sent one after the other (no concurrency): a
    figure that load from other processes disturbs far less than the rate under wrk."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        status_of(port, *random.choice(requests))
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 2)


# --- storage --------------------------------------------------------------------------------


def bytes_per_certificate(app) -> dict:
    """Table and index bytes of certificates (with the compression dictionaries their facts
    share, ``facts_dictionaries``) and of their events, per certificate."""
    from sqlalchemy import text

    from lms.extensions import db

    sizes = {}
    with app.app_context():
        count = db.session.scalar(text("SELECT COUNT(*) FROM certificates")) or 1
        for table in ("certificates", "facts_dictionaries", "certificate_events"):
            if db.engine.dialect.name == "postgresql":
                size = db.session.scalar(text(f"SELECT pg_total_relation_size('{table}')"))
            else:
                size = db.session.scalar(
                    text(
                        "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                        "(SELECT name FROM sqlite_master WHERE tbl_name = :table)"
                    ),
                    {"table": table},
                )
            sizes[table] = (size or 0) / count
    sizes["certificates"] += sizes.pop("facts_dictionaries")
    return {table: round(size) for table, size in sizes.items()}


# --- the endpoints ---------------------------------------------------------------------------


def endpoints(app, recorded: dict) -> tuple[list[tuple[str, list, int]], dict]:
    """(name, requests, expected status) per endpoint, and the autosave expectations."""
    inputs = lookup_inputs(app)
    cookies = {
        role: login_cookie(app, user_id)[0] for role, user_id in recorded["accounts"].items()
    }
    saving, expected = autosave_entries(app, recorded)
    numbers = inputs["numbers"]

    def get(path: str, cookie: str | None = None) -> list:
        return [("GET", path, {"Cookie": cookie} if cookie else {}, None)]

    form = "application/x-www-form-urlencoded"
    listed = [
        ("verify page (random numbers)", [("GET", f"/verify/{n}", {}, None) for n in numbers], 200),
        (
            "verify API (random numbers)",
            [("GET", f"/api/v1/certificates/{n}", {}, None) for n in numbers],
            200,
        ),
        ("verify page (mistyped)", get(f"/verify/{inputs['typo']}"), 400),
        ("verify API (mistyped)", get(f"/api/v1/certificates/{inputs['typo']}"), 400),
        ("verify page (unknown)", get(f"/verify/{inputs['unknown']}"), 404),
        ("verify API (unknown)", get(f"/api/v1/certificates/{inputs['unknown']}"), 404),
        ("JWKS", get("/.well-known/jwks.json"), 200),
        ("home", get("/"), 200),
        ("catalogue", get("/courses/"), 200),
        ("module page", get(recorded["module_path"], cookies["trainee"]), 200),
        ("dashboard (trainee)", get("/dashboard", cookies["trainee"]), 200),
        ("dashboard (trainer)", get("/dashboard", cookies["trainer"]), 200),
        ("dashboard (admin)", get("/dashboard", cookies["admin"]), 200),
        (
            "quiz attempt page",
            [
                ("GET", f"/quizzes/attempts/{e['attempt_id']}", {"Cookie": e["cookie"]}, None)
                for e in saving
            ],
            200,
        ),
        (
            "answer autosave",
            [
                (
                    "POST",
                    f"/quizzes/attempts/{e['attempt_id']}/autosave",
                    {"Cookie": e["cookie"], "Content-Type": form},
                    e["body"],
                )
                for e in saving
            ],
            200,
        ),
    ]
    return listed, {"expected": expected, "typo": inputs["typo"], "unknown": inputs["unknown"]}


def run_backend(config: dict, backend: str, port: int, ceiling_port: int) -> dict:
    env = site_env(config, backend, port)
    recorded = ensure_dataset(config, backend, env)
    app = make_app(env)
    listed, extra = endpoints(app, recorded)
    results_dir = ROOT / "bench" / "results"
    selected = [e for e in listed if not config["only"] or e[0] in config["only"]]
    # Recorded before the site serves (in this process); its server stops with the others.
    floors = start_floor(config, app, env, selected, port, results_dir / f"floor-{backend}")
    started = [floors.server] if floors is not None else []
    try:  # a server that failed to start leaves none of the others running
        server = Server("wsgi:app", port, env, results_dir / f"gunicorn-{backend}.log", "/healthz")
        started.append(server)
        ceiling = Server(
            "bench.ceiling:app", ceiling_port, {}, results_dir / "gunicorn-ceiling.log", "/"
        )
    except BaseException:
        for running in started:
            running.stop()
        raise
    rows: dict[str, dict] = {}
    try:
        # The ceiling is measured again just before each endpoint and the endpoint's share
        # is of that measurement: on a machine that is not quiet, load changes within a run.
        top = [("GET", "/", {}, None)]
        wrk(ceiling_port, lua_script(top), config["warmup"] or 1, config["connections"])
        lookups = {name: requests for name, requests, _ in listed}
        primed = prime(port, lookups["verify API (random numbers)"])
        print(f"[{backend}] every sampled certificate looked up once: {primed} s")
        ceilings = []
        for name, requests, expected_status in listed:
            if config["only"] and name not in config["only"]:
                continue
            base = wrk(ceiling_port, lua_script(top), config["duration"], config["connections"])
            base["one_by_one_ms"] = one_by_one_ms(ceiling_port, top)
            ceilings.append(base)
            status = status_of(port, *requests[0])
            row = measure(port, requests, config)
            row["status"] = status
            row["expected_status"] = expected_status
            row["one_by_one_ms"] = one_by_one_ms(port, requests)
            row["ceiling_rps"] = base["rps"]
            row["ratio"] = round(row["rps"] / base["rps"], 3) if base["rps"] else None
            if name == "answer autosave":
                row["answers_lost"] = lost_answers(app, extra["expected"])
            rows[name] = row
            note = (
                ""
                if status == expected_status
                else f"  (status {status}, expected {expected_status})"
            )
            if floors is not None:
                row.update(floors.measure(name, config, base["rps"]))
                if row.get("floor_ratio") is not None:
                    note += (
                        f"; floor {100 * row['floor_ratio']:.0f}% "
                        f"({row['round_trips']} database calls a request)"
                    )
            print(
                f"[{backend}] {name}: {row['rps']:.0f} requests/s, p50 {row['p50_ms']} ms, "
                f"p99 {row['p99_ms']} ms, {100 * (row['ratio'] or 0):.0f}% of the ceiling "
                f"({base['rps']:.0f} requests/s just before){note}"
            )
        base = {
            "rps": statistics.median(c["rps"] for c in ceilings) if ceilings else 0.0,
            "p50_ms": statistics.median(c["p50_ms"] for c in ceilings) if ceilings else 0.0,
            "p99_ms": statistics.median(c["p99_ms"] for c in ceilings) if ceilings else 0.0,
            "one_by_one_ms": (
                statistics.median(c["one_by_one_ms"] for c in ceilings) if ceilings else 0.0
            ),
            "runs": ceilings,
            "rss_mb": ceiling.worker_rss_mb(),
        }
        rss = server.worker_rss_mb()
    finally:
        server.stop()
        ceiling.stop()
        if floors is not None:
            floors.server.stop()
    storage = bytes_per_certificate(app)
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()
    return {
        "ceiling": base,
        "endpoints": rows,
        "worker_rss_mb": rss,
        "bytes_per_certificate": storage,
        "dataset": {k: recorded[k] for k in ("scale", "revision", "built_at", "counts", "seconds")},
    }


class Floors:
    """The floor's server and the recorded requests of each endpoint (``bench/floor.py``)."""

    def __init__(self, server: Server, plans: dict[str, list[list]]) -> None:
        self.server = server
        self.plans = plans
        self.index = {name: number for number, name in enumerate(plans)}

    def measure(self, name: str, config: dict, ceiling_rps: float) -> dict:
        from bench import floor

        plan = self.plans.get(name) or []
        round_trips = round(floor.statements_per_request(plan), 1)
        if not round_trips:
            return {"round_trips": 0.0, "floor_rps": None, "floor_ratio": None}
        requests = [("GET", f"/{self.index[name]}/{i}", {}, None) for i in range(len(plan))]
        measured = measure(self.server.port, requests, config)
        return {
            "round_trips": round_trips,
            "floor_rps": measured["rps"],
            "floor_ratio": round(measured["rps"] / ceiling_rps, 3) if ceiling_rps else None,
            "floor_errors": measured["errors"] + measured["non_2xx_3xx"],
        }


def start_floor(config: dict, app, env: dict, selected: list, port: int, stem: Path):
    """Record the selected endpoints' statements and serve their floor (None when off)."""
    if not config["floor"]:
        return None
    import pickle

    from bench import floor

    plans = floor.record(app, selected, 50, SAVE_COUNTER)
    stem.parent.mkdir(parents=True, exist_ok=True)
    plan_file = stem.with_suffix(".pickle")
    plan_file.write_bytes(pickle.dumps(list(plans.values())))
    server = Server(
        "bench.floor:app",
        port + 100,
        {"BENCH_FLOOR_PLAN": str(plan_file), "BENCH_FLOOR_DATABASE": env["LMS_DATABASE_URL"]},
        stem.with_suffix(".log"),
        "/",
    )
    return Floors(server, plans)


# --- in-process figures ----------------------------------------------------------------------


def _median_ms(call, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 2)


def in_process(config: dict) -> dict:
    """Grading 100 questions, one certificate PDF, issuing 500 certificates with their PDFs
    (``certificates.bulk_issuance.bulk_issue``), importing a 100-module course: in this process, on
    a small SQLite data set of its own (a temporary folder)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import grade_attempt

    from quizzes.grading import grade_attempt as grade

    questions, answers = grade_attempt.build(random.Random(7))
    thresholds = {"C1-LAW": 80, "C3-ETH": 90, "C6-DRAFT": 70}
    for _ in range(20):
        grade(questions, answers, pass_mark=70, thresholds=thresholds)
    figures = {
        "grade_100_questions_ms": _median_ms(
            lambda: grade(questions, answers, pass_mark=70, thresholds=thresholds), 300
        )
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        scratch = {**config, "data": Path(folder)}
        env = site_env(scratch, "sqlite", config["port"])
        (Path(folder) / "sqlite").mkdir()
        app = make_app(env)
        recorded = dataset.migrate_and_build(
            app, Path(folder) / "marker.json", 0, log=lambda _: None
        )
        with app.test_request_context():
            figures.update(_pdf_issue_import(app, recorded))
            from lms.extensions import db

            db.engine.dispose()
    return figures


def _pdf_issue_import(app, recorded: dict) -> dict:
    from datetime import timedelta
    from decimal import Decimal

    from certificates import bulk_issuance
    from certificates.facts import verify_url
    from certificates.models import Certificate, Qualification
    from certificates.pdf import render_pdf
    from courses.content_bundle import parse_bundle
    from courses.content_io import import_bundle
    from lms.database import utcnow
    from lms.extensions import db
    from lms.models import User
    from lms.yaml_files import dump_readable
    from seminars.models import Registration, Seminar, SeminarSession

    figures = {}
    certificate = db.session.scalar(db.select(Certificate).limit(1))
    facts = certificate.facts
    render_pdf(facts, verify_url(certificate.number), certificate.jws)  # fonts loaded once
    figures["one_pdf_ms"] = _median_ms(
        lambda: render_pdf(facts, verify_url(certificate.number), certificate.jws), 20
    )

    # 500 participants of one seminar, all eligible for an attendance certificate.
    now = utcnow()
    trainer = db.session.get(User, recorded["accounts"]["trainer"])
    qualification = db.session.scalar(db.select(Qualification).limit(1))
    first = dataset._next_id(User.__table__)
    db.session.commit()  # the bulk insert writes on a connection of its own
    dataset.bulk_insert(
        User.__table__,
        (
            {
                "id": first + k,
                "email": f"bulk-{k}@example.kz",
                "display_name": "Bulk",
                "full_name": f"Участник {k}",
                "password_hash": "x",
                "role": "trainee",
                "active": True,
                "language": "ru",
                "created_at": now,
                "updated_at": now,
            }
            for k in range(500)
        ),
    )
    seminar = Seminar(
        course_id=db.session.scalar(db.select(Seminar.course_id).limit(1)),
        title="Bulk issue",
        capacity=500,
        status="completed",
        language="ru",
    )
    seminar.sessions.append(
        SeminarSession(
            starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(days=2) + timedelta(hours=6),
            topic="Session",
            academic_hours=Decimal("6"),
        )
    )
    db.session.add(seminar)
    db.session.flush()
    db.session.add_all(
        Registration(seminar_id=seminar.id, user_id=first + k, status="attended")
        for k in range(500)
    )
    db.session.commit()
    started = time.perf_counter()
    result = bulk_issuance.bulk_issue(qualification, seminar, by=trainer)
    figures["issue_500_seconds"] = round(time.perf_counter() - started, 2)
    figures["issue_500_issued"] = len(result.issued)

    # A course of 100 modules, as files, imported.
    source = dataset.MODULE_SOURCE.format(title="Module", filler="Текст модуля. " * 200)
    entries = {}
    names = []
    for position in range(1, 101):
        name = f"{position:03d}-module-{position}.md"
        names.append(name)
        head = dump_readable(
            {"title": f"Module {position}", "slug": f"module-{position}", "minutes": 10}
        )
        entries[name] = f"---\n{head}---\n\n{source}\n".encode()
    meta = {
        "slug": "bench-import",
        "title": "Imported course",
        "language": "ru",
        "summary": "",
        "status": "published",
        "cover": "",
        "modules": names,
    }
    entries["course.yml"] = dump_readable(meta).encode()
    started = time.perf_counter()
    imported = import_bundle(parse_bundle(entries), owner=trainer)
    figures["import_100_modules_seconds"] = round(time.perf_counter() - started, 2)
    figures["import_100_modules_count"] = len(imported.course.modules)
    return figures


# --- report ---------------------------------------------------------------------------------


def machine() -> dict:
    cpu = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpu, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def table(results: dict) -> str:
    backends = list(results["backends"])
    head = (
        "| Endpoint | "
        + " | ".join(
            f"{b} req/s | p50 ms | p99 ms | % ceiling | floor | 1 by 1 ms" for b in backends
        )
        + " |"
    )
    lines = [head, "|---|" + "---:|" * (6 * len(backends))]
    names = ["ceiling (minimal Flask page; median of its runs)"]
    for data in results["backends"].values():
        names += [n for n in data["endpoints"] if n not in names]
    for name in names:
        cells = []
        for backend in backends:
            data = results["backends"][backend]
            row = data["ceiling"] if name.startswith("ceiling") else data["endpoints"].get(name)
            if row is None:
                cells.append("– | – | – | – | – | –")
                continue
            ratio = 100.0 if name.startswith("ceiling") else 100 * (row.get("ratio") or 0)
            floor = row.get("floor_ratio")
            cells.append(
                f"{row['rps']:.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {ratio:.0f}% | "
                f"{'–' if floor is None else f'{100 * floor:.0f}%'} | "
                f"{row.get('one_by_one_ms', 0):.1f}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "- floor: the share of the ceiling of a page that only sends the endpoint's own "
        "recorded statements through the plain driver (bench/floor.py); – where it sends none"
    )
    for backend in backends:
        data = results["backends"][backend]
        autosave = data["endpoints"].get("answer autosave", {})
        lines.append(
            f"- {backend}: resident memory per gunicorn worker {data['worker_rss_mb']} MB; "
            f"bytes per certificate {data['bytes_per_certificate']['certificates']} "
            f"(+ {data['bytes_per_certificate']['certificate_events']} for its issue event); "
            f"autosave answers lost: {autosave.get('answers_lost', '–')}, "
            f"non-2xx replies: {autosave.get('non_2xx_3xx', '–')}"
        )
        built = data["dataset"]
        lines.append(
            f"- {backend}: data set of scale {built['scale']} ({built['counts']['certificates']} "
            f"certificates) built in {built['seconds']['total']} s, of which certificates "
            f"{built['seconds']['certificates']} s (numbering, facts and signing "
            f"{built['seconds']['certificates_signing']} s)"
        )
    extra = results.get("in_process", {})
    if extra:
        lines.append(
            f"- in process (SQLite): grading 100 questions {extra['grade_100_questions_ms']} ms; "
            f"one certificate PDF {extra['one_pdf_ms']} ms; 500 certificates with PDFs "
            f"{extra['issue_500_seconds']} s ({extra['issue_500_issued']} issued); "
            f"importing a 100-module course {extra['import_100_modules_seconds']} s"
        )
    return "\n".join(lines)


def main() -> int:
    config = settings()
    if shutil.which("wrk") is None:
        print("wrk is missing: install the Debian package `wrk` (apt-get install wrk).")
        return 2
    if not (BIN / "gunicorn").exists():
        print("gunicorn is missing: .venv/bin/pip install -e '.[production]' (make bench does).")
        return 2
    started = datetime.now(UTC)
    results: dict = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            k: (str(v) if isinstance(v, Path) else sorted(v) if isinstance(v, set) else v)
            for k, v in config.items()
        },
        "backends": {},
    }
    for index, backend in enumerate(config["backends"]):
        port = config["port"] + 2 * index
        results["backends"][backend] = run_backend(config, backend, port, port + 1)
    if not config["only"]:
        print("in-process figures ...")
        results["in_process"] = in_process(config)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    output = ROOT / "bench" / "results"
    output.mkdir(parents=True, exist_ok=True)
    (output / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    text = table(results)
    (output / "latest.md").write_text(text + "\n", encoding="utf-8")
    print()
    print(f"Scale {config['scale']}, {config['connections']} connections, "
          f"{config['duration']} s per endpoint after {config['warmup']} s of warm-up")  # fmt: skip
    print(text)
    print(f"\nWritten: {output / 'latest.json'} and {output / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
