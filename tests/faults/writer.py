"""One of the processes of the concurrent-writes test: ``python -m tests.faults.writer
ARGS.json``. Builds the app on the test's database, waits for ``go`` on standard input (all
writers start together), makes its accounts through the service, and prints one JSON line:
how many it created, how many were refused as taken, and any other error, verbatim."""

from __future__ import annotations

import json
import sys

from config import TestingConfig
from lms import accounts, create_app

PASSWORD = "correct horse battery"


def main() -> None:
    args = json.loads(sys.argv[1])
    app = create_app(
        TestingConfig(database_url=args["database_url"], instance_path=args["instance_path"])
    )
    # The password-strength estimate (zxcvbn, tens of ms) is not what is measured here.
    accounts.check_new_password = lambda *args, **kwargs: None
    me, writes, shared_every = args["writer"], args["writes"], args["shared_every"]
    outcome = {"created": 0, "taken": 0, "errors": []}
    with app.app_context():
        print("READY", flush=True)
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("no go")
        for n in range(writes):
            if n % shared_every == 0:
                # Every writer tries this address, each in its own letter case.
                local = f"shared{n}"
                email = (local.upper() if me % 2 else local) + (
                    "@EXAMPLE.kz" if me >= 2 else "@example.kz"
                )
            else:
                email = f"writer{me}-{n}@example.kz"
            try:
                accounts.create_user(
                    email=email,
                    password=PASSWORD,
                    display_name=f"Writer {me}",
                    full_name=f"Жазушы {me} {n}",
                )
                outcome["created"] += 1
            except accounts.AccountError:
                outcome["taken"] += 1
            except Exception as error:  # what the test is looking for: "database is locked"
                outcome["errors"].append(f"{type(error).__name__}: {error}")
                from lms.extensions import db

                db.session.rollback()
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
