"""Backups: ``flask --app wsgi backup PATH`` and ``flask --app wsgi restore PATH``.

One ``.tar.gz`` holds everything an instance needs to come back:

- ``database.sqlite3`` (SQLite, copied online through the backup API) or ``database.pgdump``
  (PostgreSQL, ``pg_dump --format=custom`` of the site's schema). The database file backend's
  ``file_blobs`` table is inside it.
- ``files/<name>``: what the folder file backend holds (uploads, certificate PDFs, job files).
- ``folders/<name>/...``: folders a feature registers with ``add_backup_folder`` (the
  certificates register their signing keys).
- ``manifest.json``: when, which backend and Alembic revision, the rows of each table, and the
  SHA-256 of every other member. ``restore`` checks every hash before it changes anything.

Order matters for consistency while the site runs: the database is copied first (one
snapshot; on PostgreSQL the rows are counted inside the very snapshot ``pg_dump`` uses), the
folders after it. Signing keys and stored files are only ever added, so everything the
copied rows name is already on disk when the folders are copied.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import Flask, current_app
from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import make_url

from lms import file_storage
from lms.database import utcnow
from lms.extensions import db

FOLDERS_KEY = "lms.backup_folders"
FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_PART = "database.sqlite3"
POSTGRES_PART = "database.pgdump"


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why (no traceback)."""


def add_backup_folder(app: Flask, name: str, resolve: Callable[[], Path]) -> None:
    """Have every backup carry the folder ``resolve()`` names (in an app context), and
    ``restore`` put it back there. ``name`` is its name inside the archive."""
    app.extensions.setdefault(FOLDERS_KEY, {})[name] = resolve


def _folders() -> dict[str, Path]:
    return {
        name: Path(resolve())
        for name, resolve in current_app.extensions.get(FOLDERS_KEY, {}).items()
    }


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _backend_name() -> str:
    return "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"


def _table_names(connection) -> list[str]:
    return sorted(inspect(connection).get_table_names())


def _counts(connection) -> dict[str, int]:
    return {
        name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
        for name in _table_names(connection)
        if name != "alembic_version"
    }


def _revision(connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- PostgreSQL through pg_dump / pg_restore -----------------------------------------------


def _libpq(url) -> tuple[str, dict[str, str]]:
    """A libpq URI for the command-line tools, and their environment (the password there,
    never on a command line other users can read)."""
    url = make_url(str(url)) if not hasattr(url, "set") else url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(Debian/Ubuntu: apt-get install postgresql-client, of the server's major version)."
        )
    return found


def _run_tool(command: list[str], env: dict[str, str]) -> None:
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {finished.stderr.strip()[-2000:]}")


def _dump_postgresql(target: Path) -> tuple[dict[str, int], str | None]:
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(db.engine.url)
    # One REPEATABLE READ transaction: its snapshot is handed to pg_dump, so the counts in the
    # manifest are those of the very rows dumped.
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            counts = _counts(connection)
            revision = _revision(connection)
            _run_tool(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--schema={schema}",
                    f"--file={target}",
                    f"--dbname={uri}",
                ],
                env,
            )
    return counts, revision


def _restore_postgresql(source: Path) -> None:
    pg_restore = _tool("pg_restore")
    uri, env = _libpq(db.engine.url)
    db.session.remove()
    db.engine.dispose()
    _run_tool(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={uri}",
            str(source),
        ],
        env,
    )


# --- SQLite through the backup API ---------------------------------------------------------


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("this SQLite database is in memory: there is nothing to back up")
    return Path(database)


