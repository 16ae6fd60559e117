"""Trainer and admin pages for the certificate register (list, CSV) and one certificate's
life: its page, its PDF, suspend, reinstate, revoke, reissue and renew."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from certificates import issuance, lifecycle, rendering, status_reasons
from certificates.forms import (
    STATUS_LABELS,
    ReasonForm,
    RegisterFilterForm,
    ReissueForm,
    StatusChangeForm,
)
from certificates.models import Certificate, QualificationCourse
from certificates.qualifications import all_qualifications
from certificates.views.blueprint import (
    bp,
    managed_seminars_query,
    page_locale,
)
from certificates.views.files import pdf_response
from courses.permissions import can_edit, owned_course_ids
from lms.downloads import csv_text, download
from lms.extensions import db
from lms.forms import show_error
from lms.models import Role, User
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.routing import get_or_404
from lms.service_error import ServiceError
from lms.timezone import site_today
from seminars.models import Seminar
from seminars.permissions import can_manage
from seminars.translations import preload_seminars

LIFECYCLE_ACTIONS = ("suspend", "reinstate", "revoke", "reissue", "renew")
# Which changes a certificate's public status allows (reissue and renew of a suspended
# certificate would make a valid one behind the suspension's back, so they wait for it).
ALLOWED_ACTIONS = {
    lifecycle.PublicStatus.VALID: ("suspend", "revoke", "reissue", "renew"),
    lifecycle.PublicStatus.EXPIRED: ("renew", "reissue", "revoke"),
    lifecycle.PublicStatus.SUSPENDED: ("reinstate", "revoke"),
}


def _visible_certificates(user: User) -> Select:
    query = select(Certificate)
    if user.role != Role.ADMIN:
        seminars = managed_seminars_query(user).with_only_columns(Seminar.id).order_by(None)
        qualifications = select(QualificationCourse.qualification_id).where(
            QualificationCourse.course_id.in_(owned_course_ids(user))
        )
        query = query.where(
            or_(
                Certificate.seminar_id.in_(seminars),
                and_(
                    Certificate.seminar_id.is_(None),
                    Certificate.qualification_id.in_(qualifications),
                ),
            )
        )
    return query


def _may_manage(certificate: Certificate) -> bool:
    if current_user.role == Role.ADMIN:
        return True
    if certificate.seminar is not None:
        return can_manage(current_user, certificate.seminar)
    return any(can_edit(current_user, course) for course in certificate.qualification.courses)


def _certificate(certificate_id: int) -> Certificate:
    certificate = get_or_404(Certificate, certificate_id)
    if not _may_manage(certificate):
        abort(403)
    return certificate


# --- the register -------------------------------------------------------------------------


def _register_form() -> RegisterFilterForm:
    seminars = list(db.session.scalars(managed_seminars_query(current_user)))
    preload_seminars(seminars, courses=False)
    form = RegisterFilterForm(
        request.args,
        qualifications=all_qualifications(),
        seminars=seminars,
        locale=page_locale(),
    )
    form.validate()  # unknown values are ignored below, never an error
    return form


def _filtered(form: RegisterFilterForm) -> Select:
    query = _visible_certificates(current_user).join(User, Certificate.holder_id == User.id)
    if form.qualification.data:
        query = query.where(Certificate.qualification_id == form.qualification.data)
    if form.seminar.data:
        query = query.where(Certificate.seminar_id == form.seminar.data)
    status, today = form.status.data, site_today()
    not_expired = or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today)
    if status == "valid":
        query = query.where(Certificate.status == "valid", not_expired)
    elif status == "expired":
        query = query.where(Certificate.status == "valid", Certificate.expires_on < today)
    elif status in ("suspended", "revoked", "superseded"):
        query = query.where(Certificate.status == status)
    search = " ".join((form.q.data or "").split())
    if search:
        query = query.where(
            or_(
                Certificate.number.contains(search.upper(), autoescape=True),
                func.lower(User.full_name).contains(search.lower(), autoescape=True),
            )
        )
    return query.options(
        selectinload(Certificate.qualification),
        selectinload(Certificate.seminar),
        selectinload(Certificate.holder),
        selectinload(Certificate.replaced_by),
    ).order_by(Certificate.issued_on.desc(), Certificate.id.desc())


@bp.get("/")
@trainer_required
def register():
    form = _register_form()
    pagination = paginate(_filtered(form))
    preload_seminars([c.seminar for c in pagination.items], courses=False)
    return render_template(
        "certificates/manage/register.html",
        form=form,
        pagination=pagination,
        status_of=lifecycle.public_status,
        status_labels=STATUS_LABELS,
        export_args={k: v for k, v in request.args.items() if k != "page"},
    )


CSV_HEADER = [
    "Number",
    "Holder",
    "Qualification",
    "Seminar",
    "Status",
    "Issued on",
    "Valid until",
    "Status changed on",
    "Public reason",
    "Public note",
    "Internal note",
    "Replaced by",
]


@bp.get("/export.csv")
@trainer_required
def export_csv():
    """The register with the page's filters; no email addresses (see the design note)."""
    form = _register_form()
    today = site_today()
    rows = [CSV_HEADER]
    for certificate in db.session.scalars(_filtered(form)):
        facts = certificate.facts
        changed = certificate.status_changed_at
        rows.append(
            (
                certificate.number,
                facts.get("holder", ""),
                facts.get("qualification", {}).get("title", ""),
                certificate.seminar.title if certificate.seminar else "",
                lifecycle.public_status(certificate, today).value,
                certificate.issued_on.isoformat(),
                certificate.expires_on.isoformat() if certificate.expires_on else "",
                changed.date().isoformat() if changed else "",
                certificate.status_reason_code,
                certificate.status_public_note,
                certificate.status_note,
                certificate.replaced_by.number if certificate.replaced_by else "",
            )
        )
    # The BOM: Excel reads UTF-8.
    return download("\ufeff" + csv_text(rows), "certificates.csv", "text/csv")


