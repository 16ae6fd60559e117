"""Stored files: uploads, certificate PDFs, job results. One place decides where they live.

Every file has a *name* relative to the instance folder: ``uploads/<random>.png``,
``certificates/<number>.pdf``, ``jobs/<id>/<file>``, ``site/<sha256>.png`` (the site's
logo, signature and seal, content-addressed: ``lms.site_settings``).
``LMS_FILE_STORAGE`` picks the backend:

- ``folder`` (the default): files under the instance folder, as the names say. One machine,
  or a folder every instance shares.
- ``database``: rows of ``file_blobs`` (name, bytes, size, SHA-256). What several instances
  on one PostgreSQL use: every instance reads what any other wrote.

Writes to the database take part in the caller's transaction (a file and the row that names it
commit or roll back together); ``delete`` commits. ``flask files move --to database|folder``
copies what the other backend holds, checks each copy's SHA-256, then removes the source.
While files are being moved the database backend reads a name it does not hold yet from the
local folder, so an instance can be switched before the move.

Uploads keep their helpers (``save_bytes``, ``read_bytes``, ``delete``, ``send_stored``): a
random name no user chooses, ``nosniff``, ``private, no-store`` unless public.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from flask import Response, abort, current_app, send_file
from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select

from lms.database import utcnow
from lms.extensions import db
from lms.models import FileBlob

FOLDER = "folder"
DATABASE = "database"
BACKENDS = (FOLDER, DATABASE)
# The folders of the instance folder that hold stored files (what ``move`` moves).
AREAS = ("uploads", "certificates", "jobs", "site")

_STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{20,64}(\.[a-z0-9]{1,5})?$")
# Certificate numbers end in a Crockford check symbol, which may be one of * ~ $ = U.
_NAME = re.compile(
    r"^(uploads|certificates|jobs|site)(/[A-Za-z0-9_$*~=-][A-Za-z0-9._$*~=-]{0,127}){1,2}$"
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_name(name: str) -> str:
    if not _NAME.match(name) or ".." in name:
        raise ValueError(f"not a stored file name: {name!r}")
    return name


# --- the two backends ---------------------------------------------------------------------


class FolderBackend:
    """Files under the instance folder."""

    name = FOLDER

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        return self.root / check_name(name)

    def put(self, name: str, data: bytes) -> None:
        """Written under a temporary name and renamed, so a reader never sees half a file."""
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    def put_many(self, files: list[tuple[str, bytes]]) -> None:
        for name, data in files:
            self.put(name, data)

    def put_file(self, name: str, source: Path) -> None:
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, path)

    def get(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        for area in AREAS:
            folder = self.root / area
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    name = path.relative_to(self.root).as_posix()
                    if _NAME.match(name):
                        yield name


class DatabaseBackend:
    """Rows of ``file_blobs``, written in the caller's transaction."""

    name = DATABASE

    def __init__(self, fallback: FolderBackend | None = None) -> None:
        self.fallback = fallback

    def put(self, name: str, data: bytes) -> None:
        self.put_many([(name, data)])

    def put_many(self, files: list[tuple[str, bytes]]) -> None:
        """Two statements however many files (a bulk issue stores its PDFs at once)."""
        if not files:
            return
        names = [check_name(name) for name, _ in files]
        db.session.execute(sql_delete(FileBlob).where(FileBlob.name.in_(names)))
        now = utcnow()
        db.session.execute(
            insert(FileBlob),
            [
                {"name": name, "data": data, "size": len(data), "sha256": sha256(data),
                 "created_at": now}
                for name, data in files
            ],
        )  # fmt: skip

    def put_file(self, name: str, source: Path) -> None:
        self.put(name, source.read_bytes())
        source.unlink(missing_ok=True)

    def get(self, name: str) -> bytes:
        data = db.session.scalar(select(FileBlob.data).where(FileBlob.name == check_name(name)))
        if data is None:
            if self.fallback is not None and self.fallback.exists(name):
                return self.fallback.get(name)
            raise FileNotFoundError(name)
        return bytes(data)

    def exists(self, name: str) -> bool:
        found = db.session.scalar(select(FileBlob.size).where(FileBlob.name == check_name(name)))
        if found is None and self.fallback is not None:
            return self.fallback.exists(name)
        return found is not None

    def digest(self, name: str) -> str | None:
        return db.session.scalar(select(FileBlob.sha256).where(FileBlob.name == check_name(name)))

    def delete(self, name: str) -> None:
        db.session.execute(sql_delete(FileBlob).where(FileBlob.name == check_name(name)))
        db.session.commit()

    def names(self) -> Iterator[str]:
        yield from db.session.scalars(select(FileBlob.name).order_by(FileBlob.name)).all()


