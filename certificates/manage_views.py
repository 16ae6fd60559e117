"""Trainer and admin pages for certificates: issuing per seminar, identity, the register,
one certificate's life, and the qualifications.

Who may do what: admins everything; a trainer what concerns the seminars they may manage
(``courses.seminars.can_manage``: its trainers and its course's owners) and, for
certificates issued without a seminar, the qualifications whose courses they own. Every route
looks its object up first (404 for an unknown id) and then checks permission (403).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from certificates import eligibility, issuance, lifecycle
from certificates.forms import (
    STATUS_LABELS,
    BulkIssueForm,
    IdentityForm,
    QualificationChoiceForm,
    QualificationForm,
    ReasonForm,
    RegisterFilterForm,
    ReissueForm,
    as_id,
)
from certificates.models import (
    Certificate,
    CertificateStatus,
    IdentityConfirmation,
    Qualification,
    QualificationCourse,
)
from certificates.pdf import render_pdf
from certificates.qualifications import (
    QualificationData,
    all_qualifications,
    confirm_identity,
    save_qualification,
)
from courses.attendance import participants
from courses.authoring import can_edit
from courses.models import Course, CourseOwner
from courses.seminar_files import safe_cell
from courses.seminar_models import Seminar, SeminarTrainer
from courses.seminars import can_manage
from lms.extensions import db
from lms.forms import show_error
from lms.i18n import site_today
from lms.models import Role, User
from lms.pagination import paginate
from lms.permissions import admin_required, trainer_required
from lms.service_error import ServiceError
from quizzes.models import Criterion

bp = Blueprint(
    "manage_certificates",
    __name__,
    url_prefix="/manage/certificates",
    template_folder="templates",
)

LIFECYCLE_ACTIONS = ("suspend", "reinstate", "revoke", "reissue", "renew")
# Which changes a certificate's public status allows (reissue and renew of a suspended
# certificate would make a valid one behind the suspension's back, so they wait for it).
ALLOWED_ACTIONS = {
    lifecycle.PublicStatus.VALID: ("suspend", "revoke", "reissue", "renew"),
    lifecycle.PublicStatus.EXPIRED: ("renew", "reissue", "revoke"),
    lifecycle.PublicStatus.SUSPENDED: ("reinstate", "revoke"),
}
PREVIEW_NUMBER = "PREVIEW"


def _locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


# --- who may see what ---------------------------------------------------------------------


def _owned_course_ids(user: User):
    return select(CourseOwner.course_id).where(CourseOwner.user_id == user.id)


def _managed_seminars_query(user: User) -> Select:
    query = select(Seminar).order_by(Seminar.id.desc())
    if user.role != Role.ADMIN:
        trained = select(SeminarTrainer.seminar_id).where(SeminarTrainer.user_id == user.id)
        query = query.where(
            or_(Seminar.id.in_(trained), Seminar.course_id.in_(_owned_course_ids(user)))
        )
    return query


def _visible_certificates(user: User) -> Select:
    query = select(Certificate)
    if user.role != Role.ADMIN:
        seminars = _managed_seminars_query(user).with_only_columns(Seminar.id).order_by(None)
        qualifications = select(QualificationCourse.qualification_id).where(
            QualificationCourse.course_id.in_(_owned_course_ids(user))
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
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    if not _may_manage(certificate):
        abort(403)
    return certificate


def _seminar(seminar_id: int) -> Seminar:
    seminar = db.session.get(Seminar, seminar_id)
    if seminar is None:
        abort(404)
    if not can_manage(current_user, seminar):
        abort(403)
    return seminar


def _pdf_response(data: bytes, filename: str, *, inline: bool = False):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    if inline:
        # Chrome's PDF viewer is an embedded object: the site's "object-src 'none'" blocks it.
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


# --- issuing for a seminar ----------------------------------------------------------------


@dataclass
class ParticipantRow:
    user: User
    result: eligibility.Eligibility
    identity: IdentityConfirmation | None
    certificate: Certificate | None

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
    chosen = next((q for q in offered if str(q.id) == str(raw).strip()), None)
    if chosen is None:
        abort(missing)
    return offered, chosen


def _rows(seminar: Seminar, qualification: Qualification) -> list[ParticipantRow]:
    people = [registration.user for registration in participants(seminar)]
    ids = [user.id for user in people]
    identities = {
        identity.user_id: identity
        for identity in db.session.scalars(
            select(IdentityConfirmation)
            .where(IdentityConfirmation.user_id.in_(ids))
            .options(selectinload(IdentityConfirmation.confirmed_by))
        )
    }
    certificates = {
        certificate.holder_id: certificate
        for certificate in db.session.scalars(
            select(Certificate).where(
                Certificate.holder_id.in_(ids),
                Certificate.qualification_id == qualification.id,
                Certificate.seminar_key == seminar.id,
                Certificate.live == 1,
            )
        )
    }
    today = site_today()
    return [
        ParticipantRow(
            user,
            eligibility.check(user, qualification, seminar, today),
            identities.get(user.id),
            certificates.get(user.id),
        )
        for user in people
    ]


def _issuance_page(seminar, offered, qualification, *, result=None, error=None, status=200):
    rows = _rows(seminar, qualification) if qualification else []
    return render_template(
        "certificates/manage/seminar.html",
        seminar=seminar,
        offered=offered,
        qualification=qualification,
        choice_form=QualificationChoiceForm(
            qualifications=offered,
            locale=_locale(),
            data={"qualification": qualification.id if qualification else None},
        ),
        bulk_form=BulkIssueForm(qualification=qualification.id if qualification else ""),
        rows=rows,
        ready=sum(1 for row in rows if row.result.eligible and row.certificate is None),
        held=sum(1 for row in rows if row.certificate is not None),
        result=result,
        error=error,
        status_of=lifecycle.public_status,
        status_labels=STATUS_LABELS,
    ), status


@bp.get("/seminars/")
@trainer_required
def seminars():
    found = db.session.scalars(
        _managed_seminars_query(current_user).options(selectinload(Seminar.course))
    )
    return render_template("certificates/manage/seminars.html", seminars=list(found))


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
        result = issuance.bulk_issue(qualification, seminar, by=current_user)
    except ServiceError as error:
        db.session.rollback()
        return _issuance_page(seminar, offered, qualification, error=error.message, status=400)
    return _issuance_page(seminar, offered, qualification, result=result)


@bp.get("/seminars/<id:seminar_id>/preview/<id:user_id>")
@trainer_required
def preview(seminar_id: int, user_id: int):
    """One participant's certificate as it would be issued today: nothing is stored."""
    seminar = _seminar(seminar_id)
    _, qualification = _active_qualification(request.args.get("qualification"))
    holder = next((r.user for r in participants(seminar) if r.user_id == user_id), None)
    if holder is None or qualification is None:
        abort(404)
    today = site_today()
    language = seminar.language
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    months = qualification.validity_months
    facts = issuance.build_facts(
        number=PREVIEW_NUMBER,
        qualification=qualification,
        holder=issuance.holder_name(holder),
        seminar=seminar,
        result=eligibility.check(holder, qualification, seminar, today),
        language=language,
        issued_on=today,
        expires_on=issuance.add_months(today, months) if months else None,
    )
    data = render_pdf(facts, issuance.verify_url(PREVIEW_NUMBER), "PREVIEW (not signed)")
    return _pdf_response(data, f"preview-{holder.id}.pdf", inline=True)


