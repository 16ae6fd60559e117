"""200 writes from 4 processes at once (no "database is locked" on SQLite), and the rules that
must hold the same on SQLite and PostgreSQL: unique and case-insensitive e-mail addresses,
length limits and NUL characters refused by the services, before either database sees them.
Every test here runs on each backend, the 4 writers on SQLite only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import accounts
from lms.extensions import db
from lms.models import User

ROOT = Path(__file__).resolve().parents[2]
WRITERS, WRITES, SHARED_EVERY = 4, 50, 5


def test_200_concurrent_writes_from_4_processes_on_sqlite(app, backend):
    if backend.name != "sqlite":
        pytest.skip("the SQLite writer lock is what is tested (PostgreSQL has row locks)")
    db.session.commit()
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.faults.writer",
                json.dumps(
                    {
                        "database_url": app.config["SQLALCHEMY_DATABASE_URI"],
                        "instance_path": app.instance_path,
                        "writer": number,
                        "writes": WRITES,
                        "shared_every": SHARED_EVERY,
                    }
                ),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for number in range(WRITERS)
    ]
    try:
        for writer in writers:  # every one built its app and is waiting
            assert writer.stdout.readline().strip() == "READY"
        for writer in writers:
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outcomes = []
        for writer in writers:
            out, _ = writer.communicate(timeout=300)
            assert writer.returncode == 0, out
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()

    assert [o["errors"] for o in outcomes] == [[]] * WRITERS  # no "database is locked"
    shared = WRITES // SHARED_EVERY
    own = WRITES - shared
    # Each writer made its own accounts; each shared address (in four letter cases) once.
    assert sum(o["created"] for o in outcomes) == WRITERS * own + shared
    assert sum(o["taken"] for o in outcomes) == (WRITERS - 1) * shared
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == WRITERS * own + shared
    emails = db.session.scalars(select(User.email).where(User.email.like("shared%"))).all()
    assert sorted(emails) == sorted(f"shared{n}@example.kz" for n in range(0, WRITES, 5))


def _create(email="asel@example.kz", **fields):
    return accounts.create_user(
        email=email,
        password="correct horse battery",
        display_name=fields.pop("display_name", "Asel"),
        full_name=fields.pop("full_name", "Әсел Қасымова"),
        **fields,
    )


def test_email_addresses_are_unique_whatever_their_letter_case(app):
    user = _create("Asel.Kasymova@Example.KZ")
    assert user.email == "asel.kasymova@example.kz"
    for variant in ("asel.kasymova@example.kz", "ASEL.KASYMOVA@EXAMPLE.KZ"):
        with pytest.raises(accounts.AccountError) as refused:
            _create(variant)
        assert refused.value.field == "email"
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    # Underneath the service, the database itself refuses the duplicate, on both backends.
    db.session.add(User(email=user.email, display_name="x", full_name="x y", password_hash="!"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"display_name": "Ә" * 81}, "display_name"),
        ({"full_name": "Ә" * 201}, "full_name"),
        ({"email": "a" * 250 + "@example.kz"}, "email"),
        ({"full_name": "Әсел\x00Қасымова"}, "full_name"),
        ({"display_name": "Asel\x00"}, "display_name"),
    ],
)
def test_lengths_and_nul_are_refused_by_the_service_on_both_backends(app, fields, field):
    """SQLite stores any length and NUL; PostgreSQL refuses both with a database error. The
    service refuses them first, so the answer is the same refusal on both."""
    with pytest.raises(accounts.AccountError) as refused:
        _create(**fields)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_the_longest_allowed_values_are_stored_whole_on_both_backends(app):
    user = _create(display_name="Ә" * 80, full_name="Ә" * 200)
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert (len(stored.display_name), len(stored.full_name)) == (80, 200)


def test_a_nul_in_a_form_is_a_400_on_both_backends(client):
    response = client.post_form("/login", {"email": "a\x00@example.kz", "password": "x"})
    assert response.status_code == 400