def folder_backend() -> FolderBackend:
    return FolderBackend(current_app.instance_path)


def database_backend() -> DatabaseBackend:
    return DatabaseBackend(fallback=folder_backend())


def backend(kind: str | None = None) -> FolderBackend | DatabaseBackend:
    """The backend ``LMS_FILE_STORAGE`` names (or ``kind``)."""
    kind = kind or current_app.config.get("FILE_STORAGE", FOLDER)
    if kind == DATABASE:
        return database_backend()
    return folder_backend()


def put(name: str, data: bytes) -> None:
    backend().put(name, data)


def put_many(files: list[tuple[str, bytes]]) -> None:
    backend().put_many(files)


def put_file(name: str, source: Path) -> None:
    """Store the file at ``source`` (which is moved or removed) under ``name``."""
    backend().put_file(name, source)


def get(name: str) -> bytes:
    """The stored bytes (FileNotFoundError if there are none)."""
    return backend().get(name)


def exists(name: str) -> bool:
    return backend().exists(name)


def remove(name: str) -> None:
    backend().delete(name)


# --- moving files between backends --------------------------------------------------------


def move_all(to: str, *, report=None) -> tuple[int, int]:
    """Move every stored file into the backend ``to``: copy, read the copy back and compare
    its SHA-256 with the source's, commit, and only then delete the source. A file already
    there with the same bytes only loses its source; one there with other bytes is left in
    both places and counted as a problem. Safe to run again. Returns (moved, problems)."""
    if to not in BACKENDS:
        raise ValueError(to)
    folder = folder_backend()
    database = DatabaseBackend()
    source, target = (folder, database) if to == DATABASE else (database, folder)
    moved = problems = 0
    for name in list(source.names()):
        data = source.get(name)
        digest = sha256(data)
        if target.exists(name):
            if sha256(target.get(name)) != digest:
                problems += 1
                if report:
                    report(f"different bytes already in {to}, both kept: {name}")
                continue
        else:
            target.put(name, data)
            db.session.commit()
            if sha256(target.get(name)) != digest:
                problems += 1
                if report:
                    report(f"copy does not match, source kept: {name}")
                continue
        source.delete(name)
        db.session.commit()
        moved += 1
        if report:
            report(f"moved {name}")
    return moved, problems


# --- uploads ------------------------------------------------------------------------------


def _upload(stored_name: str) -> str:
    if not _STORED_NAME.match(stored_name):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    return f"uploads/{stored_name}"


def path_of(stored_name: str) -> Path:
    """Where the folder backend keeps an upload."""
    return folder_backend().path(_upload(stored_name))


def save_bytes(data: bytes, extension: str, *, commit: bool = False) -> str:
    """Store ``data`` under a new random name and return that name. With the database
    backend the file is part of the caller's transaction; ``commit`` commits it at once
    (for a file kept between two requests with no row of its own)."""
    stored_name = f"{secrets.token_urlsafe(24)}.{extension}"
    put(_upload(stored_name), data)
    if commit:
        db.session.commit()
    return stored_name


def read_bytes(stored_name: str) -> bytes:
    return get(_upload(stored_name))


def delete(stored_name: str) -> None:
    remove(_upload(stored_name))


PUBLIC_MAX_AGE = 3600


def send_stored(
    stored_name: str,
    *,
    content_type: str,
    download_name: str,
    as_attachment: bool,
    public: bool = False,
) -> Response:
    """Serve a stored file. Only ``public`` files (anyone may fetch them) may be cached by
    shared caches; every other file is ``private, no-store``: access to it can end
    (unenrolment, a course unpublished) and a shared computer must not keep a copy."""
    name = _upload(stored_name)
    store = backend()
    if isinstance(store, FolderBackend):
        body, etag = store.path(name), True
        if not body.is_file():
            abort(404)
    else:
        try:
            data = store.get(name)
        except FileNotFoundError:
            abort(404)
        body, etag = io.BytesIO(data), store.digest(name) or sha256(data)
    response = send_file(
        body,
        mimetype=content_type,
        download_name=download_name,
        as_attachment=as_attachment,
        max_age=PUBLIC_MAX_AGE if public else None,
        conditional=True,
        etag=etag,
    )
    if not public:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