# --- one certificate ----------------------------------------------------------------------


def _detail(certificate: Certificate, *, forms: dict | None = None, status: int = 200):
    public = lifecycle.public_status(certificate)
    allowed = ALLOWED_ACTIONS.get(public, ())
    if not (certificate.expires_on and certificate.qualification.validity_months):
        allowed = tuple(action for action in allowed if action != "renew")
    forms = dict(forms or {})
    for action in allowed:
        if action not in forms:
            form = _form(action)
            if action == "reissue":
                form.name.data = certificate.facts.get("holder", "")
            forms[action] = form
    replaces = (
        db.session.get(Certificate, certificate.replaces_id) if certificate.replaces_id else None
    )
    return render_template(
        "certificates/manage/detail.html",
        certificate=certificate,
        facts=certificate.facts,
        public=public,
        status_labels=STATUS_LABELS,
        allowed=allowed,
        forms=forms,
        replaces=replaces,
        verify_url=issuance.verify_url(certificate.number),
        reason_label=status_reasons.reason_label,
    ), status


@bp.get("/<id:certificate_id>")
@trainer_required
def detail(certificate_id: int):
    return _detail(_certificate(certificate_id))


@bp.get("/<id:certificate_id>/pdf")
@trainer_required
def certificate_pdf(certificate_id: int):
    certificate = _certificate(certificate_id)
    try:
        data = rendering.pdf_bytes(certificate)
    except FileNotFoundError:
        current_app.logger.error("PDF of certificate %s missing from storage", certificate.number)
        abort(404, description=_("The PDF of this certificate is missing from storage."))
    return pdf_response(data, f"{certificate.number}.pdf")


@bp.post("/<id:certificate_id>/<any(suspend, reinstate, revoke, reissue, renew):action>")
@trainer_required
def change(certificate_id: int, action: str):
    certificate = _certificate(certificate_id)
    form = _form(action)
    if form.validate_on_submit():
        try:
            target = _apply(certificate, action, form)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_success_message(action, target), "success")
            return redirect(url_for(".detail", certificate_id=target.id))
    certificate = db.session.get(Certificate, certificate_id)
    return _detail(certificate, forms={action: form}, status=400)


def _form(action: str):
    if action in ("suspend", "revoke"):
        return StatusChangeForm(prefix=action, action=action)
    return (ReissueForm if action == "reissue" else ReasonForm)(prefix=action)


def _apply(certificate: Certificate, action: str, form) -> Certificate:
    """Run one lifecycle change; returns the certificate to show next (the new one if any)."""
    public = lifecycle.public_status(certificate)
    if action not in ALLOWED_ACTIONS.get(public, ()):
        raise ServiceError(
            _(
                "This certificate is %(status)s; that change does not apply.",
                status=STATUS_LABELS[public.value],
            )
        )
    reason = form.reason.data or ""
    if action in ("suspend", "revoke"):
        getattr(lifecycle, action)(
            certificate,
            form.reason_code.data or "",
            current_user,
            public_note=form.public_note.data or "",
            note=reason,
        )
    elif action == "reinstate":
        lifecycle.reinstate(certificate, reason, current_user)
    elif action == "reissue":
        return lifecycle.reissue(certificate, reason=reason, by=current_user, name=form.name.data)
    else:
        return lifecycle.renew(certificate, reason=reason, by=current_user)
    return certificate


def _success_message(action: str, certificate: Certificate) -> str:
    return {
        "suspend": _("Certificate suspended. The verification page says so now."),
        "reinstate": _("Certificate reinstated: it is valid again."),
        "revoke": _("Certificate revoked. The verification page says so now."),
        "reissue": _(
            "Reissued as %(number)s; the old number points to it.", number=certificate.number
        ),
        "renew": _(
            "Renewed as %(number)s; the old number points to it.", number=certificate.number
        ),
    }[action]
