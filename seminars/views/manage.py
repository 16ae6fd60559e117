"""Trainer pages for seminars: the list, a new seminar, details, status, capacity, sessions."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from courses.permissions import courses_owned_by
from lms import content_translations as ct
from lms.extensions import db
from lms.formatting import format_hours
from lms.forms import show_error
from lms.models import User
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.service_error import ServiceError, refused
from lms.timezone import to_local, to_utc
from seminars import authoring, permissions, registration, translations
from seminars.forms import (
    CapacityForm,
    SeminarDetailsForm,
    SeminarForm,
    SessionForm,
)
from seminars.models import Seminar
from seminars.views.blueprint import bp, managed_seminar, seminar_session


def _details(form) -> dict:
    """What the new-seminar and seminar-details forms both send to the service."""
    return {
        "title": form.title.data,
        "language": form.language.data,
        "description": form.description.data or "",
        "venue": form.venue.data or "",
        "online_link": form.online_link.data or "",
        "registration_opens_at": to_utc(form.registration_opens_at.data),
        "registration_closes_at": to_utc(form.registration_closes_at.data),
    }


@bp.get("/")
@trainer_required
def index():
    pagination = paginate(
        permissions.managed_query(current_user).options(selectinload(Seminar.sessions))
    )
    translations.preload_seminars(pagination.items, courses=False)
    return render_template(
        "seminars/manage/index.html",
        pagination=pagination,
        seminars=pagination.items,
        counts=registration.counts([s.id for s in pagination.items]),
    )


@bp.route("/new", methods=["GET", "POST"])
@trainer_required
def new():
    courses = courses_owned_by(current_user)
    if not courses:
        flash(_("Create a course first: a seminar delivers a course."), "info")
        return redirect(url_for("manage.new_course"))
    form = SeminarForm(courses=courses)
    if request.method == "GET":
        form.language.data, form.capacity.data = "ru", 10
    if form.validate_on_submit():
        course = next((c for c in courses if c.id == form.course.data), None)
        try:
            seminar = authoring.create_seminar(
                course, [current_user], capacity=form.capacity.data, **_details(form)
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Seminar created. Add its sessions, then open registration."), "success")
            return redirect(url_for("manage_seminars.new_session", seminar_id=seminar.id))
    status = 400 if request.method == "POST" else 200
    return render_template("seminars/manage/new.html", form=form), status


def _detail(seminar: Seminar, *, form=None, capacity_form=None, status: int = 200):
    if form is None:
        form = SeminarDetailsForm(obj=seminar)
        form.registration_opens_at.data = to_local(seminar.registration_opens_at)
        form.registration_closes_at.data = to_local(seminar.registration_closes_at)
    return render_template(
        "seminars/manage/detail.html",
        seminar=seminar,
        form=form,
        capacity_form=capacity_form or CapacityForm(capacity=seminar.capacity),
        counts=registration.counts([seminar.id])[seminar.id],
        total_hours=authoring.total_hours(seminar),
        coverage=ct.coverage([seminar, *seminar.sessions]),
    ), status


@bp.route("/<id:seminar_id>", methods=["GET", "POST"])
@trainer_required
def detail(seminar_id: int):
    seminar = managed_seminar(seminar_id)
    if request.method == "GET":
        return _detail(seminar)
    form = SeminarDetailsForm()
    if form.validate_on_submit():
        try:
            authoring.update_seminar(seminar, **_details(form))
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Seminar saved."), "success")
            return redirect(url_for("manage_seminars.detail", seminar_id=seminar.id))
    return _detail(db.session.get(Seminar, seminar_id), form=form, status=400)


@bp.post("/<id:seminar_id>/status")
@trainer_required
def set_status(seminar_id: int):
    seminar = managed_seminar(seminar_id)
    try:
        authoring.set_status(seminar, request.form.get("status", ""))
    except ValueError:
        abort(400)
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        flash(_("The seminar is now: %(status)s.", status=seminar.status_label), "success")
    return redirect(url_for("manage_seminars.detail", seminar_id=seminar.id))


@bp.post("/<id:seminar_id>/capacity")
@trainer_required
def capacity(seminar_id: int):
    seminar = managed_seminar(seminar_id)
    form = CapacityForm()
    if form.validate_on_submit():
        try:
            promoted = registration.change_capacity(seminar, form.capacity.data)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(
                _(
                    "Seats: %(n)d. Promoted from the waitlist: %(p)d.",
                    n=form.capacity.data,
                    p=len(promoted),
                ),
                "success",
            )
            return redirect(url_for("manage_seminars.detail", seminar_id=seminar.id))
    return _detail(db.session.get(Seminar, seminar_id), capacity_form=form, status=400)


# --- sessions ----------------------------------------------------------------------------


def _session_page(seminar, form, session=None, status=200):
    return render_template(
        "seminars/manage/session_edit.html", seminar=seminar, form=form, session=session
    ), status


def _session_values(form: SessionForm) -> dict:
    starts, ends = form.moments()
    return {
        "starts_at": starts,
        "ends_at": ends,
        "topic": form.topic.data,
        "academic_hours": form.academic_hours.data,
        "trainer": db.session.get(User, form.trainer.data) if form.trainer.data else None,
    }


@bp.route("/<id:seminar_id>/sessions/new", methods=["GET", "POST"])
@trainer_required
def new_session(seminar_id: int):
    seminar = managed_seminar(seminar_id)
    form = SessionForm(trainers=authoring.trainer_choices())
    if request.method == "GET":
        form.trainer.data = current_user.id
    if form.validate_on_submit():
        try:
            authoring.add_session(seminar, **_session_values(form))
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Session added."), "success")
            return redirect(url_for("manage_seminars.detail", seminar_id=seminar.id))
    return _session_page(seminar, form, status=400 if request.method == "POST" else 200)


@bp.route("/<id:seminar_id>/sessions/<id:session_id>", methods=["GET", "POST"])
@trainer_required
def edit_session(seminar_id: int, session_id: int):
    seminar = managed_seminar(seminar_id)
    session = seminar_session(seminar, session_id)
    form = SessionForm(trainers=authoring.trainer_choices())
    if request.method == "GET":
        local_start, local_end = to_local(session.starts_at), to_local(session.ends_at)
        form.date.data, form.starts.data = local_start.date(), local_start.time()
        form.ends.data, form.topic.data = local_end.time(), session.topic
        form.academic_hours.data = format_hours(session.academic_hours)
        form.trainer.data = session.trainer_id or 0
    if form.validate_on_submit():
        try:
            authoring.update_session(session, **_session_values(form))
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Session saved."), "success")
            return redirect(url_for("manage_seminars.detail", seminar_id=seminar.id))
    status = 400 if request.method == "POST" else 200
    return _session_page(seminar, form, session=session, status=status)


@bp.post("/<id:seminar_id>/sessions/<id:session_id>/delete")
@trainer_required
def delete_session(seminar_id: int, session_id: int):
    seminar = managed_seminar(seminar_id)
    try:
        authoring.delete_session(seminar_session(seminar, session_id))
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        flash(_("Session deleted."), "success")
    return redirect(url_for("manage_seminars.detail", seminar_id=seminar.id))


# --- participants and roster ---------------------------------------------------------------
