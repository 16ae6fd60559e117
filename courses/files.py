"""Course files: module images and methodological materials, checked by their content."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
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


# Metadata a camera or editor leaves in an image (place, time, device, author, thumbnails).
# The ICC colour profile is kept: it is how the picture's colours are meant to look.
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc",
                 "Raw profile type exif", "Raw profile type iptc")  # fmt: skip


def _has_metadata(image: Image.Image) -> bool:
    if any(key in image.info for key in METADATA_KEYS) or len(image.getexif()):
        return True
    return bool(getattr(image, "text", None))  # PNG tEXt/iTXt/zTXt chunks


def _clean_frame(frame: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(frame.copy())  # the orientation applied to the pixels
    for key in (*METADATA_KEYS, "exif"):
        upright.info.pop(key, None)
    return upright


def strip_image_metadata(data: bytes) -> bytes:
    """The image without EXIF, XMP, IPTC, comments or text chunks, in its own format.

    Orientation is applied to the pixels first, so the picture still stands the right way up;
    transparency, animation (frames, durations, loop) and the colour profile are kept. An
    image without such metadata is returned byte for byte, so nothing is re-encoded for
    nothing (and exported courses stay byte-identical).
    """
    with Image.open(io.BytesIO(data)) as image:
        if not _has_metadata(image):
            return data
        image_format = image.format
        frames, durations = [], []
        for frame in ImageSequence.Iterator(image):
            frame.load()  # WebP reads a frame's duration only when it decodes the frame
            durations.append(frame.info.get("duration", 0))
            frames.append(_clean_frame(frame))
        params: dict = {}
        if image.info.get("icc_profile"):
            params["icc_profile"] = image.info["icc_profile"]
        if image_format == "PNG" and "transparency" in image.info:
            params["transparency"] = image.info["transparency"]
        if image_format == "JPEG":
            params["quality"] = 92
            if image.info.get("progressive"):
                params["progressive"] = True
        if image_format == "WEBP":
            params.update(quality=92, lossless=image.info.get("lossless", False))
        if len(frames) > 1:
            params.update(
                save_all=True,
                append_images=frames[1:],
                duration=durations,
                loop=image.info.get("loop", 0),
            )
        output = io.BytesIO()
        frames[0].save(output, format=image_format, **params)
    return output.getvalue()


def prepare_image(data: bytes) -> tuple[bytes, CheckedFile]:
    """Check an image (:func:`check_image`) and return it without its metadata."""
    checked = check_image(data)
    try:
        cleaned = strip_image_metadata(data)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ServiceError(
            _l("This file is not a PNG, JPEG or WebP image."), field="file"
        ) from None
    return cleaned, checked


def _zip_names(data: bytes) -> tuple[zipfile.ZipFile, set[str]] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return archive, set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None


ACTIVE_PDF_KEYS = {"/JS", "/JavaScript", "/Launch", "/XFA"}  # XFA forms carry scripts
ACTIVE_PDF_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"}
MAX_PDF_OBJECTS = 200_000


def _pdf_has_active_content(reader) -> bool:
    """Whether anything reachable from the document runs code or opens other programs.

    Walks every object reachable from the trailer (catalogue, names tree, pages, annotations,
    form fields, outlines) once: JavaScript (``/JS``, a ``/JavaScript`` names tree or action,
    XFA forms), ``/Launch`` and import actions anywhere (an ``/OpenAction`` that runs one
    included), and additional actions (``/AA``) of the catalogue and of pages, which run on
    opening and closing.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    root = reader.trailer.get("/Root")
    root = root.get_object() if root is not None else None
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_PDF_OBJECTS:
                return True  # too complex to check: treated as unsafe
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if ACTIVE_PDF_KEYS & set(item.keys()):
                return True
            if item.get("/S") in ACTIVE_PDF_ACTIONS:
                return True
            if "/AA" in item and (item is root or item.get("/Type") in {"/Catalog", "/Page"}):
                return True
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return False


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that is encrypted, unreadable, or carries scripts or launch actions."""
    # pypdf is imported here, at the first upload: a process serving pages needs none of it.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ServiceError(
                _l("Encrypted PDF files are not accepted. Save the file without a password."),
                field="file",
            )
        active = _pdf_has_active_content(reader)
    except ServiceError:
        raise
    except (PdfReadError, ValueError, TypeError, KeyError, AttributeError, RecursionError,
            OSError, AssertionError, IndexError):  # fmt: skip
        raise ServiceError(
            _l("This PDF file could not be read. Save it again as PDF and upload the new file."),
            field="file",
        ) from None
    if active:
        raise ServiceError(
            _l(
                "PDF files with JavaScript or actions that open other programs are not "
                "accepted. Print the document to a new PDF and upload that file."
            ),
            field="file",
        )


def check_material(data: bytes) -> CheckedFile:
    """PDF, DOCX or ODT, judged by their structure, not by the name; PDFs without scripts."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        check_pdf(data)
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
        data, checked = prepare_image(data)
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
