"""Admin pages for the qualifications: the list (trainers may read it), new, edit; the
certificate's design (template) with its SAMPLE preview, for admins and the trainers who own
one of the qualification's courses."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from certificates import rendering
from certificates.facts import TEMPLATES
from certificates.forms import CertificateDesignForm, QualificationForm
from certificates.models import Certificate, Qualification
from certificates.qualifications import QualificationData, all_qualifications, save_qualification
from certificates.views.blueprint import bp, page_locale
from certificates.views.files import pdf_response
from courses.models import Course
from courses.permissions import owned_course_ids
from lms import content_translations as ct
from lms import translation_editor
from lms.extensions import db
from lms.formatting import plain_decimal
from lms.forms import show_error
from lms.permissions import admin_required, trainer_required
from lms.routing import get_or_404
from lms.service_error import ServiceError
from quizzes.models import Criterion


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
    qualifications = all_qualifications()
    owned = set(owned_course_ids(current_user))
    designable = {
        q.id
        for q in qualifications
        if current_user.is_admin or any(course.id in owned for course in q.courses)
    }
    return render_template(
        "certificates/manage/qualifications.html",
        qualifications=qualifications,
        counts=counts,
        locale=page_locale(),
        designable=designable,
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
    for name in ("min_hours", "ce_hours", "ce_ethics_hours"):
        hours = getattr(qualification, name)
        form[name].data = "" if hours is None else plain_decimal(hours)
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
            ce_hours=form.ce_hours.data or None,
            ce_ethics_hours=form.ce_ethics_hours.data or None,
            self_claim=form.self_claim.data,
            active=form.active.data,
        )
        try:
            saved = save_qualification(data, qualification)
        except ServiceError as error:
            show_error(
                form, ServiceError(error.message, FIELD_OF_ERROR.get(error.field, error.field))
            )
        else:
            flash(_("Qualification saved."), "success")
            return redirect(url_for(".edit_qualification", qualification_id=saved.id))
    status = 400 if request.method == "POST" else 200
    coverage = None
    if qualification is not None and qualification.declaration_text:
        coverage = ct.coverage([qualification])
    return render_template(
        "certificates/manage/qualification_form.html",
        form=form,
        qualification=qualification,
        declaration_coverage=coverage,
    ), status


@bp.route("/qualifications/new", methods=["GET", "POST"])
@admin_required
def new_qualification():
    return _edit_qualification(None)


@bp.route("/qualifications/<id:qualification_id>", methods=["GET", "POST"])
@admin_required
def edit_qualification(qualification_id: int):
    return _edit_qualification(get_or_404(Qualification, qualification_id))


# --- the certificate's design ----------------------------------------------------------------


def _may_design(qualification: Qualification) -> None:
    """Administrators, and trainers who own one of the qualification's courses."""
    if current_user.is_admin:
        return
    owned = set(owned_course_ids(current_user))
    if not any(course.id in owned for course in qualification.courses):
        abort(403)


def _design_choice(form: CertificateDesignForm, qualification: Qualification) -> tuple[str, str]:
    template = request.args.get("template") or qualification.certificate_template
    language = request.args.get("language") or page_locale()
    if template not in TEMPLATES:
        template = qualification.certificate_template
    if language not in current_app.config["LANGUAGES"]:
        language = page_locale()
    return template, language


@bp.route("/qualifications/<id:qualification_id>/design", methods=["GET", "POST"])
@trainer_required
def qualification_design(qualification_id: int):
    """Choose the template of the qualification's certificates, with a live SAMPLE preview."""
    qualification = get_or_404(Qualification, qualification_id)
    _may_design(qualification)
    form = CertificateDesignForm()
    if form.validate_on_submit():
        qualification.certificate_template = form.template.data
        db.session.commit()
        flash(_("The certificate template was saved. Certificates issued from now on use it."),
              "success")  # fmt: skip
        return redirect(
            url_for(
                ".qualification_design",
                qualification_id=qualification.id,
                language=form.language.data or None,
            )
        )
    status = 400 if request.method == "POST" else 200
    if request.method == "GET":
        form.template.data, form.language.data = _design_choice(form, qualification)
    return render_template(
        "certificates/manage/design.html",
        form=form,
        qualification=qualification,
        locale=page_locale(),
    ), status


@bp.get("/qualifications/<id:qualification_id>/design/preview.<any(png, pdf):kind>")
@trainer_required
def qualification_design_preview(qualification_id: int, kind: str):
    """A SAMPLE certificate of the qualification in the chosen template and language, as an
    image for the page (``png``) or the PDF itself: nothing is signed or stored."""
    qualification = get_or_404(Qualification, qualification_id)
    _may_design(qualification)
    template, language = _design_choice(CertificateDesignForm(formdata=None), qualification)
    data = rendering.design_preview_pdf(qualification, template, language)
    if kind == "pdf":
        return pdf_response(data, f"sample-{template}-{language}.pdf", inline=True)
    response = current_app.response_class(page_png(data), mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def page_png(data: bytes, width: int = 1200) -> bytes:
    """The first page of a PDF as a PNG ``width`` pixels wide (pypdfium2)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        image = page.render(scale=width / page.get_width()).to_pil()
        output = io.BytesIO()
        image.save(output, format="PNG", optimize=True)
        return output.getvalue()
    finally:
        document.close()


@bp.route("/qualifications/<id:qualification_id>/translations", methods=["GET", "POST"])
@admin_required
def declaration_translations(qualification_id: int):
    """The declaration side by side with its translations (whoever edits the declaration:
    administrators). A signature keeps the text it was made on, so editing a translation
    asks those who signed it to sign again, as editing the original does."""
    qualification = get_or_404(Qualification, qualification_id)
    offered = translation_editor.offered_locales([qualification])
    items = [("qualification", _l("Ethics declaration"), qualification)]
    posted, errors, status = None, {}, 200
    if request.method == "POST":
        language = request.form.get("language", "")
        if language not in offered or not qualification.declaration_text:
            abort(400)
        _changed, errors = translation_editor.save_items(
            items, language, request.form, user=current_user
        )
        if not errors:
            flash(_("Translations saved."), "success")
            return redirect(
                url_for(
                    ".declaration_translations",
                    qualification_id=qualification.id,
                    language=language,
                )
            )
        posted, status = request.form, 400
    else:
        language = request.args.get("language") or (offered[0] if offered else "")
        if language not in offered:
            abort(404)
    return render_template(
        "certificates/manage/declaration_translations.html",
        qualification=qualification,
        locale=page_locale(),
        language=language,
        coverage=ct.coverage([qualification]),
        groups=translation_editor.groups(items, language, posted, errors),
        errors=errors,
    ), status
