"""Admin pages for the qualifications: the list (trainers may read it), new, edit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from certificates.forms import QualificationForm
from certificates.models import Certificate, Qualification
from certificates.qualifications import QualificationData, all_qualifications, save_qualification
from certificates.views.blueprint import bp, page_locale
from courses.models import Course
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
    return render_template(
        "certificates/manage/qualifications.html",
        qualifications=all_qualifications(),
        counts=counts,
        locale=page_locale(),
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
    hours = qualification.min_hours
    form.min_hours.data = "" if hours is None else plain_decimal(hours)
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