@bp.get("/seminars/<id:seminar_id>/certificates.zip")
@trainer_required
def seminar_zip(seminar_id: int):
    """The PDFs of the seminar's standing certificates (revoked and replaced ones left out)."""
    seminar = _seminar(seminar_id)
    query = select(Certificate).where(
        Certificate.seminar_id == seminar.id,
        Certificate.status.in_((CertificateStatus.VALID.value, CertificateStatus.SUSPENDED.value)),
    )
    raw = request.args.get("qualification", "")
    if raw:
        chosen = db.session.get(Qualification, as_id(raw) or 0)
        if chosen is None:
            abort(404)
        query = query.where(Certificate.qualification_id == chosen.id)
    found = list(db.session.scalars(query.order_by(Certificate.number)))
    if not found:
        flash(_("This seminar has no certificates to download yet."), "info")
        return redirect(url_for(".seminar_page", seminar_id=seminar.id, qualification=raw or None))
    buffer = io.BytesIO()
    missing = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for certificate in found:
            try:
                archive.writestr(f"{certificate.number}.pdf", issuance.pdf_bytes(certificate))
            except OSError:
                missing.append(certificate.number)
        if missing:
            current_app.logger.error("certificate PDFs missing from storage: %s", missing)
            archive.writestr("MISSING.txt", "\n".join(missing) + "\n")
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="seminar-{seminar.id}-certificates.zip"'
    )
    return response


