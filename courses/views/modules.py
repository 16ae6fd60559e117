"""Trainer pages for a course's modules: the editor, preview, order, history, diff, restore."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from courses import authoring, files, module_criteria
from courses.forms import ModuleForm
from courses.models import Course, Module, ModuleState
from courses.views.blueprint import bp, owned_course, owned_module
from lms import text_limits
from lms.background_requests import leaves_session_alone
from lms.forms import show_error
from lms.markdown_rendering import render_markdown
from lms.permissions import trainer_required
from lms.service_error import ServiceError, refused


def _module_editor(
    course: Course,
    form: ModuleForm,
    module: Module | None,
    status: int = 200,
    preview_html: str | None = None,
):
    if preview_html is None and module is not None:
        preview_html = authoring.render_for_page(course, authoring.draft_text(module)[1]).html
    return render_template(
        "courses/manage/module_edit.html",
        course=course,
        module=module,
        form=form,
        preview_html=preview_html,
        images=files.files_of(course, "image"),
    ), status


def _minutes(form: ModuleForm) -> int | None:
    return form.minutes.data if form.minutes.data else None


def _offer_criteria(form: ModuleForm, module: Module | None) -> set[str]:
    """The criteria the editor offers: the site's, and any code the module already has
    (from an imported file) that no criterion has here, so saving does not drop it."""
    known = module_criteria.known_criteria()
    choices = [(code, f"{code} · {title}") for code, title in known.items()]
    for code in module_criteria.codes_of(module) if module is not None else []:
        if code not in known:
            choices.append((code, _("%(code)s (no such criterion on this site)", code=code)))
    form.criteria.choices = choices
    return {code for code, _label in choices}


def _posted_codes(form: ModuleForm, offered: set[str]) -> list[str]:
    return module_criteria.clean_codes(form.criteria.data or [], allowed=offered)


@bp.route("/courses/<slug>/modules/new", methods=["GET", "POST"])
@trainer_required
def new_module(slug: str):
    course = owned_course(slug)
    form = ModuleForm()
    offered = _offer_criteria(form, None)
    if form.validate_on_submit():
        if form.preview.data:
            preview = authoring.render_for_page(course, form.source.data)
            return _module_editor(course, form, None, preview_html=preview.html)
        try:
            codes = _posted_codes(form, offered)
            module = authoring.create_module(
                course,
                current_user,
                title=form.title.data,
                slug=form.slug.data or "",
                source=form.source.data or "",
                minutes=_minutes(form),
                commit=False,
            )
            module_criteria.set_codes(module, codes)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Module “%(title)s” saved.", title=module.title), "success")
            return redirect(url_for("manage.edit_course", slug=course.slug))
    status = 400 if request.method == "POST" else 200
    return _module_editor(course, form, None, status)


@bp.route("/courses/<slug>/modules/<id:module_id>", methods=["GET", "POST"])
@trainer_required
def edit_module(slug: str, module_id: int):
    course = owned_course(slug)
    module = owned_module(course, module_id)
    if request.method == "GET":
        title, source = authoring.draft_text(module)
        codes = module_criteria.codes_of(module)
        form = ModuleForm(obj=module, title=title, source=source, criteria=codes)
    else:
        form = ModuleForm()
    offered = _offer_criteria(form, module)
    if form.validate_on_submit():
        if form.preview.data:
            preview = authoring.render_for_page(course, form.source.data)
            return _module_editor(course, form, module, preview_html=preview.html)
        try:
            codes = _posted_codes(form, offered)
            changed = authoring.update_module(
                module,
                current_user,
                title=form.title.data,
                slug=form.slug.data or module.slug,
                source=form.source.data or "",
                minutes=_minutes(form),
                note=form.note.data or "",
                commit=False,
            )
            linked = module_criteria.set_codes(module, codes)
        except ServiceError as error:
            show_error(form, error)
            module = owned_module(course, module_id)
        else:
            if changed and module.pending_version is not None:
                flash(
                    _(
                        "Saved in the draft of the next edition: trainees see it once you "
                        "publish it."
                    ),
                    "success",
                )
            elif changed and course.is_published and module.state != ModuleState.ADDED:
                flash(
                    _("Saved: the draft of this module matches the published text again."), "info"
                )
            elif changed:
                flash(_("Saved as version %(version)d.", version=module.version), "success")
            elif linked:
                flash(
                    _("Saved: the criteria this module teaches changed; the text did not."),
                    "success",
                )
            else:
                flash(_("Saved. The text did not change, so no new version was made."), "info")
            return redirect(url_for("manage.edit_module", slug=course.slug, module_id=module.id))
    status = 400 if request.method == "POST" else 200
    return _module_editor(course, form, module, status)


@bp.post("/preview")
@trainer_required
@leaves_session_alone
def preview():
    """Live preview for the editor's script: the same renderer as saving. With ``?course=``
    (the module editor), relative images and links point into that course's folder."""
    source = request.form.get("source", "")
    if len(source) > text_limits.MODULE_SOURCE:
        message = _(
            "The text is too long to preview: %(length)d characters; at most %(n)d.",
            length=len(source),
            n=text_limits.MODULE_SOURCE,
        )
        return jsonify(error={"code": 413, "message": message}), 413
    slug = request.args.get("course")
    if slug:
        return jsonify(html=authoring.render_for_page(owned_course(slug), source).html)
    return jsonify(html=render_markdown(source).html)


