"""Trainer pages for a course's translations (issue 19): an overview per language and the
side-by-side editor of the course's and each module's translation (original left, read-only;
translation right). Only for those who may edit the course (``owned_course``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from courses import authoring, translations
from courses.forms import translation_form
from courses.models import Course
from courses.views.blueprint import bp, owned_course, owned_module
from lms import content_translations
from lms.extensions import db
from lms.forms import show_error
from lms.i18n import LANGUAGE_NAMES
from lms.permissions import trainer_required
from lms.service_error import ServiceError


@bp.get("/courses/<slug>/translations")
@trainer_required
def translations_overview(slug: str):
    course = owned_course(slug)
    total, rows = translations.overview(course)
    return render_template(
        "courses/manage/translations.html",
        course=course,
        languages=translations.other_languages(course),
        total=total,
        rows=rows,
    )


def _language_or_404(course: Course, lang: str) -> str:
    if lang not in translations.other_languages(course):
        abort(404)
    return lang


def _editor(course: Course, obj, lang: str, back_url: str):
    """GET shows the two sides; POST saves (blank removes) and comes back, or says why not
    with 400 like the other editors."""
    kind = content_translations.kind_of(obj)
    states = content_translations.states(obj, lang)
    if request.method == "GET":
        form = translation_form(kind.fields, {s.field.name: s.translation or "" for s in states})
    else:
        form = translation_form(kind.fields)
        if form.validate_on_submit():
            values = {f.name: form[f.name].data or "" for f in kind.fields}
            try:
                changed = content_translations.save(obj, lang, values, user=current_user)
                db.session.commit()
            except ServiceError as error:
                show_error(form, error)
            else:
                language = LANGUAGE_NAMES.get(lang, lang)
                if changed:
                    flash(_("Translation into %(language)s saved.", language=language), "success")
                else:
                    flash(_("Nothing changed."), "info")
                return redirect(request.path)
    previews = {
        s.field.name: {
            "original": authoring.render_for_page(course, s.original).html,
            "translation": authoring.render_for_page(course, s.translation, lang).html
            if s.translation
            else None,
        }
        for s in states
        if s.field.markdown
    }
    status = 400 if request.method == "POST" else 200
    return render_template(
        "courses/manage/translation_edit.html",
        course=course,
        obj=obj,
        kind=kind,
        lang=lang,
        states=states,
        form=form,
        previews=previews,
        back_url=back_url,
        language=LANGUAGE_NAMES.get(lang, lang),
        what=obj.title,
    ), status


@bp.route("/courses/<slug>/translations/<lang>", methods=["GET", "POST"])
@trainer_required
def translate_course(slug: str, lang: str):
    course = owned_course(slug)
    lang = _language_or_404(course, lang)
    return _editor(course, course, lang, url_for("manage.translations_overview", slug=slug))


@bp.route("/courses/<slug>/translations/<lang>/modules/<id:module_id>", methods=["GET", "POST"])
@trainer_required
def translate_module(slug: str, lang: str, module_id: int):
    course = owned_course(slug)
    lang = _language_or_404(course, lang)
    module = owned_module(course, module_id)
    return _editor(course, module, lang, url_for("manage.translations_overview", slug=slug))
