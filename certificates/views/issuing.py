"""Trainer and admin pages for issuing certificates per seminar (the participants' page,
bulk issue, a preview, the ZIP of PDFs) and for confirming a participant's identity."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from certificates import archive, bulk_issuance, bulk_job, eligibility, lifecycle, rendering
from certificates.current import STANDING_STATUSES
from certificates.forms import (
    STATUS_LABELS,
    BulkIssueForm,
    IdentityForm,
    QualificationChoiceForm,
)
from certificates.models import Certificate, IdentityConfirmation, Qualification
from certificates.qualifications import all_qualifications, confirm_identity
from certificates.views.blueprint import bp, managed_seminars_query, page_locale
from certificates.views.files import pdf_response, zip_response
from lms.extensions import db
from lms.forms import show_error
from lms.models import Role, User
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.routing import get_or_404, parse_id
from lms.service_error import ServiceError, refused
from lms.timezone import site_today
from seminars.models import Seminar
from seminars.permissions import can_manage
from seminars.registration import holds_a_seat, participants
from seminars.translations import preload_seminars


def _seminar(seminar_id: int) -> Seminar:
    seminar = get_or_404(Seminar, seminar_id)
    if not can_manage(current_user, seminar):
        abort(403)
    return seminar


# --- issuing for a seminar ----------------------------------------------------------------


@dataclass
class ParticipantRow:
    user: User
    result: eligibility.Eligibility
    identity: IdentityConfirmation | None
    certificate: Certificate | None  # the current one for this qualification and seminar
    held: bool = False  # ``lifecycle.holds(certificate)``: valid today

    @property
    def issuable(self) -> bool:
        """Issuing would make a certificate now: eligible and no current one (a revoked,
        suspended or expired current certificate stops a new one, as in issuance)."""
        return self.result.eligible and self.certificate is None

    @property
    def summary(self) -> list[str]:
        """What is left, compact: one line per unmet requirement (its only gap, or its name
        and how many gaps; the page shows them all on request)."""
        return [
            (r.left[0] if r.left else r.label)
            if len(r.left) <= 1
            else ngettext(
                "%(label)s: %(num)d item left",
                "%(label)s: %(num)d items left",
                len(r.left),
                label=r.label,
            )
            for r in self.result.requirements
            if not r.met
        ]


def _active_qualification(
    raw, *, missing: int = 404
) -> tuple[list[Qualification], Qualification | None]:
    """The offered qualifications and the one chosen: the first by default, else ``raw``'s
    (abort with ``missing`` when it is junk or not offered)."""
    offered = all_qualifications(active_only=True)
    if raw in (None, ""):
        return offered, offered[0] if offered else None
    wanted = parse_id(raw)
    chosen = next((q for q in offered if q.id == wanted), None)
    if chosen is None:
        abort(missing)
    return offered, chosen


def _rows(seminar: Seminar, qualification: Qualification) -> list[ParticipantRow]:
    """Every participant with their checklist and current certificate: one gather (a fixed
    number of statements however many participants), then pure checklists."""
    gathered = bulk_issuance.gather(qualification, seminar)
    today = site_today()
    return [
        ParticipantRow(
            user,
            gathered.evaluate(user, today),
            gathered.evidence[user.id].identity,
            gathered.current.get(user.id),
            lifecycle.holds(gathered.current.get(user.id), today),
        )
        for user in gathered.people
    ]


def _issuance_page(seminar, offered, qualification, *, error=None, status=200):
    rows = _rows(seminar, qualification) if qualification else []
    return render_template(
        "certificates/manage/seminar.html",
        seminar=seminar,
        offered=offered,
        qualification=qualification,
        choice_form=QualificationChoiceForm(
            qualifications=offered,
            locale=page_locale(),
            data={"qualification": qualification.id if qualification else None},
        ),
        bulk_form=BulkIssueForm(qualification=qualification.id if qualification else ""),
        rows=rows,
        ready=sum(1 for row in rows if row.issuable),
        held=sum(1 for row in rows if row.held),
        blocked=sum(1 for row in rows if row.certificate is not None and not row.held),
        in_zip=sum(
            1
            for row in rows
            if row.certificate is not None and row.certificate.status in STANDING_STATUSES
        ),
        error=error,
        status_of=lifecycle.public_status,
        status_labels=STATUS_LABELS,
        status_words=lifecycle.STATUS_WORDS,
    ), status


def _flash_summary(result: bulk_issuance.BulkResult) -> None:
    """The outcome of a bulk issue that wrote nothing as flash messages (the page shows the
    details per row); a job's outcome shows on its page, in the same words."""
    for message, category in bulk_job.summary_lines(bulk_job.summary_of(result)):
        flash(message, category)


@bp.get("/seminars/")
@trainer_required
def seminars():
    pagination = paginate(
        managed_seminars_query(current_user).options(selectinload(Seminar.course))
    )
    preload_seminars(pagination.items, courses=False)
    return render_template(
        "certificates/manage/seminars.html", seminars=pagination.items, pagination=pagination
    )


