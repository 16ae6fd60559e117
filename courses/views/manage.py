"""Trainer pages for courses: the list, a new course, details, status, owners, files, import
and export."""

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
from sqlalchemy import select

from courses import (
    authoring,
    content_archive,
    content_bundle,
    content_io,
    files,
    import_job,
    learning,
    permissions,
)
from courses.forms import CourseForm, ImportForm, OwnerForm, UploadForm
from courses.models import Course, CourseFile, CourseStatus
from courses.views.blueprint import bp, owned_course
from lms.downloads import download
from lms.extensions import db
from lms.forms import show_error
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.routing import get_or_404
from lms.security import safe_next_url
from lms.service_error import ServiceError, refused


@bp.get("/courses")
@trainer_required
def courses():
    """The courses the user may edit, by title, a page at a time (an administrator's is every
    course of the site); modules counted and status words translated once per page."""
    pagination = paginate(
        select(Course)
        .where(permissions.owns_course(current_user, Course.id))
        .order_by(Course.title, Course.id)
    )
    return render_template(
        "courses/manage/courses.html",
        pagination=pagination,
        module_counts=learning.module_counts([course.id for course in pagination.items]),
        status_labels={course.status: course.status_label for course in pagination.items},
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
        modules=authoring.draft_modules(course),
        has_draft=course.is_published and authoring.has_draft(course),
    ), status


@bp.route("/courses/<slug>", methods=["GET", "POST"])
@trainer_required
def edit_course(slug: str):
    course = owned_course(slug)
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
    course = owned_course(slug)
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
    course = owned_course(slug)
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
    course = owned_course(slug)
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


def _back_to_course_page() -> str | None:
    """Where the files page was opened from (the module editor), if it is one of the course's
    own management pages: shown as "Back", and kept through an upload."""
    back = safe_next_url(request.values.get("back"))
    return back if back and back.startswith(url_for("manage.courses")) else None


def _files_page(course: Course, *, image_form=None, material_form=None, status: int = 200):
    return render_template(
        "courses/manage/files.html",
        back=_back_to_course_page(),
        course=course,
        image_form=image_form or UploadForm(prefix="image"),
        material_form=material_form or UploadForm(prefix="material"),
        images=files.files_of(course, "image"),
        materials=files.files_of(course, "material"),
    ), status


@bp.get("/courses/<slug>/files")
@trainer_required
def course_files(slug: str):
    return _files_page(owned_course(slug))


@bp.post("/courses/<slug>/files/<kind>")
@trainer_required
def upload(slug: str, kind: str):
    course = owned_course(slug)
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
            return redirect(
                url_for("manage.course_files", slug=course.slug, back=_back_to_course_page())
            )
    forms = {"image_form": form} if kind == "image" else {"material_form": form}
    return _files_page(course, status=400, **forms)


@bp.post("/courses/<slug>/files/<id:file_id>/delete")
@trainer_required
def delete_file(slug: str, file_id: int):
    course = owned_course(slug)
    record = get_or_404(CourseFile, file_id, course_id=course.id)
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
        update = form.update.data == "yes"
        try:
            if len(data) > limit * 1024 * 1024:
                raise content_archive.ImportFailed(
                    [content_archive.Problem("(archive)", None, f"larger than {limit} MB")]
                )
            too_large = content_archive.check_import_size(
                data,
                max_modules=current_app.config["COURSE_IMPORT_MAX_MODULES"],
                max_text_kb=current_app.config["COURSE_IMPORT_MAX_TEXT_KB"],
            )
            if too_large is not None:
                flash(_too_large_message(too_large), "danger")
                page = render_template("courses/manage/import.html", form=form, problems=[])
                return page, 413
            if len(data) > current_app.config["COURSE_IMPORT_BACKGROUND_KB"] * 1024:
                # A large archive: checked from its directory here, imported by a job.
                content_archive.check_zip(data)
                record = import_job.start_import_job(
                    data, owner=current_user, update=update, filename=form.file.data.filename
                )
                return redirect(url_for("jobs.job_page", job_id=record.id), 303)
            bundle = content_bundle.parse_bundle(content_archive.read_zip(data))
            result = content_io.import_bundle(bundle, owner=current_user, update=update)
        except content_archive.ImportFailed as failure:
            problems = failure.problems
        else:
            for message, category in import_job.result_lines(import_job.summary_of(result)):
                flash(message, category)
            return redirect(url_for("manage.edit_course", slug=result.course.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("courses/manage/import.html", form=form, problems=problems), status


def _too_large_message(size: content_archive.ImportTooLarge) -> str:
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
    course = owned_course(slug)
    return download(content_io.export_zip(course), f"{course.slug}.zip", "application/zip")
