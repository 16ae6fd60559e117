"""The floor: what an endpoint's database work alone costs, served like the site.

For each endpoint the benchmark records, in its own process, the statements a few of its
requests send (``record``): every statement with its parameters as the driver received
them, every commit and rollback, and a ping where the connection pool pings on checkout
(``pool_pre_ping``, if an engine is given it; the site's PostgreSQL pool has not pinged since
the tenth round, lms.database). This module's ``app`` is then
served exactly like the site and the ceiling (gunicorn, 2 sync workers) and replays one
recorded request per HTTP request on a connection of its own per worker, through the plain
driver (sqlite3 or psycopg: no SQLAlchemy, no ORM, no template, no session cookie, no
login), and returns the ceiling's short page.

Its share of the ceiling is the most the endpoint could reach while it sends those
statements: what is left between the floor and the endpoint is the site's own code (Flask's
extensions, the ORM, the templates); what is left between the floor and the ceiling is the
database's (the driver's round trips and, on PostgreSQL, the server's processes sharing the
machine's two cores with the workers and wrk). It leaves out the rate limit's Redis calls
and the replies' sizes. A write is replayed as recorded (the same row, the same values), so
the floor of the autosave writes as often as the autosave does.

Settings (environment): ``BENCH_FLOOR_PLAN``, the recorded plan (a pickle this benchmark
wrote); ``BENCH_FLOOR_DATABASE``, the database's SQLAlchemy address.
"""

from __future__ import annotations

import itertools
import os
import pickle
import sqlite3
from pathlib import Path

from flask import Flask

from bench.ceiling import PAGE

# --- recording (in the benchmark's own process) ----------------------------------------------


def record(app, listed: list, per_endpoint: int, save_counter: str) -> dict[str, list[list]]:
    """{endpoint name: [the steps of one request, ...]} for up to ``per_endpoint`` requests
    of each endpoint in ``listed`` ((name, requests, expected status), as ``bench.run``
    lists them), sent to ``app`` in this process.

    A step is ("ping",), ("execute", statement, parameters, many, autocommit), ("commit",
    autocommit) or ("rollback", autocommit)."""
    from sqlalchemy import event
    from werkzeug.test import EnvironBuilder

    from lms.extensions import db

    with app.app_context():
        engine = db.engine
    pings = bool(getattr(engine.pool, "_pre_ping", False))
    steps: list = []

    def autocommit(connection) -> bool:
        # As the driver is now: on PostgreSQL a connection reads in autocommit until its
        # first write (lms.database), or was asked for autocommit.
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return True
        raw = connection.connection.dbapi_connection
        return connection.dialect.driver == "psycopg" and bool(raw.autocommit)

    # Recorded once it ran: a connection's first write turns its autocommit off before it.
    def on_execute(connection, cursor, statement, parameters, context, executemany):
        steps.append(("execute", statement, parameters, executemany, autocommit(connection)))

    def on_commit(connection):
        steps.append(("commit", autocommit(connection)))

    def on_rollback(connection):
        steps.append(("rollback", autocommit(connection)))

    def on_checkout(dbapi_connection, record, proxy):
        if pings:
            steps.append(("ping",))

    listeners = [
        (engine, "after_cursor_execute", on_execute),
        (engine, "commit", on_commit),
        (engine, "rollback", on_rollback),
        (engine.pool, "checkout", on_checkout),
    ]
    for target, name, function in listeners:
        event.listen(target, name, function)
    counter = itertools.count(10**9)

    def send(method: str, path: str, headers: dict, body: str | None) -> None:
        if body and save_counter in body:  # every save changes an answer, as under wrk
            body = body.replace(save_counter, str(next(counter)))
        environ = EnvironBuilder(
            path=path,
            method=method,
            headers={"User-Agent": "bench", **headers},
            data=body,
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ).get_environ()
        reply = app(environ, lambda status, headers, exc_info=None: None)
        try:
            for _chunk in reply:
                pass
        finally:
            getattr(reply, "close", lambda: None)()

    plans: dict[str, list[list]] = {}
    try:
        for name, requests, _expected in listed:
            # Each request is sent once before it is recorded, as the site has served it
            # before wrk measures it: a first save writes every answer, a later one only
            # what changed; the per-process caches are filled.
            for request in requests[:per_endpoint]:
                send(*request)
            plans[name] = []
            for request in requests[:per_endpoint]:
                steps.clear()
                send(*request)
                plans[name].append(list(steps))
    finally:
        for target, name, function in listeners:
            event.remove(target, name, function)
    return plans


def statements_per_request(plan: list[list]) -> float:
    """The calls of a recorded request that reach the database, on average: pings,
    statements, and the commits and rollbacks of a transaction (an autocommit connection's
    are no calls). On PostgreSQL the driver's BEGIN before a transaction's first statement
    is one more, not counted here (the replay sends it as the site does)."""
    if not plan:
        return 0.0
    calls = sum(
        1 for steps in plan for step in steps if step[0] in ("ping", "execute") or not step[1]
    )
    return calls / len(plan)


# --- replaying (the served application) --------------------------------------------------------


class _Replayer:
    """One worker's connections: a transaction's and an autocommit one (PostgreSQL), or one
    sqlite3 connection set up as the site sets up its own (lms/database.py)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sqlite = address.startswith("sqlite")
        if self.sqlite:
            path = address.split("///", 1)[1]
            self.connection = sqlite3.connect(path, timeout=5, check_same_thread=False)
            self.connection.create_function(
                "lower", 1, lambda v: v.lower() if isinstance(v, str) else v, deterministic=True
            )
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
                self.connection.execute(f"PRAGMA {pragma}")
            self.free = self.connection
        else:
            import psycopg

            dsn = address.replace("postgresql+psycopg://", "postgresql://", 1)
            self.connection = psycopg.connect(dsn)
            self.free = psycopg.connect(dsn, autocommit=True)

    def run(self, steps: list) -> None:
        for step in steps:
            kind = step[0]
            if kind == "ping":
                self.free.execute("SELECT 1").fetchall()
            elif kind == "execute":
                _, statement, parameters, many, free = step
                connection = self.free if free else self.connection
                cursor = connection.cursor()
                if many:
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters)
                    if cursor.description is not None:
                        cursor.fetchall()
                cursor.close()
            elif kind == "commit" and not step[1]:
                self.connection.commit()
            elif kind == "rollback" and not step[1]:
                self.connection.rollback()


app = Flask(__name__)
_state: dict = {}  # per worker, after the fork: the plan and the connections


@app.get("/")
def ready() -> str:
    return PAGE


@app.get("/<int:endpoint>/<int:request_index>")
def replay(endpoint: int, request_index: int) -> str:
    if "replayer" not in _state:
        plan = Path(os.environ["BENCH_FLOOR_PLAN"]).read_bytes()
        _state["plan"] = pickle.loads(plan)  # noqa: S301 - the benchmark's own file
        _state["replayer"] = _Replayer(os.environ["BENCH_FLOOR_DATABASE"])
    _state["replayer"].run(_state["plan"][endpoint][request_index])
    return PAGE
