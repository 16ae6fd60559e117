"""`flask backup PATH` and `flask restore PATH`: a backup restored into a fresh instance (its
own database and instance folder) verifies every certificate through the site's own
verification, with the restored keys and the restored (or re-rendered) PDFs."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from certificates.keys import key_ring
from certificates.models import Certificate
from certificates.rendering import pdf_bytes
from config import TestingConfig
from lms import create_app
from lms.extensions import db
from tests.conftest import Client

pytestmark = pytest.mark.real_pdf  # the demo's PDFs are real; issuing here renders real ones


@pytest.fixture
def fresh_instance(backend, app, tmp_path):
    """Settings of a new instance: an empty database and an empty instance folder. On
    PostgreSQL a new database, with the source's schema name (the dump names its schema)."""
    folder = tmp_path / "fresh"
    if backend.name == "sqlite":
        yield {"database_url": f"sqlite:///{folder / 'lms.sqlite3'}", "instance_path": str(folder)}
        return
    schema = db.session.execute(text("SELECT current_schema()")).scalar_one()
    url = make_url(backend.url)
    name = f"lms_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = url.set(database=name).render_as_string(hide_password=False)
        yield {"database_url": target, "instance_path": str(folder), "schema": schema}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _fresh_app(settings: dict):
    config = TestingConfig(
        database_url=settings["database_url"],
        instance_path=settings["instance_path"],
        VERIFY_LIMIT_PER_IP="10000 per minute",
    )
    application = create_app(config)
    application.test_client_class = Client
    return application


def _backup(app, path: Path) -> dict:
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    with tarfile.open(path) as archive:
        return json.loads(archive.extractfile("manifest.json").read())


def test_a_backup_restored_into_a_fresh_instance_verifies_every_certificate(
    app, seed_demo, backend, fresh_instance, tmp_path
):
    seed_demo()
    certificates = db.session.scalars(select(Certificate).order_by(Certificate.number)).all()
    assert len(certificates) >= 3
    expected = {c.number: (c.pdf_sha256, c.key_id, c.jws) for c in certificates}
    source_keys = {p.name: p.read_bytes() for p in key_ring().directory.glob("key-*.pem")}
    assert source_keys

    archive = tmp_path / "backups" / "site.tar.gz"
    manifest = _backup(app, archive)
    assert manifest["backend"] == backend.name
    assert manifest["counts"]["certificates"] == len(certificates)
    assert manifest["counts"]["users"] >= 1
    part = "database.sqlite3" if backend.name == "sqlite" else "database.pgdump"
    assert part in manifest["parts"]
    assert {f"folders/signing-keys/{name}" for name in source_keys} <= set(manifest["parts"])
    with tarfile.open(archive) as opened:
        for name, digest in manifest["parts"].items():
            assert hashlib.sha256(opened.extractfile(name).read()).hexdigest() == digest
    assert (archive.stat().st_mode & 0o777) == 0o600  # it holds the private keys

    fresh = _fresh_app(fresh_instance)
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "row counts match the manifest" in result.output
        restored_keys = {p.name: p.read_bytes() for p in key_ring().directory.glob("key-*.pem")}
        assert restored_keys == source_keys
        assert Path(fresh.instance_path) != Path(app.instance_path)

        client = fresh.test_client()
        restored = db.session.scalars(select(Certificate)).all()
        assert {c.number: (c.pdf_sha256, c.key_id, c.jws) for c in restored} == expected
        for certificate in restored:
            body = client.get(f"/api/v1/certificates/{certificate.number}").get_json()
            assert body["signature"] == {"valid": True, "kid": certificate.key_id}
            page = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
            assert "The signature checks out" in page
            pdf = pdf_bytes(certificate)
            assert hashlib.sha256(pdf).hexdigest() == certificate.pdf_sha256
        # A fresh key ring was not made beside the restored one: a new certificate signs with
        # the newest restored key.
        assert len(list(key_ring().directory.glob("key-*.pem"))) == len(source_keys)

        # Restoring again over the now non-empty database is refused, plainly.
        again = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code != 0
        assert "already holds" in again.output and "--force" in again.output
        assert "Traceback" not in again.output
        forced = fresh.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
        assert forced.exit_code == 0, forced.output
        db.session.remove()
        db.engine.dispose()


def _rewrite(archive: Path, target: Path, change) -> None:
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            data = change(member.name, data)
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


def test_restore_checks_the_manifest_before_changing_anything(
    app, backend, fresh_instance, tmp_path, make_user
):
    make_user("trainee")
    archive = tmp_path / "site.tar.gz"
    manifest = _backup(app, archive)
    part = next(name for name in manifest["parts"] if name.startswith("database."))

    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(archive, tampered, lambda name, data: data + b"x" if name == part else data)
    lacking = tmp_path / "lacking.tar.gz"
    _rewrite(archive, lacking, lambda name, data: None if name == part else data)
    not_an_archive = tmp_path / "notes.tar.gz"
    not_an_archive.write_text("hello")

    fresh = _fresh_app(fresh_instance)
    with fresh.app_context():
        runner = fresh.test_cli_runner()
        for path, message in (
            (tampered, "does not match its SHA-256"),
            (lacking, "does not match its manifest"),
            (not_an_archive, "not a backup archive"),
            (tmp_path / "absent.tar.gz", "does not exist"),
        ):
            result = runner.invoke(args=["restore", str(path)])
            assert result.exit_code != 0, path
            assert message in result.output and "Traceback" not in result.output
        # Nothing was restored by the refused attempts.
        assert not list(Path(fresh.instance_path).glob("signing-keys/key-*.pem"))
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_that_holds_rows(app, make_user, tmp_path):
    make_user("trainee")
    archive = tmp_path / "site.tar.gz"
    _backup(app, archive)
    result = app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "already holds" in result.output and "Traceback" not in result.output


def test_backup_without_pg_dump_names_the_package(app, backend, tmp_path, monkeypatch):
    if backend.name != "postgresql":
        pytest.skip("pg_dump is used only on PostgreSQL")
    monkeypatch.setenv("PATH", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.tar.gz")])
    assert result.exit_code != 0 and "postgresql-client" in result.output
    assert not (tmp_path / "x.tar.gz").exists() and "Traceback" not in result.output