@bp.post("/courses/<slug>/modules/<id:module_id>/move")
@trainer_required
def move_module(slug: str, module_id: int):
    course = owned_course(slug)
    module = owned_module(course, module_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    authoring.move_module(module, offset)
    return redirect(url_for("manage.edit_course", slug=course.slug) + "#modules")


@bp.post("/courses/<slug>/modules/<id:module_id>/delete")
@trainer_required
def delete_module(slug: str, module_id: int):
    course = owned_course(slug)
    module = owned_module(course, module_id)
    title = module.title
    only_marked = course.is_published and module.state != ModuleState.ADDED
    authoring.delete_module(module)
    if only_marked:
        flash(_("Module “%(title)s” will be removed in the next edition.", title=title), "success")
    else:
        flash(_("Module “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("manage.edit_course", slug=course.slug) + "#modules")


@bp.get("/courses/<slug>/modules/<id:module_id>/history")
@trainer_required
def history(slug: str, module_id: int):
    course = owned_course(slug)
    module = owned_module(course, module_id)
    return render_template("courses/manage/history.html", course=course, module=module)


@bp.get("/courses/<slug>/modules/<id:module_id>/diff")
@trainer_required
def diff(slug: str, module_id: int):
    course = owned_course(slug)
    module = owned_module(course, module_id)
    older = authoring.revision(module, request.args.get("from", 0, type=int))
    newer = authoring.revision(module, request.args.get("to", module.version, type=int))
    if older is None or newer is None:
        abort(404)
    return render_template(
        "courses/manage/diff.html",
        course=course,
        module=module,
        older=older,
        newer=newer,
        lines=authoring.diff_revisions(older, newer),
    )


@bp.post("/courses/<slug>/modules/<id:module_id>/revisions/<id:version>/restore")
@trainer_required
def restore(slug: str, module_id: int, version: int):
    course = owned_course(slug)
    module = owned_module(course, module_id)
    try:
        authoring.restore_revision(module, version, current_user)
    except ServiceError as error:
        flash(refused(error), "warning")
    else:
        flash(
            _(
                "Version %(old)d restored as version %(new)d.",
                old=version,
                new=authoring.draft_version(module),
            ),
            "success",
        )
    return redirect(url_for("manage.history", slug=course.slug, module_id=module.id))


# --- files -------------------------------------------------------------------------------
