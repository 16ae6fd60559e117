"""Certificates from a spreadsheet as a background job (kind ``SHEET_JOB``): "Apply" on a file
with more than ``INLINE_DRAWINGS`` new certificates to sign and draw hands it to a worker,
whose progress the job page shows (one step per certificate drawn); fewer are applied in the
request.

The worker plans the kept upload again in the trainer's language and applies it only if the
plan is the one the trainer saw (the fingerprint); all or nothing, as in the request
(``spreadsheet_ops.apply``: the drawing pass commits only the job's progress, the writing pass
commits every change at once). Running it again is safe: a plan already applied by an earlier
attempt is all "already done", and the job then ends with that result."""

from __future__ import annotations

import hashlib

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from certificates import spreadsheet_io, spreadsheet_ops
from courses.permissions import is_staff
from lms import file_storage, jobs
from lms.downloads import xlsx_bytes
from lms.extensions import db
from lms.job_models import JobRecord
from lms.models import User
from lms.service_error import ServiceError

SHEET_JOB = "certificates.spreadsheet"
INLINE_DRAWINGS = 20  # new certificates a request signs and draws itself; more go to a worker
RESULT_NAME = "certificates-result.xlsx"

GONE = jobs.N_("The uploaded file is no longer there, so nothing was applied. Upload it again.")
CHANGED = jobs.N_(
    "Something changed since the dry run, so nothing was applied. Upload the file again for a "
    "new dry run."
)
REFUSED = jobs.N_("Nothing was applied: one row could not be changed (see below).")
NOT_ALLOWED = jobs.N_("Your account may no longer change certificates, so nothing was applied.")


def needs_job(planned: spreadsheet_ops.Plan) -> bool:
    drawings = sum(row.action in ("issue", "reissue") for row in planned.changes)
    return drawings > INLINE_DRAWINGS


def start_sheet_job(reference: dict, by: User) -> JobRecord:
    """Record the job (the upload, its SHA-256 and the plan's fingerprint) and commit."""
    record = jobs.enqueue(
        SHEET_JOB,
        user=by,
        title=_("Certificates from a spreadsheet: %(name)s", name=reference["n"] or "—"),
        file=reference["f"],
        name=reference["n"],
        sha256=reference["s"],
        fingerprint=reference["p"],
    )
    db.session.commit()
    return record


def run_sheet_job(record: JobRecord, progress: jobs.Progress) -> None:
    args = jobs.args_of(record)
    by = db.session.get(User, record.user_id) if record.user_id is not None else None
    if by is None or not is_staff(by):
        raise jobs.JobFailed(NOT_ALLOWED)
    try:
        data = file_storage.read_bytes(args["file"])
    except (OSError, ValueError, KeyError):
        raise jobs.JobFailed(GONE) from None
    if hashlib.sha256(data).hexdigest() != args.get("sha256"):
        raise jobs.JobFailed(GONE)
    with force_locale(by.language):  # the messages of the rows, in the trainer's language
        try:
            sheet = spreadsheet_io.read_sheet(data, args.get("name", ""))
        except ServiceError:
            raise jobs.JobFailed(GONE) from None
        planned = spreadsheet_ops.plan(sheet, args["sha256"], by)
        if planned.fingerprint() != args.get("fingerprint"):
            if planned.changes or planned.errors:
                raise jobs.JobFailed(CHANGED)
            # An earlier attempt applied it and stopped before its end: nothing left to do.
        else:
            try:
                spreadsheet_ops.apply(planned, by, progress=progress)
            except ServiceError as error:
                jobs.save_summary(record, {"error": str(error.message)})
                raise jobs.JobFailed(REFUSED) from None
        rows = spreadsheet_io.result_rows(planned)
    with jobs.result_file(record, RESULT_NAME) as path:
        path.write_bytes(xlsx_bytes(rows))
    jobs.save_summary(record, {"counts": dict(planned.counts)})
    file_storage.delete(args["file"])


def describe(record: JobRecord) -> dict:
    """The job page's part: what was done, in the reader's language, and the way back."""
    summary = jobs.summary_of(record) or {}
    counts = summary.get("counts", {})
    lines = [
        f"{spreadsheet_io.OUTCOMES[outcome]}: {number}"
        for outcome, number in sorted(counts.items())
        if outcome in spreadsheet_io.OUTCOMES
    ]
    return {
        "template": "certificates/manage/sheet_job.html",
        "lines": lines,
        "error": summary.get("error", ""),
        "back": url_for("manage_certificates.spreadsheet"),
    }
