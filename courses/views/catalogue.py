"""Trainee-facing pages: catalogue, course page, module reading, enrolment, progress, files."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from courses import files, learning, next_steps, translations
from courses.authoring import SLUG_PATTERN
from courses.forms import CatalogueSearchForm
from courses.models import Course, CourseStatus, Module
from courses.permissions import can_edit
from lms import content_translations, file_storage
from lms.i18n import LANGUAGE_NAMES
from lms.pagination import paginate_counted
from lms.public_pages import for_visitors

bp = Blueprint("courses", __name__, url_prefix="/courses", template_folder="../templates")


def _course_or_404(slug: str) -> Course:
    course = learning.viewable_course(slug, current_user)
    if course is None:
        abort(404)
    return course


def _module_or_404(course: Course, module_slug: str) -> Module:
    for module in course.modules:
        if module.slug == module_slug:
            return module
    abort(404)


def _may_read(course: Course, enrolled: bool | None = None) -> bool:
    """Whether the current user may read the course's modules (``enrolled``: when known)."""
    if enrolled is None:
        enrolled = learning.is_enrolled(current_user, course)
    return enrolled or can_edit(current_user, course)


@bp.get("/")
@for_visitors
def catalogue():
    form = CatalogueSearchForm(request.args)
    search, language = "", ""
    if form.validate():
        search, language = form.q.data or "", form.language.data or ""
    pagination = paginate_counted(learning.catalogue_query(search, language), per_page=12)
    courses = pagination.items
    content_translations.preload(courses)
    return render_template(
        "courses/catalogue.html",
        form=form,
        pagination=pagination,
        cards=_cards(
            courses,
            learning.module_counts([course.id for course in courses]),
            translations.available_languages(courses),
        ),
        searching=bool(search or language),
    )


@dataclass(frozen=True)
class _Card:
    """What the catalogue shows of one course, worked out before rendering: the template
    only places it (per-card translation lookups, plural forms and addresses made there cost
    more than the rest of the page)."""

    url: str
    title: str
    title_lang: str | None  # the language of the title when it is not the page's
    summary: str
    summary_lang: str | None
    languages: list[tuple[str, str]]  # (code, name), the original's first
    modules: str  # "10 modules"
    minutes: str  # "95 min"


def _cards(courses: list[Course], counts: dict, available: dict) -> list[_Card]:
    locale = content_translations.current_locale()
    names = LANGUAGE_NAMES
    module_labels: dict[int, str] = {}  # a plural form per number met, not per card
    minute_labels: dict[int, str] = {}
    # Slugs are [a-z0-9-] (courses.authoring): one address is built, the others follow it.
    before, after = url_for("courses.course_page", slug="0slug0").rsplit("0slug0", 1)
    cards = []
    for course in courses:
        shown = {}
        for field in ("title", "summary"):
            if course.language == locale:
                shown[field] = (getattr(course, field), None)
            else:
                language = content_translations.shown_language(course, field, locale)
                shown[field] = (
                    content_translations.text(course, field, locale),
                    None if language == locale else language,
                )
        count, total = counts.get(course.id, (0, 0))
        if count not in module_labels:
            module_labels[count] = ngettext("%(num)d module", "%(num)d modules", count)
        if total not in minute_labels:
            minute_labels[total] = ngettext("%(num)d min", "%(num)d min", total)
        cards.append(
            _Card(
                url=f"{before}{course.slug}{after}"
                if SLUG_PATTERN.match(course.slug)
                else url_for("courses.course_page", slug=course.slug),
                title=shown["title"][0],
                title_lang=shown["title"][1],
                summary=shown["summary"][0],
                summary_lang=shown["summary"][1],
                languages=[
                    (code, names.get(code, code))
                    for code in available.get(course.id, [course.language])
                ],
                modules=module_labels[count],
                minutes=minute_labels[total],
            )
        )
    return cards