# --- identity -----------------------------------------------------------------------------


def _identity_subject(user_id: int) -> tuple[User, Seminar | None]:
    """The person and the seminar that lets the current user confirm them (404, then 403)."""
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    raw = request.args.get("seminar", "")
    seminar = None
    if raw:
        seminar = db.session.get(Seminar, as_id(raw) or 0)
        if seminar is None:
            abort(404)
    if current_user.role == Role.ADMIN:
        return person, seminar
    if seminar is None or not can_manage(current_user, seminar):
        abort(403)
    if not any(registration.user_id == person.id for registration in participants(seminar)):
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
            db.session.rollback()
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


# --- the register -------------------------------------------------------------------------


def _register_form() -> RegisterFilterForm:
    seminars = db.session.scalars(_managed_seminars_query(current_user))
    form = RegisterFilterForm(
        request.args,
        qualifications=all_qualifications(),
        seminars=list(seminars),
        locale=_locale(),
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
    "Reason",
    "Replaced by",
]


@bp.get("/export.csv")
@trainer_required
def export_csv():
    """The register with the page's filters; no email addresses (see the design note)."""
    form = _register_form()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    today = site_today()
    for certificate in db.session.scalars(_filtered(form)):
        facts = certificate.facts
        changed = certificate.status_changed_at
        writer.writerow(
            [
                safe_cell(cell)
                for cell in (
                    certificate.number,
                    facts.get("holder", ""),
                    facts.get("qualification", {}).get("title", ""),
                    certificate.seminar.title if certificate.seminar else "",
                    lifecycle.public_status(certificate, today).value,
                    certificate.issued_on.isoformat(),
                    certificate.expires_on.isoformat() if certificate.expires_on else "",
                    changed.date().isoformat() if changed else "",
                    certificate.status_reason,
                    certificate.replaced_by.number if certificate.replaced_by else "",
                )
            ]
        )
    response = make_response("\ufeff" + buffer.getvalue())  # BOM: Excel reads UTF-8
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="certificates.csv"'
    return response


# --- one certificate ----------------------------------------------------------------------


def _detail(certificate: Certificate, *, forms: dict | None = None, status: int = 200):
    public = lifecycle.public_status(certificate)
    allowed = ALLOWED_ACTIONS.get(public, ())
    if not (certificate.expires_on and certificate.qualification.validity_months):
        allowed = tuple(action for action in allowed if action != "renew")
    forms = dict(forms or {})
    for action in allowed:
        if action not in forms:
            form = (ReissueForm if action == "reissue" else ReasonForm)(prefix=action)
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
        data = issuance.pdf_bytes(certificate)
    except FileNotFoundError:
        current_app.logger.error("PDF of certificate %s missing from storage", certificate.number)
        abort(404, description=_("The PDF of this certificate is missing from storage."))
    return _pdf_response(data, f"{certificate.number}.pdf")


