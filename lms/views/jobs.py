"""Job pages: one job's state and progress (its owner or an administrator), its JSON for the
page's script, its result, and the administrators' list of recent jobs."""

from __future__ import annotations

import io

from flask import Blueprint, abort, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import jobs
from lms.background_requests import leaves_session_alone
from lms.downloads import content_disposition
from lms.formatting import format_percent
from lms.job_models import JobRecord, JobState
from lms.models import Role
from lms.pagination import paginate
from lms.permissions import admin_required
from lms.routing import get_or_404

bp = Blueprint("jobs", __name__)

PER_PAGE = 25


def _own_job(job_id: int) -> JobRecord:
    """The job, for the person who started it or an administrator; 404 for anyone else (a
    stranger learns nothing, not even that it exists)."""
    record = get_or_404(JobRecord, job_id)
    if record.user_id != current_user.id and current_user.role != Role.ADMIN:
        abort(404)
    return record


def _as_json(record: JobRecord) -> dict:
    download = url_for("jobs.result", job_id=record.id) if jobs.has_result(record) else None
    return {
        "id": record.id,
        "state": record.state,
        "state_label": record.state_label,
        "done": record.done,
        "total": record.total,
        "percent": record.percent,
        "percent_text": format_percent(record.percent),
        "finished": record.finished,
        "count_text": (
            _("%(done)d of %(total)d", done=record.done, total=record.total) if record.total else ""
        ),
        "error": _(record.error) if record.error else None,
        "download_url": download,
    }


@bp.get("/jobs/<id:job_id>")
@login_required
def job_page(job_id: int):
    record = _own_job(job_id)
    return render_template(
        "jobs/job.html",
        job=record,
        has_result=jobs.has_result(record),
        details=jobs.describe(record),
    )


@bp.get("/jobs/<id:job_id>.json")
@login_required
@leaves_session_alone
def job_json(job_id: int):
    response = jsonify(_as_json(_own_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<id:job_id>/result")
@login_required
def result(job_id: int):
    record = _own_job(job_id)
    data = jobs.result_bytes(record)
    if data is None:
        abort(404)
    name = record.result_name or record.result_path.rsplit("/", 1)[-1]
    response = send_file(
        io.BytesIO(data),
        mimetype="application/zip" if name.endswith(".zip") else "application/octet-stream",
    )
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/jobs")
@admin_required
def admin_jobs():
    failed_only = request.args.get("state") == JobState.FAILED.value
    query = jobs.jobs_query()
    if failed_only:
        query = query.where(JobRecord.state == JobState.FAILED.value)
    pagination = paginate(query, per_page=PER_PAGE)
    return render_template("jobs/admin.html", pagination=pagination, failed_only=failed_only)
