"""Certificates from a spreadsheet (``/manage/certificates/spreadsheet``): the template, the
dry run of an uploaded file, applying it, and the result file.

The dry run keeps the upload in ``lms.file_storage`` and hands the page a signed reference to
it with the file's SHA-256 and the plan's fingerprint (``spreadsheet_ops``); "Apply" plans the
same bytes again and applies them only if the fingerprint is the same. Applied, the upload is
deleted, so the same reference cannot apply twice. The result files (of the dry run and of
the apply) are the rows as shown, kept as JSON under a signed reference of their own.
"""

from __future__ import annotations

import hashlib
import json

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from certificates import spreadsheet_io, spreadsheet_ops
from certificates.forms import SpreadsheetForm
from certificates.lifecycle import REASON_CHOICES, STATUS_REASONS
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
    form=None, *, planned=None, token=None, result_ref=None, applied=False, notice=None, status=200
):
    return render_template(
        "certificates/manage/spreadsheet.html",
        form=form or SpreadsheetForm(),
        planned=planned,
        token=token,
        result_ref=result_ref,
        applied=applied,
        notice=notice,
        outcomes=spreadsheet_io.OUTCOMES,
        columns=spreadsheet_io.COLUMNS,
        reasons=[(str(code), STATUS_REASONS[code]) for code in REASON_CHOICES["revoke"]],
        max_rows=spreadsheet_io.MAX_ROWS,
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
    rows = spreadsheet_io.result_rows(planned)
    stored = file_storage.save_bytes(json.dumps(rows).encode(), "json", commit=True)
    return _signer().dumps({"u": current_user.id, "r": stored})


def _dry_run_page(planned, stored: str, filename: str, *, status: int = 200, notice=None):
    token = _signer().dumps(
        {
            "u": current_user.id,
            "f": stored,
            "n": filename,
            "s": planned.sha256,
            "p": planned.fingerprint(),
        }
    )
    return _page(
        planned=planned,
        token=token,
        result_ref=_result_ref(planned),
        notice=notice,
        status=status,
    )


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
    """Read the uploaded file and show every row's outcome; nothing changes."""
    form = SpreadsheetForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    data = form.file.data.read(spreadsheet_io.MAX_BYTES + 1)
    filename = form.file.data.filename or ""
    try:
        sheet = spreadsheet_io.read_sheet(data, filename)
        planned = spreadsheet_ops.plan(sheet, hashlib.sha256(data).hexdigest(), current_user)
    except ServiceError as error:
        show_error(form, error)
        return _page(form, status=400)
    stored = file_storage.save_bytes(data, "bin", commit=True)
    return _dry_run_page(planned, stored, filename, status=200 if not planned.errors else 422)


@bp.post("/spreadsheet/apply")
@trainer_required
def spreadsheet_apply():
    """Apply what the dry run showed, all or nothing."""
    reference = _loads(request.form.get("token", ""))
    try:
        data = file_storage.read_bytes(reference["f"])
    except (OSError, ValueError):
        form = SpreadsheetForm()
        form.file.errors = [_("This dry run was already applied or has expired. Upload again.")]
        return _page(form, status=409)
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 != reference["s"]:
        abort(400)
    try:
        sheet = spreadsheet_io.read_sheet(data, reference["n"])
        planned = spreadsheet_ops.apply_file(sheet, sha256, current_user, reference["p"])
    except spreadsheet_ops.PlanChanged as changed:
        notice = refused(changed)
        return _dry_run_page(
            changed.plan, reference["f"], reference["n"], status=409, notice=notice
        )
    except ServiceError as error:
        form = SpreadsheetForm()
        form.file.errors = [refused(error)]
        return _page(form, status=409)
    file_storage.delete(reference["f"])
    return _page(planned=planned, result_ref=_result_ref(planned), applied=True)


@bp.get("/spreadsheet/result.<any(csv, xlsx):kind>")
@trainer_required
def spreadsheet_result(kind: str):
    reference = _loads(request.args.get("ref", ""))
    try:
        rows = json.loads(file_storage.read_bytes(reference["r"]))
    except (OSError, ValueError):
        abort(404)
    return _file(rows, _("certificates-result"), kind)
