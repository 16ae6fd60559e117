"""Course files: module images and methodological materials, checked by their content."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from courses.models import Course, CourseFile
from lms import file_storage
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError

IMAGE_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"),
                 "WEBP": ("webp", "image/webp")}  # fmt: skip
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
MATERIAL_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class CheckedFile:
    extension: str
    content_type: str


def safe_filename(name: str, extension: str) -> str:
    """A readable ASCII file name with the right extension, whatever the user sent."""
    stem = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()[:60] or "file"
    return f"{stem}.{extension}"


def check_image(data: bytes) -> CheckedFile:
    """PNG, JPEG or WebP, judged by decoding the bytes, not by the name."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ServiceError(
            _l("This file is not a PNG, JPEG or WebP image."), field="file"
        ) from None
    if image_format not in IMAGE_FORMATS:
        raise ServiceError(_l("Only PNG, JPEG and WebP images are accepted."), field="file")
    if width * height > MAX_IMAGE_PIXELS:
        raise ServiceError(_l("The image has too many pixels."), field="file")
    extension, content_type = IMAGE_FORMATS[image_format]
    return CheckedFile(extension, content_type)


def _zip_names(data: bytes) -> tuple[zipfile.ZipFile, set[str]] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return archive, set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None


def check_material(data: bytes) -> CheckedFile:
    """PDF, DOCX or ODT, judged by their structure, not by the name."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return CheckedFile("pdf", MATERIAL_TYPES["pdf"])
    opened = _zip_names(data)
    if opened is not None:
        archive, names = opened
        with archive:
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return CheckedFile("docx", MATERIAL_TYPES["docx"])
            if "mimetype" in names and "content.xml" in names:
                try:
                    mimetype = archive.read("mimetype").strip()
                except (zipfile.BadZipFile, KeyError, RuntimeError):
                    mimetype = b""
                if mimetype == ODT_MIMETYPE:
                    return CheckedFile("odt", MATERIAL_TYPES["odt"])
    raise ServiceError(_l("Only PDF, DOCX and ODT documents are accepted."), field="file")


def _check_size(data: bytes, limit_mb: int) -> None:
    if not data:
        raise ServiceError(_l("The file is empty."), field="file")
    if len(data) > limit_mb * 1024 * 1024:
        raise ServiceError(_l("The file is larger than %(n)d MB.", n=limit_mb), field="file")


def _unique_filename(course: Course, kind: str, filename: str) -> str:
    taken = set(
        db.session.scalars(
            select(CourseFile.filename).where(
                CourseFile.course_id == course.id, CourseFile.kind == kind
            )
        )
    )
    if filename not in taken:
        return filename
    stem, extension = filename.rsplit(".", 1)
    number = 2
    while f"{stem}-{number}.{extension}" in taken:
        number += 1
    return f"{stem}-{number}.{extension}"


def add_file(
    course: Course,
    *,
    kind: str,
    data: bytes,
    original_name: str,
    uploaded_by: User | None,
    title: str = "",
    commit: bool = True,
) -> CourseFile:
    """Check and store an image or material; ``filename`` comes out safe and unique."""
    config = current_app.config
    if kind == "image":
        _check_size(data, config["COURSE_IMAGE_MAX_MB"])
        checked = check_image(data)
    else:
        _check_size(data, config["COURSE_MATERIAL_MAX_MB"])
        checked = check_material(data)
    filename = _unique_filename(course, kind, safe_filename(original_name, checked.extension))
    stored_name = file_storage.save_bytes(data, checked.extension)
    record = CourseFile(
        course_id=course.id,
        kind=kind,
        filename=filename,
        title=(title or "").strip()[:200] or filename,
        stored_name=stored_name,
        content_type=checked.content_type,
        size=len(data),
        uploaded_by_id=uploaded_by.id if uploaded_by else None,
    )
    db.session.add(record)
    if commit:
        db.session.commit()
    return record


def delete_file(record: CourseFile) -> None:
    stored_name = record.stored_name
    db.session.delete(record)
    db.session.commit()
    file_storage.delete(stored_name)


def files_of(course: Course, kind: str) -> list[CourseFile]:
    return list(
        db.session.scalars(
            select(CourseFile)
            .where(CourseFile.course_id == course.id, CourseFile.kind == kind)
            .order_by(CourseFile.filename)
        )
    )


def find_file(course: Course, kind: str, filename: str) -> CourseFile | None:
    return db.session.scalar(
        select(CourseFile).where(
            CourseFile.course_id == course.id,
            CourseFile.kind == kind,
            CourseFile.filename == filename,
        )
    )