@bp.get("/seminars/<id:seminar_id>")
@trainer_required
def seminar_page(seminar_id: int):
    seminar = _seminar(seminar_id)
    offered, qualification = _active_qualification(request.args.get("qualification"))
    return _issuance_page(seminar, offered, qualification)


@bp.post("/seminars/<id:seminar_id>/issue")
@trainer_required
def bulk_issue(seminar_id: int):
    seminar = _seminar(seminar_id)
    form = BulkIssueForm()
    if not form.validate_on_submit():
        abort(400)
    offered, qualification = _active_qualification(form.qualification.data, missing=400)
    try:
        _, result, eligible = bulk_issuance.plan_bulk(qualification, seminar)
    except ServiceError as error:
        return _issuance_page(seminar, offered, qualification, error=refused(error), status=400)
    if eligible:
        # PDFs to render: a worker issues them; the job's page shows the progress and outcome.
        record = bulk_job.start_issue_job(qualification, seminar, current_user)
        return redirect(url_for("jobs.job_page", job_id=record.id), 303)
    _flash_summary(result)  # nobody to issue to: nothing to wait for
    return redirect(
        url_for(".seminar_page", seminar_id=seminar.id, qualification=qualification.id), 303
    )


@bp.get("/seminars/<id:seminar_id>/preview/<id:user_id>")
@trainer_required
def preview(seminar_id: int, user_id: int):
    """One participant's certificate as it would be issued today: nothing is stored."""
    seminar = _seminar(seminar_id)
    _, qualification = _active_qualification(request.args.get("qualification"))
    holder = next((r.user for r in participants(seminar) if r.user_id == user_id), None)
    if holder is None or qualification is None:
        abort(404)
    data = rendering.preview_pdf(qualification, seminar, holder)
    return pdf_response(data, f"preview-{holder.id}.pdf", inline=True)


@bp.get("/seminars/<id:seminar_id>/certificates.zip")
@trainer_required
def seminar_zip(seminar_id: int):
    """The PDFs of the seminar's standing certificates (revoked and replaced ones left out):
    for a qualification, its participants' current ones, the same the issuing page lists
    (whichever seminar issued them where the qualification is not per seminar); without one,
    every certificate issued through this seminar."""
    seminar = _seminar(seminar_id)
    raw = request.args.get("qualification", "")
    chosen = get_or_404(Qualification, raw) if raw else None
    found = archive.standing_certificates(seminar, chosen)
    if not found:
        flash(_("This seminar has no certificates to download yet."), "info")
        return redirect(url_for(".seminar_page", seminar_id=seminar.id, qualification=raw or None))
    return zip_response(archive.zip_of(found), archive.zip_filename(seminar))


@bp.post("/seminars/<id:seminar_id>/certificates.zip/prepare")
@trainer_required
def prepare_zip(seminar_id: int):
    """Start a background job that builds the ZIP; its page shows the progress and the file."""
    seminar = _seminar(seminar_id)
    raw = request.form.get("qualification", "")
    chosen = get_or_404(Qualification, raw) if raw else None
    if not archive.standing_certificates(seminar, chosen):
        flash(_("This seminar has no certificates to download yet."), "info")
        return redirect(url_for(".seminar_page", seminar_id=seminar.id, qualification=raw or None))
    record = archive.start_zip_job(seminar, chosen, current_user)
    return redirect(url_for("jobs.job_page", job_id=record.id), 303)


# --- identity -----------------------------------------------------------------------------


def _identity_subject(user_id: int) -> tuple[User, Seminar | None]:
    """The person and the seminar that lets the current user confirm them (404, then 403)."""
    person = get_or_404(User, user_id)
    raw = request.args.get("seminar", "")
    seminar = get_or_404(Seminar, raw) if raw else None
    if current_user.role == Role.ADMIN:
        return person, seminar
    if seminar is None or not can_manage(current_user, seminar):
        abort(403)
    if not holds_a_seat(person, seminar):
        abort(403)
    return person, seminar


@bp.route("/identity/<id:user_id>", methods=["GET", "POST"])
@trainer_required
def identity(user_id: int):
    person, seminar = _identity_subject(user_id)
    current = db.session.scalar(
        select(IdentityConfirmation).where(IdentityConfirmation.user_id == person.id)
    )
    form = IdentityForm(obj=current) if request.method == "GET" else IdentityForm()
    if request.method == "GET" and current is None:
        form.legal_name.data = person.full_name
    if form.validate_on_submit():
        try:
            confirm_identity(
                person,
                legal_name=form.legal_name.data,
                date_of_birth=form.date_of_birth.data,
                higher_education=form.higher_education.data,
                by=current_user,
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Identity of %(name)s confirmed.", name=person.full_name), "success")
            if seminar is not None:
                return redirect(
                    url_for(
                        ".seminar_page",
                        seminar_id=seminar.id,
                        qualification=request.args.get("qualification") or None,
                    )
                )
            return redirect(url_for(".identity", user_id=person.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "certificates/manage/identity.html",
        person=person,
        seminar=seminar,
        current=current,
        form=form,
    ), status