@bp.post("/<id:certificate_id>/<any(suspend, reinstate, revoke, reissue, renew):action>")
@trainer_required
def change(certificate_id: int, action: str):
    certificate = _certificate(certificate_id)
    form = (ReissueForm if action == "reissue" else ReasonForm)(prefix=action)
    if form.validate_on_submit():
        try:
            target = _apply(certificate, action, form)
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_success_message(action, target), "success")
            return redirect(url_for(".detail", certificate_id=target.id))
    certificate = db.session.get(Certificate, certificate_id)
    return _detail(certificate, forms={action: form}, status=400)


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
    if action == "suspend":
        lifecycle.suspend(certificate, reason, current_user)
    elif action == "reinstate":
        lifecycle.reinstate(certificate, reason, current_user)
    elif action == "revoke":
        lifecycle.revoke(certificate, reason, current_user)
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


# --- qualifications -----------------------------------------------------------------------


@bp.get("/qualifications")
@trainer_required
def qualifications():
    counts = dict(
        db.session.execute(
            select(Certificate.qualification_id, func.count(Certificate.id))
            .where(Certificate.live == 1)
            .group_by(Certificate.qualification_id)
        ).all()
    )
    return render_template(
        "certificates/manage/qualifications.html",
        qualifications=all_qualifications(),
        counts=counts,
        locale=_locale(),
    )


FIELD_OF_ERROR = {"titles": "title_en", "disclaimers": "disclaimer_en"}


def _qualification_form(qualification: Qualification | None) -> QualificationForm:
    courses = list(db.session.scalars(select(Course).order_by(Course.title)))
    criteria = list(db.session.scalars(select(Criterion).order_by(Criterion.code)))
    if request.method == "POST":
        return QualificationForm(courses=courses, criteria=criteria)
    form = QualificationForm(courses=courses, criteria=criteria, obj=qualification)
    if qualification is None:
        form.requires_identity.data = True
        form.active.data = True
        return form
    for language in ("en", "ru", "kk"):
        form[f"title_{language}"].data = qualification.titles.get(language, "")
        form[f"disclaimer_{language}"].data = qualification.disclaimers.get(language, "")
    form.courses.data = [course.id for course in qualification.courses]
    form.criteria.data = [criterion.code for criterion in qualification.criteria]
    form.min_hours.data = "" if qualification.min_hours is None else str(qualification.min_hours)
    return form


def _edit_qualification(qualification: Qualification | None):
    form = _qualification_form(qualification)
    if form.validate_on_submit():
        data = QualificationData(
            slug=form.slug.data,
            kind=form.kind.data,
            titles={lang: form[f"title_{lang}"].data or "" for lang in ("en", "ru", "kk")},
            disclaimers={
                lang: form[f"disclaimer_{lang}"].data or "" for lang in ("en", "ru", "kk")
            },
            course_ids=list(form.courses.data or []),
            criterion_codes=list(form.criteria.data or []),
            compensable_average=form.compensable_average.data,
            min_hours=form.min_hours.data or None,
            required_session_topics=form.required_session_topics.data or "",
            declaration_text=form.declaration_text.data or "",
            declaration_valid_days=form.declaration_valid_days.data,
            requires_identity=form.requires_identity.data,
            min_age=form.min_age.data,
            requires_higher_education=form.requires_higher_education.data,
            validity_months=form.validity_months.data,
            self_claim=form.self_claim.data,
            active=form.active.data,
        )
        try:
            saved = save_qualification(data, qualification)
        except ServiceError as error:
            db.session.rollback()
            show_error(
                form, ServiceError(error.message, FIELD_OF_ERROR.get(error.field, error.field))
            )
        else:
            flash(_("Qualification saved."), "success")
            return redirect(url_for(".edit_qualification", qualification_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "certificates/manage/qualification_form.html", form=form, qualification=qualification
    ), status


@bp.route("/qualifications/new", methods=["GET", "POST"])
@admin_required
def new_qualification():
    return _edit_qualification(None)


@bp.route("/qualifications/<id:qualification_id>", methods=["GET", "POST"])
@admin_required
def edit_qualification(qualification_id: int):
    qualification = db.session.get(Qualification, qualification_id)
    if qualification is None:
        abort(404)
    return _edit_qualification(qualification)