@bp.get("/<slug>")
def course_page(slug: str):
    course = _course_or_404(slug)
    translations.preload_course(course)
    enrolled = learning.is_enrolled(current_user, course)
    progress = learning.course_progress(current_user, course)
    materials = files.files_of(course, "material") if _may_read(course, enrolled) else []
    return render_template(
        "courses/course.html",
        course=course,
        enrolled=enrolled,
        progress=progress,
        step=next_steps.next_step(current_user, course, progress) if enrolled else None,
        materials=materials,
        editable=can_edit(current_user, course),
        available=translations.available_languages([course])[course.id],
        total_minutes=sum(module.minutes for module in course.modules),
    )


@bp.post("/<slug>/enrol")
@login_required
def enrol(slug: str):
    course = _course_or_404(slug)
    learning.enrol(current_user, course)
    title = content_translations.text(course, "title")
    flash(_("You are enrolled in “%(title)s”.", title=title), "success")
    target = request.form.get("module")
    if target and any(module.slug == target for module in course.modules):
        return redirect(url_for("courses.module_page", slug=slug, module_slug=target))
    return redirect(url_for("courses.course_page", slug=slug))


@bp.get("/<slug>/<module_slug>")
def module_page(slug: str, module_slug: str):
    course = _course_or_404(slug)
    module = _module_or_404(course, module_slug)
    enrolled = learning.open_module(module, current_user)
    translations.preload_course(course)
    modules = list(course.modules)
    index = modules.index(module)
    progress = learning.course_progress(current_user, course)
    readable = _may_read(course, enrolled)
    # Once every module is read, the module pages show what comes after them (the quiz...).
    step = next_steps.next_step(current_user, course, progress) if enrolled else None
    return render_template(
        "courses/module.html",
        course=course,
        module=module,
        readable=readable,
        previous=modules[index - 1] if index > 0 else None,
        next=modules[index + 1] if index + 1 < len(modules) else None,
        progress=progress,
        read_version=progress.completed.get(module.id),
        toc=_toc(module),
        enrolled=enrolled,
        step=step if step is not None and step.kind != "module" else None,
    )


def _toc(module: Module) -> list:
    """The table of contents of the text shown: the translation's, else the original's."""
    translated = content_translations.toc(module, "source")
    return module.toc if translated is None else translated


@bp.post("/<slug>/<module_slug>/complete")
@login_required
def complete(slug: str, module_slug: str):
    course = _course_or_404(slug)
    module = _module_or_404(course, module_slug)
    if not learning.is_enrolled(current_user, course):
        abort(403)
    if request.form.get("undo"):
        learning.uncomplete_module(current_user, module)
        return redirect(url_for("courses.module_page", slug=slug, module_slug=module_slug))
    learning.complete_module(current_user, module)
    progress = learning.course_progress(current_user, course)
    if progress.finished:
        step = next_steps.next_step(current_user, course, progress)
        if step is not None:
            flash(
                _("You have read every module of this course. Next: %(step)s", step=step.label),
                "success",
            )
        else:
            flash(_("You have read every module of this course."), "success")
        return redirect(url_for("courses.course_page", slug=slug))
    upcoming = progress.next_module
    flash(_("Marked as read."), "success")
    target = upcoming.slug if upcoming else module_slug
    return redirect(url_for("courses.module_page", slug=slug, module_slug=target))


def _send_file(course: Course, kind: str, filename: str):
    record = files.find_file(course, kind, filename)
    if record is None:
        abort(404)
    return file_storage.send_stored(
        record.stored_name,
        content_type=record.content_type,
        download_name=record.filename,
        as_attachment=kind == "material",  # documents download; images show inline
        # Anyone may see a published course's images; materials (enrolled trainees only) and
        # images of draft or archived courses are private to who may open them now.
        public=kind == "image" and course.status == CourseStatus.PUBLISHED,
    )


@bp.get("/<slug>/images/<filename>")
def image(slug: str, filename: str):
    return _send_file(_course_or_404(slug), "image", filename)


@bp.get("/<slug>/materials/<filename>")
@login_required
def material(slug: str, filename: str):
    course = _course_or_404(slug)
    if not _may_read(course):
        abort(403)
    return _send_file(course, "material", filename)
