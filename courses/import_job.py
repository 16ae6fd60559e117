"""Importing a large course archive as a background job (kind ``IMPORT_JOB``).

The request does the cheap checks (size, the zip's directory: see ``views.manage``), keeps
the upload in the job's folder in the instance folder and records the job; a worker reads
the archive safely, checks each module (the progress, module by module) and writes the
course in one transaction (``content_io.import_bundle``: all or nothing). The job's page
shows the outcome (created or updated, with a link to the course) or the problems, the same
ones the import page lists; the upload is removed when the job ends either way.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from courses import content_archive, content_bundle, content_io
from courses.models import Course
from courses.permissions import can_edit, is_staff
from lms import file_storage, jobs
from lms.extensions import db
from lms.job_models import JobRecord
from lms.models import User

IMPORT_JOB = "courses.import"
UPLOAD_NAME = "upload.zip"

ABORTED = jobs.N_("The import was aborted; nothing was changed. Fix these problems and try again:")
NOT_ALLOWED = jobs.N_("You may no longer import courses, so nothing was imported.")
UPLOAD_GONE = jobs.N_("The uploaded archive is no longer there; upload it again.")


def start_import_job(data: bytes, *, owner: User, update: bool, filename: str) -> JobRecord:
    """Record the job, keep the upload in its folder, and commit; a worker imports it."""
    record = jobs.enqueue(
        IMPORT_JOB,
        user=owner,
        title=_("Importing the course archive %(name)s", name=filename or UPLOAD_NAME),
        update=update,
    )
    _keep_upload(record, data)
    db.session.commit()
    return record


def _keep_upload(record: JobRecord, data: bytes) -> None:
    """Stored through ``lms.file_storage`` (in the caller's transaction), so a worker on
    another machine finds it."""
    file_storage.put(upload_of(record), data)


def upload_of(record: JobRecord) -> str:
    """The stored name of the job's upload."""
    return f"jobs/{record.id}/{UPLOAD_NAME}"


def _drop_upload(record: JobRecord) -> None:
    file_storage.remove(upload_of(record))
    db.session.commit()


def run_import_job(record: JobRecord, progress: jobs.Progress) -> None:
    """Import the kept archive; the problems found are the job's summary when it fails. An
    unexpected error keeps the upload for Huey's retry (nothing was written)."""
    try:
        _import(record, progress)
    except jobs.JobFailed:
        db.session.rollback()
        _drop_upload(record)
        raise
    _drop_upload(record)


def _import(record: JobRecord, progress: jobs.Progress) -> None:
    owner = db.session.get(User, record.user_id) if record.user_id is not None else None
    if owner is None or not is_staff(owner):
        raise jobs.JobFailed(NOT_ALLOWED)
    try:
        data = file_storage.get(upload_of(record))
    except FileNotFoundError:
        raise jobs.JobFailed(UPLOAD_GONE) from None
    update = bool(jobs.args_of(record).get("update"))
    started = record.created_at
    try:
        entries = content_archive.read_zip(data)
        # Module by module while checking; then the one transaction that writes them all.
        bundle = content_bundle.parse_bundle(
            entries, on_module=lambda done, total: progress(done, total + 1)
        )
        earlier = _imported_by_an_earlier_attempt(bundle.slug, owner, started, update)
        # The problem messages of the checks are in English today (file: line: message).
        with force_locale(owner.language):
            result = earlier or content_io.import_bundle(bundle, owner=owner, update=update)
    except content_archive.ImportFailed as failure:
        jobs.save_summary(record, {"problems": [str(problem) for problem in failure.problems]})
        raise jobs.JobFailed(ABORTED) from None
    progress(len(bundle.modules) + 1, len(bundle.modules) + 1)
    jobs.save_summary(
        record,
        {
            "course_id": result.course.id,
            "slug": result.course.slug,
            "title": result.course.title,
            "created": result.created,
            "new_versions": result.new_versions,
            "kept_modules": result.kept_modules,
        },
    )


def _imported_by_an_earlier_attempt(slug, owner, started, update):
    """A worker that died after the import committed: its retry finds the course it made
    (created since the job started, editable by the owner) and reports it, rather than "a
    course with this slug already exists"."""
    if update:
        return None  # updating again with the same archive makes no new versions
    existing = Course.by_slug(slug)
    if existing is None or existing.created_at < started or not can_edit(owner, existing):
        return None
    return content_io.ImportResult(existing, True, 0, [])


# --- the outcome, in words ------------------------------------------------------------------


def result_lines(summary: dict) -> list[tuple[str, str]]:
    """(message, category) per line in the reader's language: what the import page flashes
    after an import in the request, and what the job's page shows."""
    if summary.get("created"):
        lines = [(_("Course “%(title)s” imported.", title=summary["title"]), "success")]
    else:
        lines = [
            (
                _(
                    "Course “%(title)s” updated: %(n)d modules have a new version.",
                    title=summary["title"],
                    n=summary.get("new_versions", 0),
                ),
                "success",
            )
        ]
    if summary.get("kept_modules"):
        lines.append(
            (
                _(
                    "Modules not in the archive were kept: %(titles)s",
                    titles=", ".join(summary["kept_modules"]),
                ),
                "info",
            )
        )
    return lines


def summary_of(result: content_io.ImportResult) -> dict:
    return {
        "title": result.course.title,
        "created": result.created,
        "new_versions": result.new_versions,
        "kept_modules": result.kept_modules,
    }


def describe(record: JobRecord) -> dict | None:
    """The job page's part once it ends: the outcome with a link to the course, or the
    problems."""
    if not record.finished:
        return None
    summary = jobs.summary_of(record) or {}
    course = None
    if summary.get("course_id") is not None:
        course = db.session.get(Course, summary["course_id"])
    return {
        "template": "courses/manage/import_job.html",
        "lines": result_lines(summary) if "title" in summary else [],
        "course_url": url_for("manage.edit_course", slug=course.slug) if course else None,
        "problems": summary.get("problems", []),
        "again_url": url_for("manage.import_course"),
    }
