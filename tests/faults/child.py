"""A process the fault tests kill: ``python -m tests.faults.child SCENARIO ARGS.json``.

It builds the app on the test's database and instance folder, runs one operation of the
site's services, and stops at a chosen point: just before the commit that writes the
``nth`` row of ``model`` (everything of that transaction flushed, nothing committed). There
it prints ``PAUSED`` on standard output and waits to be killed; the test reads that line (a
handshake, no sleeping) and sends SIGKILL.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

from config import TestingConfig
from lms import create_app
from lms.extensions import db


def _pause_before_commit(model: type, nth: int) -> None:
    """Stop before the commit that carries the ``nth`` row of ``model`` written (inserted or
    updated) since the start, counting across transactions."""
    written = {"committed": 0, "pending": 0}

    @event.listens_for(Session, "after_flush")
    def _count(session, context):
        touched = [o for o in (*session.new, *session.dirty) if isinstance(o, model)]
        written["pending"] += len(touched)

    @event.listens_for(Session, "after_commit")
    def _committed(session):
        written["committed"] += written["pending"]
        written["pending"] = 0

    @event.listens_for(Session, "after_rollback")
    def _rolled_back(session):
        written["pending"] = 0

    real_commit = Session.commit

    def commit(self):
        self.flush()
        if written["committed"] < nth <= written["committed"] + written["pending"]:
            print("PAUSED", flush=True)
            threading.Event().wait()  # until SIGKILL
        return real_commit(self)

    Session.commit = commit


def _symbol(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def main() -> None:
    scenario, args = sys.argv[1], json.loads(sys.argv[2])
    app = create_app(
        TestingConfig(database_url=args["database_url"], instance_path=args["instance_path"])
    )
    with app.app_context():
        _pause_before_commit(_symbol(args["model"]), args["nth"])
        if scenario == "job":
            from lms import jobs

            jobs.run(args["job_id"])
        elif scenario == "roster":
            from lms.models import User
            from seminars import roster
            from seminars.models import Seminar

            seminar = db.session.get(Seminar, args["seminar_id"])
            preview = roster.parse_roster(args["roster"].encode())
            roster.apply_roster(seminar, preview, db.session.get(User, args["by_id"]))
        elif scenario == "submit":
            from quizzes import attempts

            attempts.submit(attempts.load_attempt(args["attempt_id"]))
        else:
            raise SystemExit(f"unknown scenario {scenario}")
    print("FINISHED", flush=True)  # the pause point was never reached


if __name__ == "__main__":
    main()
