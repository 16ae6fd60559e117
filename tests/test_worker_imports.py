"""What a web worker loads at start (issue 17: < 150 MB per worker). The heavy libraries of
issuing, PDFs, passwords and credentials are imported where they are first used, so a worker
that serves pages and verifications never holds them; Flask-Migrate (with Alembic) is bound the
first time it is used (``lms.schema_migrations``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAZY = (
    "pyld",
    "requests",
    "fpdf",
    "fontTools",
    "zxcvbn",
    "pypdf",
    "icalendar",
    "flask_migrate",
    "alembic",
    "mako",
)


def test_a_new_worker_loads_none_of_the_heavy_libraries():
    code = (
        "import json, sys\n"
        "from lms import create_app\n"
        "create_app('testing')\n"
        f"print(json.dumps([m for m in {LAZY!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_placeholder_base_is_pylds():
    from pyld import jsonld

    from certificates.ob3 import safe

    assert safe.PLACEHOLDER_BASE == jsonld.DEFAULT_BASE_IRI


def test_flask_db_binds_flask_migrate_when_asked_for(empty_app):
    from alembic.script import ScriptDirectory

    from lms.extensions import db
    from lms.schema_migrations import OnFirstUse

    assert isinstance(empty_app.extensions["migrate"], OnFirstUse)
    result = empty_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert not isinstance(empty_app.extensions["migrate"], OnFirstUse)
    assert empty_app.extensions["migrate"].directory == empty_app.config["MIGRATIONS_DIR"]
    with db.engine.connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    head = ScriptDirectory(empty_app.config["MIGRATIONS_DIR"]).get_current_head()
    assert version == head


def test_code_that_reads_the_migrate_extension_binds_it(empty_app):
    """``flask_migrate.upgrade()`` in code (tests, the benchmark) finds its configuration."""
    from lms.extensions import db

    migrate = empty_app.extensions["migrate"]
    assert migrate.db is db
    assert migrate.directory == empty_app.config["MIGRATIONS_DIR"]
    assert migrate.configure_args["render_as_batch"] is True


def test_a_web_worker_freezes_what_start_up_built(tmp_path):
    """``wsgi`` (what gunicorn imports) settles the heap (``lms.heap``): the objects of the
    code and libraries are frozen, so a full collection walks only what requests made since
    instead of pausing a request for 100+ ms."""
    code = (
        "import gc, json\n"
        "import wsgi\n"
        "print(json.dumps([gc.get_freeze_count(), len(gc.get_objects())]))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(LMS_CONFIG="testing", LMS_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    frozen, walked = json.loads(result.stdout.strip().splitlines()[-1])
    assert frozen > 100_000
    assert walked < frozen / 20
