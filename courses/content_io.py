"""Courses as files: a folder (or a zip of it) with ``course.yml``, one Markdown file per
module with YAML front matter, and ``images/`` and ``materials/`` folders.

Three rooms: ``content_archive`` reads the files safely, ``content_bundle`` checks them (strict
and all-or-nothing, every problem with its file and line), and this module writes a checked
course to the database in one transaction (nothing reaches the database or the upload folder
unless the whole course is sound) and exports it. Export is deterministic, so export ->
import -> export gives byte-identical files.

Translations travel in language folders (``ru/course.yml``, ``ru/<module file>.md``; see
``content_bundle``). Importing stores the texts they give (a blank one removes that
translation); a translation whose text is the one already stored keeps its out-of-date mark,
so re-importing an old archive never claims it was checked against a changed original.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select, update

from courses import authoring, files, module_criteria, permissions
from courses.content_archive import ImportFailed, Problem
from courses.content_bundle import COURSE_TRANSLATION_KEYS, CourseBundle
from courses.models import Course, CourseFile, CourseStatus, Module
from lms import content_translations, file_storage
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.yaml_files import dump_readable

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# --- writing to the database ---------------------------------------------------------------


@dataclass
class ImportResult:
    course: Course
    created: bool
    new_versions: int
    kept_modules: list[str]


def import_bundle(bundle: CourseBundle, *, owner: User, update: bool = False) -> ImportResult:
    """Create or update the course in one transaction; on any error nothing is kept."""
    existing = Course.by_slug(bundle.slug)
    if existing is not None and not update:
        raise ImportFailed(
            [
                Problem(
                    "course.yml",
                    None,
                    f"a course with slug “{bundle.slug}” "
                    "already exists; import with update to add new revisions",
                )
            ]
        )
    if existing is not None and not permissions.can_edit(owner, existing):
        raise ImportFailed(
            [Problem("course.yml", None, f"you may not edit the existing course “{bundle.slug}”")]
        )
    if existing is not None and existing.is_published and authoring.has_draft(existing):
        raise ImportFailed(
            [
                Problem(
                    "course.yml",
                    None,
                    f"the course “{bundle.slug}” has unpublished changes: publish them as a "
                    "new edition or discard them before importing",
                )
            ]
        )
    stored: list[str] = []
    replaced: list[str] = []
    try:
        result = _write(bundle, existing, owner, stored, replaced)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        _forget(stored)
        if isinstance(error, ImportFailed):
            raise
        raise ImportFailed([Problem("course.yml", None, str(error.message))]) from None
    except Exception:
        db.session.rollback()
        _forget(stored)
        raise
    _forget(replaced)  # only now that the new rows are committed
    return result


def _forget(stored: list[str]) -> None:
    for name in stored:
        file_storage.delete(name)


def _write(
    bundle: CourseBundle, course: Course | None, owner: User, stored: list[str], replaced: list[str]
):
    created = course is None
    details = {
        "title": bundle.title,
        "slug": bundle.slug,
        "summary": bundle.summary,
        "language": bundle.language,
        "cover_source": bundle.cover,
        "commit": False,
    }
    was_published = course is not None and course.is_published
    if course is None:
        course = authoring.create_course(owner, **details)
    else:
        authoring.update_course(course, **details)
        # An import edits directly, as in a draft course; a published course then gets its
        # changes as one new edition (below).
        course.status = CourseStatus.DRAFT.value
    added: list[Module] = []
    by_slug = {module.slug: module for module in course.modules}
    translated: list[tuple[object, dict]] = [(course, bundle.translations)]
    new_versions = 0
    ordered_ids = []
    for item in bundle.modules:
        module = by_slug.pop(item.slug, None)
        if module is None:
            module = authoring.create_module(
                course,
                owner,
                title=item.title,
                slug=item.slug,
                source=item.source,
                minutes=item.minutes,
                commit=False,
            )
            added.append(module)
        elif authoring.update_module(
            module,
            owner,
            title=item.title,
            slug=item.slug,
            source=item.source,
            minutes=item.minutes,
            note="Imported",
            commit=False,
        ):
            new_versions += 1
        if item.criteria is not None:  # a file without the key leaves the links alone
            module_criteria.set_codes(module, item.criteria, commit=False)
        ordered_ids.append(module.id)
        translated.append((module, item.translations))
    kept = [module.title for module in by_slug.values()]
    db.session.flush()
    for obj, translations in translated:
        content_translations.import_values(obj, translations, user=owner, refresh=False)
    _replace_files(course, bundle, owner, stored, replaced)
    _set_order(course, ordered_ids + [module.id for module in by_slug.values()])
    if bundle.status == CourseStatus.PUBLISHED:
        course.published_at = course.published_at or utcnow()
        if not course.edition:
            course.edition = 1
        elif was_published and (added or new_versions):
            course.edition += 1
            for module in added:
                module.edition = course.edition
    course.status = bundle.status
    return ImportResult(course, created, new_versions, kept)


def _set_order(course: Course, ids: list[int]) -> None:
    db.session.execute(
        update(Module).where(Module.course_id == course.id).values(position=-Module.position - 1000)
    )
    for position, module_id in enumerate(ids, start=1):
        db.session.execute(update(Module).where(Module.id == module_id).values(position=position))
    db.session.expire(course, ["modules"])


def _replace_files(
    course: Course, bundle: CourseBundle, owner: User, stored: list[str], replaced: list[str]
) -> None:
    current = {
        (f.kind, f.filename): f
        for f in db.session.scalars(select(CourseFile).where(CourseFile.course_id == course.id))
    }
    wanted = [("image", name, name, data) for name, data in sorted(bundle.images.items())]
    wanted += [("material", name, title, data) for name, title, data in bundle.materials]
    for kind, filename, title, data in wanted:
        old = current.get((kind, filename))
        if old is not None:
            # Images are stored without their metadata: compare with what would be stored.
            wanted_bytes = files.strip_image_metadata(data) if kind == "image" else data
            same_bytes = file_storage.read_bytes(old.stored_name) == wanted_bytes
            if same_bytes and (kind == "image" or old.title == title):
                continue  # image titles are set on the web; the files do not carry them
            replaced.append(old.stored_name)
            if kind == "image":
                title = old.title
            db.session.delete(old)
            db.session.flush()
        record = files.add_file(
            course,
            kind=kind,
            data=data,
            original_name=filename,
            uploaded_by=owner,
            title=title,
            commit=False,
        )
        stored.append(record.stored_name)
        if record.filename != filename:
            record.filename = filename


# --- export ----------------------------------------------------------------------------------


def export_files(course: Course) -> dict[str, bytes]:
    """The course as files (relative path -> bytes), always the same bytes for the same course."""
    output: dict[str, bytes] = {}
    module_names = []
    for module in course.modules:
        name = f"{module.position:02d}-{module.slug}.md"
        module_names.append(name)
        front = {"title": module.title, "slug": module.slug, "minutes": module.minutes}
        if codes := module_criteria.codes_of(module):
            front["criteria"] = codes
        head = dump_readable(front)
        output[name] = f"---\n{head}---\n\n{module.source}\n".encode()
        for locale, values in content_translations.export(module).items():
            head = dump_readable({"title": values["title"]} if "title" in values else {})
            body = values.get("source", "")
            output[f"{locale}/{name}"] = f"---\n{head}---\n\n{body}\n".encode()
    for locale, values in content_translations.export(course).items():
        meta = {
            key: values[field] for key, field in COURSE_TRANSLATION_KEYS.items() if field in values
        }
        output[f"{locale}/course.yml"] = dump_readable(meta).encode()
    records = db.session.scalars(
        select(CourseFile)
        .where(CourseFile.course_id == course.id)
        .order_by(CourseFile.kind, CourseFile.filename)
    )
    materials = []
    for record in records:
        folder = "images" if record.kind == "image" else "materials"
        output[f"{folder}/{record.filename}"] = file_storage.read_bytes(record.stored_name)
        if record.kind == "material":
            materials.append({"file": record.filename, "title": record.title})
    meta = {
        "slug": course.slug,
        "title": course.title,
        "language": course.language,
        "summary": course.summary,
        "status": course.status,
        "cover": course.cover_source,
        "modules": module_names,
    }
    if materials:
        meta["materials"] = materials
    output["course.yml"] = dump_readable(meta).encode()
    return dict(sorted(output.items()))


def export_zip(course: Course) -> bytes:
    """A zip whose entries sit in a folder named after the course, with fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in export_files(course).items():
            info = zipfile.ZipInfo(f"{course.slug}/{name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def export_folder(course: Course, target: Path) -> Path:
    folder = target / course.slug
    if folder.exists() and any(folder.iterdir()):
        raise ServiceError(_("%(folder)s exists and is not empty", folder=folder))
    for name, data in export_files(course).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder
