"""Bulk issue with PDFs as a background job (kind ``ISSUE_JOB``): the trainer's request checks
what it can at once and records the job; a worker issues to each eligible participant, one
commit per certificate, and keeps the outcome (issued, held, blocked, not eligible) as the
job's summary, which the job page puts into words with a link back to the issuing page.

Running the job again (a retry after a worker died, or a second job) issues nobody twice:
``bulk_issuance.bulk_issue`` skips whoever already holds one, and counts those this job's earlier
attempt issued as issued now."""

from __future__ import annotations

from flask import url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from certificates import bulk_issuance
from certificates.models import Qualification
from certificates.status import STATUS_WORDS, PublicStatus
from lms import jobs
from lms.extensions import db
from lms.job_models import JobRecord
from lms.models import User
from lms.routing import parse_id
from seminars.models import Seminar
from seminars.permissions import can_manage

ISSUE_JOB = "certificates.bulk_issue"

NO_SEMINAR = jobs.N_("The seminar no longer exists.")
NO_QUALIFICATION = jobs.N_("The qualification no longer exists.")
NOT_OFFERED = jobs.N_("This qualification is not offered any more.")
NOT_ALLOWED = jobs.N_(
    "You may no longer issue certificates for this seminar, so nothing more was issued."
)


def start_issue_job(qualification: Qualification, seminar: Seminar, by: User) -> JobRecord:
    """Record the job and commit; a worker issues after the commit."""
    record = jobs.enqueue(
        ISSUE_JOB,
        user=by,
        title=_("Issuing certificates for %(title)s", title=seminar.title),
        seminar_id=seminar.id,
        qualification_id=qualification.id,
    )
    db.session.commit()
    return record


def run_issue_job(record: JobRecord, progress: jobs.Progress) -> None:
    """Issue to each eligible participant, committing each certificate; the permission and the
    qualification are checked again here (the trainer may have lost access meanwhile)."""
    args = jobs.args_of(record)
    seminar = db.session.get(Seminar, parse_id(args.get("seminar_id")) or 0)
    if seminar is None:
        raise jobs.JobFailed(NO_SEMINAR)
    qualification = db.session.get(Qualification, parse_id(args.get("qualification_id")) or 0)
    if qualification is None:
        raise jobs.JobFailed(NO_QUALIFICATION)
    by = db.session.get(User, record.user_id) if record.user_id is not None else None
    if by is None or not can_manage(by, seminar):
        raise jobs.JobFailed(NOT_ALLOWED)
    if not qualification.active:
        raise jobs.JobFailed(NOT_OFFERED)
    created_at, seminar_id, qualification_id = record.created_at, seminar.id, qualification.id
    # What eligibility says is missing is kept in words: in the trainer's language.
    with force_locale(by.language):
        outcome = bulk_issuance.bulk_issue(
            qualification, seminar, by=by, progress=progress, since=created_at
        )
        summary = summary_of(outcome)
    summary.update(seminar_id=seminar_id, qualification_id=qualification_id)
    jobs.save_summary(record, summary)


# --- the outcome, as data and in words ---------------------------------------------------------


def summary_of(outcome: bulk_issuance.BulkResult) -> dict:
    """The outcome as plain data (names and what is missing are already words)."""
    return {
        "issued": len(outcome.issued),
        "held": len(outcome.held),
        "blocked": [[name, str(status)] for name, status in outcome.blocked],
        "not_eligible": [
            [person.full_name, [str(item) for item in missing]]
            for person, missing in outcome.not_eligible
        ],
    }


def summary_lines(summary: dict) -> list[tuple[str, str]]:
    """(message, category) per line, in the reader's language: what the issuing page used to
    flash, and what the job page shows."""
    issued, held = summary.get("issued", 0), summary.get("held", 0)
    blocked, not_eligible = summary.get("blocked", []), summary.get("not_eligible", [])
    lines = [
        (
            ngettext(
                "%(num)d certificate issued now.",
                "%(num)d certificates issued now.",
                issued,
            ),
            "success" if issued else "info",
        ),
        (
            ngettext(
                "%(num)d participant already had one (nothing issued twice).",
                "%(num)d participants already had one (nothing issued twice).",
                held,
            ),
            "info",
        ),
    ]
    if blocked:
        lines.append(
            (
                ngettext(
                    "%(num)d participant has a revoked, suspended or expired certificate, so "
                    "nothing was issued to them: %(names)s.",
                    "%(num)d participants have a revoked, suspended or expired certificate, so "
                    "nothing was issued to them: %(names)s.",
                    len(blocked),
                    names="; ".join(
                        f"{name} ({STATUS_WORDS[PublicStatus(status)]})" for name, status in blocked
                    ),
                ),
                "warning",
            )
        )
    if not_eligible:
        details = "; ".join(f"{name}: {', '.join(missing)}" for name, missing in not_eligible)
        lines.append(
            (
                ngettext(
                    "%(num)d participant is not eligible:",
                    "%(num)d participants are not eligible:",
                    len(not_eligible),
                )
                + " "
                + details,
                "warning",
            )
        )
    return lines


def describe(record: JobRecord) -> dict:
    """The job page's part: the summary once done, and the way back to the issuing page."""
    args = jobs.args_of(record)
    seminar = db.session.get(Seminar, parse_id(args.get("seminar_id")) or 0)
    summary = jobs.summary_of(record)
    back = None
    if seminar is not None:
        back = url_for(
            "manage_certificates.seminar_page",
            seminar_id=seminar.id,
            qualification=args.get("qualification_id"),
        )
    return {
        "template": "certificates/manage/issue_job.html",
        "seminar": seminar,
        "back": back,
        "lines": summary_lines(summary) if summary is not None else [],
    }