def _dump_sqlite(target: Path) -> tuple[dict[str, int], str | None]:
    source = sqlite3.connect(_sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # a consistent copy while other connections write
    finally:
        source.close()
        copy.close()
    engine = db.create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return _counts(connection), _revision(connection)
    finally:
        engine.dispose()


def _restore_sqlite(source: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    path = _sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    copy = sqlite3.connect(source)
    target = sqlite3.connect(path)
    try:
        copy.backup(target)  # replaces every page, also those in the target's WAL
    finally:
        copy.close()
        target.close()


# --- backup --------------------------------------------------------------------------------


@dataclass
class Summary:
    path: Path
    manifest: dict


def backup(path: Path) -> Summary:
    """Write the archive to ``path`` (written aside and renamed: never half an archive)."""
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give the name of the archive to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    backend = _backend_name()
    with tempfile.TemporaryDirectory(prefix="lms-backup-") as work:
        staging = Path(work)
        part = SQLITE_PART if backend == "sqlite" else POSTGRES_PART
        dump = _dump_sqlite if backend == "sqlite" else _dump_postgresql
        counts, revision = dump(staging / part)
        members: list[tuple[str, Path]] = [(part, staging / part)]
        folder = file_storage.folder_backend()
        for name in folder.names():
            members.append((f"files/{name}", folder.path(name)))
        for name, directory in sorted(_folders().items()):
            if not directory.is_dir():
                continue
            for file in sorted(directory.rglob("*")):
                if file.is_file() and not file.name.startswith("."):
                    relative = file.relative_to(directory).as_posix()
                    members.append((f"folders/{name}/{relative}", file))
        manifest = {
            "format": FORMAT,
            "created_at": utcnow().isoformat(timespec="seconds"),
            "backend": backend,
            "alembic_revision": revision,
            "file_storage": current_app.config.get("FILE_STORAGE", file_storage.FOLDER),
            "counts": counts,
            "folders": sorted(_folders()),
            "parts": {},
        }
        temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            with tarfile.open(temporary, "w:gz") as archive:
                for arcname, file in members:
                    # Hash the bytes as added: a file changed meanwhile is hashed as archived.
                    data = file.read_bytes()
                    manifest["parts"][arcname] = hashlib.sha256(data).hexdigest()
                    info = tarfile.TarInfo(arcname)
                    info.size = len(data)
                    info.mtime = int(file.stat().st_mtime)
                    info.mode = 0o600
                    archive.addfile(info, io.BytesIO(data))
                body = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mtime = int(utcnow().timestamp())
                info.mode = 0o600
                archive.addfile(info, io.BytesIO(body))
            os.chmod(temporary, 0o600)  # it holds the private signing keys
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return Summary(path, manifest)


# --- restore -------------------------------------------------------------------------------


def _safe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and ".." not in parts


def read_archive(path: Path, into: Path) -> dict:
    """Unpack ``path`` into ``into`` and check it: every member named in the manifest, none
    more, each with its SHA-256. Returns the manifest; BackupError when anything is off."""
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115  (closed below, with)
    except (OSError, tarfile.TarError, EOFError, gzip.BadGzipFile) as error:
        raise BackupError(f"{path} is not a backup archive ({error})") from None
    with archive:
        try:
            members = archive.getmembers()
        except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
            raise BackupError(f"{path} is damaged ({error})") from None
        by_name = {member.name: member for member in members}
        if MANIFEST not in by_name:
            raise BackupError(f"{path} has no {MANIFEST}: not a backup made by this site")
        try:
            manifest = json.loads(archive.extractfile(by_name[MANIFEST]).read())
            parts = dict(manifest["parts"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackupError(f"{MANIFEST} in {path} cannot be read") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(f"backup format {manifest.get('format')!r} is not known here")
        extra = set(by_name) - set(parts) - {MANIFEST}
        missing = set(parts) - set(by_name)
        if extra or missing:
            raise BackupError(
                "the archive does not match its manifest: "
                + "; ".join(
                    filter(
                        None,
                        [
                            missing and "missing " + ", ".join(sorted(missing)),
                            extra and "not listed " + ", ".join(sorted(extra)),
                        ],
                    )
                )
            )
        for name, expected in sorted(parts.items()):
            member = by_name[name]
            if not member.isfile() or not _safe(name):
                raise BackupError(f"refusing the archive member {name!r}")
            handle = archive.extractfile(member)
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with target.open("wb") as out:
                    shutil.copyfileobj(handle, out)
            except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
                raise BackupError(f"{path} is damaged at {name} ({error})") from None
            if _sha256_file(target) != expected:
                raise BackupError(f"{name} does not match its SHA-256 in the manifest")
    return manifest


def _rows_in_target() -> int:
    """Rows in the target database's tables (0 for a fresh one, even with its schema made)."""
    with db.engine.connect() as connection:
        return sum(_counts(connection).values())


def _conflicts(pairs: list[tuple[Path, Path]]) -> list[Path]:
    return [
        target
        for source, target in pairs
        if target.exists() and _sha256_file(target) != _sha256_file(source)
    ]


def restore(path: Path, *, force: bool = False, report=None) -> dict:
    """Bring the archive at ``path`` back into this instance's database and folders."""
    report = report or (lambda message: None)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    with tempfile.TemporaryDirectory(prefix="lms-restore-") as work:
        unpacked = Path(work)
        manifest = read_archive(path, unpacked)
        report(f"checked {len(manifest['parts'])} parts against the manifest")
        backend = _backend_name()
        if manifest["backend"] != backend:
            raise BackupError(
                f"this backup holds a {manifest['backend']} database and this instance runs on "
                f"{backend}: restore it into a {manifest['backend']} instance"
            )
        rows = _rows_in_target()
        if rows and not force:
            raise BackupError(
                f"the database already holds {rows} rows: restore into a fresh instance, or "
                "pass --force to replace them"
            )
        folders = _folders()
        files: list[tuple[Path, Path]] = []
        kept: list[tuple[Path, Path]] = []
        root = Path(current_app.instance_path)
        for name in manifest["parts"]:
            if name.startswith("files/"):
                stored = name[len("files/") :]
                try:
                    file_storage.check_name(stored)
                except ValueError:
                    raise BackupError(f"refusing the archive member {name!r}") from None
                files.append((unpacked / name, root / stored))
            elif name.startswith("folders/"):
                _, folder, relative = name.split("/", 2)
                if folder not in folders:
                    raise BackupError(f"this site has no folder {folder!r} to restore into")
                kept.append((unpacked / name, folders[folder] / relative))
        clashes = _conflicts(files + kept)
        if clashes and not force:
            raise BackupError(
                f"{len(clashes)} files here differ from the backup (e.g. {clashes[0]}): "
                "pass --force to replace them"
            )
        if backend == "sqlite":
            _restore_sqlite(unpacked / SQLITE_PART)
        else:
            _restore_postgresql(unpacked / POSTGRES_PART)
        report(f"database restored ({backend})")
        for source, target in files + kept:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.restore")
            shutil.copyfile(source, temporary)
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        report(
            f"files restored: {len(files)}; from folders {', '.join(sorted(folders))}: {len(kept)}"
        )
        with db.engine.connect() as connection:
            restored = _counts(connection)
        if restored != manifest["counts"]:
            different = sorted(
                name
                for name in set(restored) | set(manifest["counts"])
                if restored.get(name) != manifest["counts"].get(name)
            )
            raise BackupError("restored rows differ from the manifest in: " + ", ".join(different))
        report("row counts match the manifest")
    return manifest
