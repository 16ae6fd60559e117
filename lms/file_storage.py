"""Uploaded files under the instance folder, each with a random name that no user chooses."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import Response, current_app, send_file

_STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{20,64}(\.[a-z0-9]{1,5})?$")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(stored_name: str) -> Path:
    if not _STORED_NAME.match(stored_name):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    return _folder() / stored_name


def save_bytes(data: bytes, extension: str) -> str:
    """Write ``data`` under a new random name and return that name."""
    stored_name = f"{secrets.token_urlsafe(24)}.{extension}"
    path_of(stored_name).write_bytes(data)
    return stored_name


def read_bytes(stored_name: str) -> bytes:
    return path_of(stored_name).read_bytes()


def delete(stored_name: str) -> None:
    path_of(stored_name).unlink(missing_ok=True)


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
    response = send_file(
        path_of(stored_name),
        mimetype=content_type,
        download_name=download_name,
        as_attachment=as_attachment,
        max_age=PUBLIC_MAX_AGE if public else None,
        conditional=True,
        etag=True,
    )
    if not public:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
