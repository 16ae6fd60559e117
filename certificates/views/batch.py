"""Certificates from a spreadsheet (``/manage/certificates/spreadsheet``): the template, the
dry run of an uploaded file, applying it, and the result file.

An upload that can be read is kept in ``lms.file_storage`` and the browser is sent (303) to its
dry run, a GET page named by a signed reference (the user, the stored file, its SHA-256); the
page's "Apply" carries the plan's fingerprint too (``spreadsheet_ops``): it plans the same
bytes again and applies them only if the fingerprint is the same. Applied, the upload is
deleted, so the same reference cannot apply twice. The dry run's result file is planned again
from the upload; the applied one is the rows as shown, kept as JSON.
"""

from __future__ import annotations

import hashlib
import json

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from certificates import sheet_job, spreadsheet_io, spreadsheet_ops
from certificates.forms import SpreadsheetForm
from certificates.status_reasons import REASON_CHOICES, STATUS_REASONS
from certificates.views.blueprint import bp
from lms import file_storage
from lms.downloads import XLSX_MIMETYPE, csv_text, download, xlsx_bytes
from lms.forms import show_error
from lms.permissions import trainer_required
from lms.service_error import ServiceError, refused

KEPT_FOR = 24 * 3600  # seconds a dry run (and its result file) may be applied or downloaded


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="certificates.sheet")


def _page(
    form=None,
    *,
    planned=None,
    token=None,
    check_ref=None,
    result_ref=None,
    applied=False,
    notice=None,
    status=200,
):
    return render_template(
        "certificates/manage/spreadsheet.html",
        form=form or SpreadsheetForm(),
        planned=planned,
        token=token,
        check_ref=check_ref,
        result_ref=result_ref,
        applied=applied,
        notice=notice,
        outcomes=spreadsheet_io.OUTCOMES,
        columns=spreadsheet_io.COLUMNS,
        reasons=[(str(code), STATUS_REASONS[code]) for code in REASON_CHOICES["revoke"]],
        actions=spreadsheet_io.action_labels(),
    ), status


def _loads(signed: str) -> dict:
    """A reference this user was given, at most ``KEPT_FOR`` old; 400 otherwise."""
    try:
        data = _signer().loads(signed, max_age=KEPT_FOR)
    except BadSignature:
        abort(400)
    if not isinstance(data, dict) or data.get("u") != current_user.id:
        abort(400)
    return data


def _result_ref(planned) -> str:
    """The applied result, kept as shown (planning again would say "already done")."""
    rows = spreadsheet_io.result_rows(planned)
    stored = file_storage.save_bytes(json.dumps(rows).encode(), "json", commit=True)
    return _signer().dumps({"u": current_user.id, "r": stored})


def _upload_ref(stored: str, filename: str, sha256: str) -> str:
    return _signer().dumps({"u": current_user.id, "f": stored, "n": filename, "s": sha256})


def _stored_sheet(reference: dict):
    """The upload a reference names, read again, or None once it was applied (deleted) or
    lost; 400 if its bytes are not the ones the reference was made for."""
    try:
        data = file_storage.read_bytes(reference["f"])
    except (OSError, ValueError, KeyError):
        return None
    if hashlib.sha256(data).hexdigest() != reference.get("s"):
        abort(400)
    try:
        return spreadsheet_io.read_sheet(data, reference.get("n", ""))
    except ServiceError as error:  # readable when it was uploaded: the limits changed since
        refused(error)
        return None


def _gone(status: int):
    form = SpreadsheetForm()
    form.file.errors = [_("This dry run was already applied or has expired. Upload again.")]
    return _page(form, status=status)


def _dry_run_page(planned, reference: dict, *, status: int = 200, notice=None):
    """The plan with "Apply" (a reference that also carries the plan's fingerprint)."""
    token = _signer().dumps({**reference, "p": planned.fingerprint()})
    check = _signer().dumps({key: reference[key] for key in ("u", "f", "n", "s")})
    if status == 200 and planned.errors:
        status = 422
    return _page(planned=planned, token=token, check_ref=check, notice=notice, status=status)


@bp.get("/spreadsheet")
@trainer_required
def spreadsheet():
    return _page()


@bp.get("/spreadsheet/template.<any(csv, xlsx):kind>")
@trainer_required
def spreadsheet_template(kind: str):
    return _file(spreadsheet_io.template_rows(), _("certificates-template"), kind)


def _file(rows, name: str, kind: str):
    if kind == "csv":
        return download("\ufeff" + csv_text(rows), f"{name}.csv", "text/csv")
    return download(xlsx_bytes(rows, title=name), f"{name}.xlsx", XLSX_MIMETYPE)


@bp.post("/spreadsheet")
@trainer_required
def spreadsheet_dry_run():
    """Keep an uploaded file that can be read, then show its dry run (303 to the check)."""
    form = SpreadsheetForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    data = form.file.data.read(spreadsheet_io.MAX_BYTES + 1)
    filename = (form.file.data.filename or "")[:200]
    try:
        spreadsheet_io.read_sheet(data, filename)
    except ServiceError as error:
        show_error(form, error)
        return _page(form, status=400)
    stored = file_storage.save_bytes(data, "bin", commit=True)
    reference = _upload_ref(stored, filename, hashlib.sha256(data).hexdigest())
    return redirect(url_for(".spreadsheet_check", ref=reference), 303)


@bp.get("/spreadsheet/check")
@trainer_required
def spreadsheet_check():
    """The dry run of a kept upload: every row's outcome, as things stand now; nothing
    changes."""
    reference = _loads(request.args.get("ref", ""))
    found = _stored_sheet(reference)
    if found is None:
        return _gone(410)
    planned = spreadsheet_ops.plan(found, reference["s"], current_user)
    return _dry_run_page(planned, reference)


@bp.post("/spreadsheet/apply")
@trainer_required
def spreadsheet_apply():
    """Apply what the dry run showed, all or nothing."""
    reference = _loads(request.form.get("token", ""))
    found = _stored_sheet(reference)
    if found is None:
        return _gone(409)
    try:
        expected = reference.get("p", "")
        planned = spreadsheet_ops.checked_plan(found, reference["s"], current_user, expected)
        if sheet_job.needs_job(planned):  # many PDFs to draw: a worker, with progress
            record = sheet_job.start_sheet_job(reference, current_user)
            return redirect(url_for("jobs.job_page", job_id=record.id), 303)
        spreadsheet_ops.apply(planned, current_user)
    except spreadsheet_ops.PlanChanged as changed:
        notice = refused(changed)
        upload = {key: reference[key] for key in ("u", "f", "n", "s")}
        return _dry_run_page(changed.plan, upload, status=409, notice=notice)
    except ServiceError as error:
        form = SpreadsheetForm()
        form.file.errors = [refused(error)]
        return _page(form, status=409)
    file_storage.delete(reference["f"])
    return _page(planned=planned, result_ref=_result_ref(planned), applied=True)


@bp.get("/spreadsheet/result.<any(csv, xlsx):kind>")
@trainer_required
def spreadsheet_result(kind: str):
    """The result file: of a dry run (its rows planned again now) or of an applied file."""
    reference = _loads(request.args.get("ref", ""))
    if "r" in reference:
        try:
            rows = json.loads(file_storage.read_bytes(reference["r"]))
        except (OSError, ValueError):
            abort(404)
    else:
        found = _stored_sheet(reference)
        if found is None:
            abort(404)
        planned = spreadsheet_ops.plan(found, reference["s"], current_user)
        rows = spreadsheet_io.result_rows(planned)
    return _file(rows, _("certificates-result"), kind)
