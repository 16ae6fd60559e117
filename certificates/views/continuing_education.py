"""Continuing-education pages (issue 21): a holder's ledger for one certificate, where they
submit external activities and renew; the evidence file (holder and staff only); the staff's
review queue; what courses and seminars count (administrators)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from certificates import ce_activities, issuance
from certificates import ce_credits as counting
from certificates import continuing_education as ce
from certificates.ce_forms import ActivityForm, CreditsForm, RenewForm, ReviewForm
from certificates.ce_models import ActivityStatus, CeActivity
from certificates.models import Certificate
from certificates.views.blueprint import bp as manage_bp
from certificates.views.holder import bp
from courses.models import Course
from lms import file_storage
from lms.extensions import db
from lms.forms import show_error
from lms.pagination import paginate
from lms.permissions import admin_required, trainer_required
from lms.routing import get_or_404
from lms.service_error import ServiceError, refused
from seminars.models import Seminar


def _mine(certificate_id: int) -> Certificate:
    certificate = get_or_404(Certificate, certificate_id, holder_id=current_user.id)
    if not ce.requires_hours(certificate.qualification) or certificate.expires_on is None:
        abort(404)
    return certificate


def _ledger_page(certificate: Certificate, *, form=None, error=None, status: int = 200):
    record = ce.ledger(certificate)
    problem = ce.renewal_problem(record)
    return render_template(
        "certificates/mine/continuing_education.html",
        certificate=certificate,
        record=record,
        problem=problem,
        declaration_renewed=ce.declaration_renewed(certificate, record.today),
        form=form or ActivityForm(formdata=None),
        renew_form=RenewForm(formdata=None),
        error=error,
        verify_url=issuance.verify_url,
    ), status


@bp.get("/<id:certificate_id>/continuing-education")
@login_required
def continuing_education(certificate_id: int):
    return _ledger_page(_mine(certificate_id))


@bp.post("/<id:certificate_id>/continuing-education")
@login_required
def submit_activity(certificate_id: int):
    certificate = _mine(certificate_id)
    form = ActivityForm()
    if form.validate_on_submit():
        upload = form.evidence.data
        data = upload.read(ce_activities.EVIDENCE_MAX_MB * 1024 * 1024 + 1) if upload else b""
        try:
            ce_activities.submit(
                certificate,
                current_user,
                ce_activities.ActivityData(
                    title=form.title.data,
                    provider=form.provider.data,
                    held_on=form.held_on.data,
                    hours=form.hours.data,
                    ethics=form.ethics.data,
                    description=form.description.data or "",
                ),
                data,
                getattr(upload, "filename", "") or "",
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Activity submitted. A trainer will review it."), "success")
            return redirect(url_for(".continuing_education", certificate_id=certificate.id))
    return _ledger_page(certificate, form=form, status=400)


@bp.post("/<id:certificate_id>/renew")
@login_required
def renew(certificate_id: int):
    certificate = _mine(certificate_id)
    if not RenewForm().validate_on_submit():
        abort(400)
    try:
        new = ce.renew(certificate, current_user)
    except ServiceError as error:
        return _ledger_page(certificate, error=refused(error), status=400)
    flash(
        _("Renewed: your new certificate is %(number)s.", number=new.number),
        "success",
    )
    return redirect(url_for(".index", _anchor=f"certificate-{new.id}"))


@bp.get("/activities/<id:activity_id>/evidence")
@login_required
def evidence(activity_id: int):
    """The evidence file: its holder and staff only; "not found" for anyone else."""
    activity = get_or_404(CeActivity, activity_id)
    if not ce_activities.may_read_evidence(current_user, activity):
        abort(404)
    return file_storage.send_stored(
        activity.evidence_name,
        content_type=activity.evidence_type,
        download_name=activity.evidence_filename,
        as_attachment=True,
    )


# --- staff ----------------------------------------------------------------------------------


def _queue_page(*, forms: dict | None = None, status: int = 200):
    pending = list(
        db.session.scalars(
            select(CeActivity)
            .where(CeActivity.status == ActivityStatus.PENDING.value)
            .options(selectinload(CeActivity.holder), selectinload(CeActivity.qualification))
            .order_by(CeActivity.created_at, CeActivity.id)
        )
    )
    decided = paginate(
        select(CeActivity)
        .where(CeActivity.status != ActivityStatus.PENDING.value)
        .options(selectinload(CeActivity.holder), selectinload(CeActivity.reviewed_by))
        .order_by(CeActivity.reviewed_at.desc(), CeActivity.id.desc())
    )
    forms = forms or {}
    return render_template(
        "certificates/manage/ce_review.html",
        pending=pending,
        decided=decided,
        forms={
            a.id: forms.get(a.id) or ReviewForm(prefix=f"a{a.id}", formdata=None) for a in pending
        },
    ), status


@manage_bp.get("/continuing-education")
@trainer_required
def ce_review():
    return _queue_page()


@manage_bp.post("/continuing-education/<id:activity_id>")
@trainer_required
def ce_decide(activity_id: int):
    activity = get_or_404(CeActivity, activity_id)
    form = ReviewForm(prefix=f"a{activity.id}")
    if form.validate_on_submit() and (form.approve.data or form.reject.data):
        try:
            ce_activities.review(
                activity, current_user, approve=bool(form.approve.data), reason=form.reason.data
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            if activity.status == ActivityStatus.APPROVED.value:
                flash(_("Activity approved; the holder is told."), "success")
            else:
                flash(_("Activity rejected; the holder is told why."), "success")
            return redirect(url_for(".ce_review"))
    return _queue_page(forms={activity.id: form}, status=400)


@manage_bp.route("/continuing-education/credits", methods=["GET", "POST"])
@admin_required
def ce_credits():
    courses = list(db.session.scalars(select(Course).order_by(Course.title)))
    seminars = list(db.session.scalars(select(Seminar).order_by(Seminar.id.desc())))
    form = CreditsForm()
    status = 200
    error_field = None
    if form.validate_on_submit():
        posted = request.form
        try:
            counting.save_credits(
                {
                    c.id: (
                        posted.get(f"course-{c.id}-hours", ""),
                        f"course-{c.id}-ethics" in posted,
                    )
                    for c in courses
                },
                {s.id: f"seminar-{s.id}-ethics" in posted for s in seminars},
            )
        except ServiceError as error:
            flash(refused(error), "danger")
            error_field, status = error.field, 400
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".ce_credits"))
    elif request.method == "POST":
        status = 400
    by_course, by_seminar = counting.credits()
    return render_template(
        "certificates/manage/ce_credits.html",
        form=form,
        courses=courses,
        seminars=seminars,
        by_course=by_course,
        by_seminar=by_seminar,
        posted=request.form if status == 400 else None,
        error_field=error_field,
    ), status
