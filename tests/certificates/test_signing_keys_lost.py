"""A lost signing key is noticed at start and by /healthz, not at the first issue; production
never makes a new key ring silently over existing certificates."""

from __future__ import annotations

import logging

import pytest

from certificates import issuance
from certificates.keys import SigningKeysLost, key_ring
from config import TestingConfig
from lms import create_app


def _health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.get_json()


def _start(app, caplog) -> list[str]:
    """Start another process's app on the same database and key folder; its error lines."""
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        create_app(
            TestingConfig(
                database_url=app.config["SQLALCHEMY_DATABASE_URI"],
                instance_path=app.instance_path,
                CHECK_KEYS_AT_START=True,
            )
        )
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_lost_key_file_is_reported_at_start_and_by_healthz(
    app, client, caplog, make_qualification, issue_to, make_user
):
    older = issue_to(make_qualification(), make_user())
    assert _start(app, caplog) == []
    assert _health(client)[1]["dependencies"]["signing_keys"] == {
        "status": "ok",
        "required": False,
    }

    key_ring().rotate()
    newer = issue_to(make_qualification(), make_user())
    first = key_ring().directory / "key-0001.pem"
    saved = first.read_bytes()
    first.unlink()  # the file of the key that signed ``older`` is lost

    errors = _start(app, caplog)
    assert len(errors) == 1 and older.key_id in errors[0] and "missing" in errors[0]
    status, body = _health(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["dependencies"]["signing_keys"]["status"] == "down"
    assert "restore the key files" in body["dependencies"]["signing_keys"]["fallback"]
    # Certificates of the other key still verify; the orphaned one says so, plainly.
    assert client.get(f"/api/v1/certificates/{newer.number}").get_json()["signature"]["valid"]
    assert not client.get(f"/api/v1/certificates/{older.number}").get_json()["signature"]["valid"]

    first.write_bytes(saved)  # restored from a backup: no restart needed
    assert _health(client) == (
        200,
        {
            "status": "ok",
            "dependencies": {
                "database": {"status": "ok", "required": True},
                "signing_keys": {"status": "ok", "required": False},
            },
        },
    )
    assert client.get(f"/api/v1/certificates/{older.number}").get_json()["signature"]["valid"]
    assert _start(app, caplog) == []


def test_production_refuses_a_new_key_ring_over_existing_certificates(
    app, client, caplog, make_qualification, issue_to, make_user
):
    qualification = make_qualification()
    older = issue_to(qualification, make_user())
    for key_file in key_ring().directory.glob("key-*.pem"):
        key_file.unlink()  # an empty key folder (a new machine, a forgotten copy)
    assert _start(app, caplog)  # reported at start

    app.config["NAME"] = "production"
    with pytest.raises(SigningKeysLost):
        issuance.issue(qualification, make_user(), None, by=older.holder)
    assert not list(key_ring().directory.glob("key-*.pem"))  # no key made
    # The key set served is empty rather than a new key that signed nothing here.
    assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}
    assert not client.get(f"/api/v1/certificates/{older.number}").get_json()["signature"]["valid"]

    # An operator who decides to start a new ring says so: `certificates rotate-key`.
    result = app.test_cli_runner().invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0
    newer, created = issuance.issue(qualification, make_user(), None, by=older.holder)
    assert created and newer.key_id != older.key_id


def test_outside_production_the_first_key_is_made_on_first_use(
    app, make_qualification, issue_to, make_user
):
    assert not list(key_ring().directory.glob("key-*.pem"))
    certificate = issue_to(make_qualification(), make_user())
    keys = key_ring().keys()
    assert [k.thumbprint() for k in keys] == [certificate.key_id]


def test_a_database_not_migrated_yet_is_passed_over_quietly(tmp_path, caplog):
    """`flask db upgrade` on a fresh machine starts the app before the tables exist: the key
    check says nothing then (no traceback among the first lines a newcomer reads)."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        create_app(
            TestingConfig(
                database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
                instance_path=str(tmp_path / "instance"),
                CHECK_KEYS_AT_START=True,
            )
        )
    assert not [r for r in caplog.records if "signing keys" in r.getMessage()]


def test_an_unreadable_database_is_one_warning_line(tmp_path, caplog):
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app(
            TestingConfig(
                database_url=f"sqlite:///{broken}",
                instance_path=str(tmp_path / "instance"),
                CHECK_KEYS_AT_START=True,
            )
        )
    lines = [r for r in caplog.records if "signing keys" in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "could not check the signing keys at start" in lines[0].getMessage()
