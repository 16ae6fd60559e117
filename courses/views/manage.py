"""Trainer pages: courses, modules with preview and history, ordering, status, files, owners."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from courses import authoring, content_io, files, permissions
from courses.forms import CourseForm, ImportForm, ModuleForm, OwnerForm, UploadForm
from courses.models import Course, CourseFile, CourseStatus, Module
from courses.permissions import require_course_owner
from lms import text_limits
from lms.background_requests import leaves_session_alone
from lms.extensions import db
from lms.forms import show_error
from lms.markdown_rendering import render_markdown
from lms.permissions import trainer_required
from lms.service_error import ServiceError, refused

bp = Blueprint("manage", __name__, url_prefix="/manage", template_folder="../templates")


def _owned_course(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        abort(404)
    require_course_owner(course)
    return course


def _owned_module(course: Course, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or module.course_id != course.id:
        abort(404)
    return module


@bp.get("/courses")
@trainer_required
def courses():
    return render_template(
        "courses/manage/courses.html", courses=permissions.courses_owned_by(current_user)
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@trainer_required
def new_course():
    form = CourseForm()
    if request.method == "GET":
        form.language.data = "en"
    if form.validate_on_submit():
        try:
            course = authoring.create_course(
                current_user,
                title=form.title.data,
                slug=form.slug.data or "",
                summary=form.summary.data or "",
                language=form.language.data,
                cover_source=form.cover_source.data or "",
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Course created. Now add its first module."), "success")
            return redirect(url_for("manage.new_module", slug=course.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("courses/manage/course_new.html", form=form), status


def _course_page(
    course: Course,
    *,
    form: CourseForm | None = None,
    owner_form: OwnerForm | None = None,
    status: int = 200,
):
    form = form or CourseForm(obj=course)
    return render_template(
        "courses/manage/course.html",
        course=course,
        form=form,
        owner_form=owner_form or OwnerForm(),
        statuses=CourseStatus,
    ), status


@bp.route("/courses/<slug>", methods=["GET", "POST"])
@trainer_required
def edit_course(slug: str):
    course = _owned_course(slug)
    if request.method == "GET":
        return _course_page(course)
    form = CourseForm()
    if form.validate_on_submit():
        try:
            authoring.update_course(
                course,
                title=form.title.data,
                slug=form.slug.data or course.slug,
                summary=form.summary.data or "",
                language=form.language.data,
                cover_source=form.cover_source.data or "",
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Course saved."), "success")
            return redirect(url_for("manage.edit_course", slug=course.slug))
    return _course_page(db.session.get(Course, course.id), form=form, status=400)


@bp.post("/courses/<slug>/status")
@trainer_required
def set_status(slug: str):
    course = _owned_course(slug)
    try:
        status = CourseStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    try:
        authoring.set_status(course, status)
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        messages = {
            CourseStatus.PUBLISHED: _(
                "The course is published: trainees can find and enrol in it."
            ),
            CourseStatus.DRAFT: _("The course is back to draft: trainees no longer see it."),
            CourseStatus.ARCHIVED: _("The course is archived: trainees no longer see it."),
        }
        flash(messages[status], "success")
    return redirect(url_for("manage.edit_course", slug=course.slug))


@bp.post("/courses/<slug>/owners")
@trainer_required
def add_owner(slug: str):
    course = _owned_course(slug)
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            user = authoring.add_owner(course, form.email.data)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("%(name)s can now edit this course.", name=user.display_name), "success")
            return redirect(url_for("manage.edit_course", slug=course.slug))
    return _course_page(course, owner_form=form, status=400)


@bp.post("/courses/<slug>/owners/<id:user_id>/remove")
@trainer_required
def remove_owner(slug: str, user_id: int):
    course = _owned_course(slug)
    try:
        authoring.remove_owner(course, user_id)
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        flash(_("The trainer no longer edits this course."), "success")
    if not permissions.can_edit(current_user, course):
        return redirect(url_for("manage.courses"))
    return redirect(url_for("manage.edit_course", slug=course.slug))


# --- modules -----------------------------------------------------------------------------


def _module_editor(
    course: Course,
    form: ModuleForm,
    module: Module | None,
    status: int = 200,
    preview_html: str | None = None,
):
    if preview_html is None and module is not None:
        preview_html = authoring.render_for_page(course, module.source).html
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


@bp.route("/courses/<slug>/modules/new", methods=["GET", "POST"])
@trainer_required
def new_module(slug: str):
    course = _owned_course(slug)
    form = ModuleForm()
    if form.validate_on_submit():
        if form.preview.data:
            preview = authoring.render_for_page(course, form.source.data)
            return _module_editor(course, form, None, preview_html=preview.html)
        try:
            module = authoring.create_module(
                course,
                current_user,
                title=form.title.data,
                slug=form.slug.data or "",
                source=form.source.data or "",
                minutes=_minutes(form),
            )
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
    course = _owned_course(slug)
    module = _owned_module(course, module_id)
    form = ModuleForm(obj=module) if request.method == "GET" else ModuleForm()
    if form.validate_on_submit():
        if form.preview.data:
            preview = authoring.render_for_page(course, form.source.data)
            return _module_editor(course, form, module, preview_html=preview.html)
        try:
            changed = authoring.update_module(
                module,
                current_user,
                title=form.title.data,
                slug=form.slug.data or module.slug,
                source=form.source.data or "",
                minutes=_minutes(form),
                note=form.note.data or "",
            )
        except ServiceError as error:
            show_error(form, error)
            module = _owned_module(course, module_id)
        else:
            if changed:
                flash(_("Saved as version %(version)d.", version=module.version), "success")
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
        return jsonify(html=authoring.render_for_page(_owned_course(slug), source).html)
    return jsonify(html=render_markdown(source).html)


@bp.post("/courses/<slug>/modules/<id:module_id>/move")
@trainer_required
def move_module(slug: str, module_id: int):
    course = _owned_course(slug)
    module = _owned_module(course, module_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    authoring.move_module(module, offset)
    return redirect(url_for("manage.edit_course", slug=course.slug) + "#modules")


@bp.post("/courses/<slug>/modules/<id:module_id>/delete")
@trainer_required
def delete_module(slug: str, module_id: int):
    course = _owned_course(slug)
    module = _owned_module(course, module_id)
    title = module.title
    authoring.delete_module(module)
    flash(_("Module “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("manage.edit_course", slug=course.slug) + "#modules")


@bp.get("/courses/<slug>/modules/<id:module_id>/history")
@trainer_required
def history(slug: str, module_id: int):
    course = _owned_course(slug)
    module = _owned_module(course, module_id)
    return render_template("courses/manage/history.html", course=course, module=module)


@bp.get("/courses/<slug>/modules/<id:module_id>/diff")
@trainer_required
def diff(slug: str, module_id: int):
    course = _owned_course(slug)
    module = _owned_module(course, module_id)
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
    course = _owned_course(slug)
    module = _owned_module(course, module_id)
    try:
        authoring.restore_revision(module, version, current_user)
    except ServiceError as error:
        flash(refused(error), "warning")
    else:
        flash(
            _("Version %(old)d restored as version %(new)d.", old=version, new=module.version),
            "success",
        )
    return redirect(url_for("manage.history", slug=course.slug, module_id=module.id))


# --- files -------------------------------------------------------------------------------


def _files_page(course: Course, *, image_form=None, material_form=None, status: int = 200):
    return render_template(
        "courses/manage/files.html",
        course=course,
        image_form=image_form or UploadForm(prefix="image"),
        material_form=material_form or UploadForm(prefix="material"),
        images=files.files_of(course, "image"),
        materials=files.files_of(course, "material"),
    ), status


@bp.get("/courses/<slug>/files")
@trainer_required
def course_files(slug: str):
    return _files_page(_owned_course(slug))


@bp.post("/courses/<slug>/files/<kind>")
@trainer_required
def upload(slug: str, kind: str):
    course = _owned_course(slug)
    if kind not in ("image", "material"):
        abort(404)
    form = UploadForm(prefix=kind)
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            record = files.add_file(
                course,
                kind=kind,
                data=upload_file.read(),
                original_name=upload_file.filename or "",
                uploaded_by=current_user,
                title=form.title.data or "",
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("“%(name)s” uploaded.", name=record.filename), "success")
            return redirect(url_for("manage.course_files", slug=course.slug))
    forms = {"image_form": form} if kind == "image" else {"material_form": form}
    return _files_page(course, status=400, **forms)


@bp.post("/courses/<slug>/files/<id:file_id>/delete")
@trainer_required
def delete_file(slug: str, file_id: int):
    course = _owned_course(slug)
    record = db.session.get(CourseFile, file_id)
    if record is None or record.course_id != course.id:
        abort(404)
    files.delete_file(record)
    flash(_("“%(name)s” deleted.", name=record.filename), "success")
    return redirect(url_for("manage.course_files", slug=course.slug))


# --- import and export -------------------------------------------------------------------


@bp.route("/courses/import", methods=["GET", "POST"])
@trainer_required
def import_course():
    form = ImportForm()
    problems: list = []
    if form.validate_on_submit():
        data = form.file.data.read()
        limit = current_app.config["COURSE_IMPORT_MAX_MB"]
        try:
            if len(data) > limit * 1024 * 1024:
                raise content_io.ImportFailed(
                    [content_io.Problem("(archive)", None, f"larger than {limit} MB")]
                )
            too_large = content_io.check_import_size(
                data,
                max_modules=current_app.config["COURSE_IMPORT_MAX_MODULES"],
                max_text_kb=current_app.config["COURSE_IMPORT_MAX_TEXT_KB"],
            )
            if too_large is not None:
                flash(_too_large_message(too_large), "danger")
                page = render_template("courses/manage/import.html", form=form, problems=[])
                return page, 413
            bundle = content_io.parse_bundle(content_io.read_zip(data))
            result = content_io.import_bundle(
                bundle, owner=current_user, update=form.update.data == "yes"
            )
        except content_io.ImportFailed as failure:
            problems = failure.problems
        else:
            if result.created:
                flash(_("Course “%(title)s” imported.", title=result.course.title), "success")
            else:
                flash(
                    _(
                        "Course “%(title)s” updated: %(n)d modules have a new version.",
                        title=result.course.title,
                        n=result.new_versions,
                    ),
                    "success",
                )
            if result.kept_modules:
                flash(
                    _(
                        "Modules not in the archive were kept: %(titles)s",
                        titles=", ".join(result.kept_modules),
                    ),
                    "info",
                )
            return redirect(url_for("manage.edit_course", slug=result.course.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("courses/manage/import.html", form=form, problems=problems), status


def _too_large_message(size: content_io.ImportTooLarge) -> str:
    return _(
        "This archive is too large to import here: modules: %(modules)d (at most "
        "%(max_modules)d), module text: %(text_kb)d KB (at most %(max_text_kb)d KB). Split "
        "the course, or ask an administrator to import it from the command line (flask "
        "courses import), which has no such limit.",
        modules=size.modules,
        max_modules=size.max_modules,
        text_kb=size.text_kb,
        max_text_kb=size.max_text_kb,
    )


@bp.get("/courses/<slug>/export")
@trainer_required
def export_course(slug: str):
    course = _owned_course(slug)
    response = make_response(content_io.export_zip(course))
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
    return response
