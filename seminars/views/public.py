"""Trainee-facing seminar pages: list, details, register/cancel, calendar, self check-in."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import content_translations as ct
from lms.downloads import download
from lms.pagination import paginate
from lms.routing import get_or_404
from lms.service_error import ServiceError, refused
from seminars import attendance, authoring, checkin, permissions, registration, translations
from seminars.files import calendar_ics
from seminars.models import Seminar, SeminarStatus

bp = Blueprint("seminars", __name__, url_prefix="/seminars", template_folder="../templates")

VISIBLE = (SeminarStatus.OPEN, SeminarStatus.CLOSED, SeminarStatus.COMPLETED)


def _seminar_or_404(seminar_id: int) -> Seminar:
    seminar = get_or_404(Seminar, seminar_id)
    mine = current_user.is_authenticated and (
        permissions.can_manage(current_user, seminar)
        or registration.find_registration(seminar, current_user) is not None
    )
    if seminar.status not in VISIBLE and not mine:
        abort(404)
    if not seminar.course.is_published and not mine:
        abort(404)
    return seminar


@bp.get("/")
def index():
    pagination = paginate(authoring.upcoming_query(), per_page=12)
    upcoming = pagination.items
    counts = registration.counts([s.id for s in upcoming])
    translations.preload_seminars(upcoming)
    mine = {}
    if current_user.is_authenticated:
        mine = registration.registrations_by_seminar(current_user)
    return render_template(
        "seminars/index.html", pagination=pagination, seminars=upcoming, counts=counts, mine=mine
    )


@bp.get("/<id:seminar_id>")
def detail(seminar_id: int):
    seminar = _seminar_or_404(seminar_id)
    entry = (
        registration.find_registration(seminar, current_user)
        if (current_user.is_authenticated)
        else None
    )
    marks = attendance.marks_of(seminar, current_user) if entry else {}
    translations.preload_seminars([seminar], sessions=True)
    return render_template(
        "seminars/detail.html",
        seminar=seminar,
        entry=entry,
        rank=registration.waitlist_rank(entry) if entry else None,
        marks=marks,
        attended=attendance.attended_hours(seminar, [current_user.id])[current_user.id]
        if entry
        else attendance.NO_HOURS,
        total_hours=authoring.total_hours(seminar),
        counts=registration.counts([seminar.id])[seminar.id],
        closed_reason=registration.registration_problem(seminar),
        manageable=current_user.is_authenticated and permissions.can_manage(current_user, seminar),
    )


@bp.post("/<id:seminar_id>/register")
@login_required
def register(seminar_id: int):
    seminar = _seminar_or_404(seminar_id)
    try:
        entry = registration.register(seminar, current_user)
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        if entry.status == "waitlisted":
            flash(
                _(
                    "The seminar is full: you are number %(n)d on the waitlist. You will get a "
                    "seat automatically if one frees up.",
                    n=registration.waitlist_rank(entry),
                ),
                "info",
            )
        else:
            flash(
                _("You are registered for “%(title)s”.", title=ct.text(seminar, "title")),
                "success",
            )
    return redirect(url_for("seminars.detail", seminar_id=seminar.id))


@bp.post("/<id:seminar_id>/cancel")
@login_required
def cancel(seminar_id: int):
    seminar = _seminar_or_404(seminar_id)
    entry = registration.find_registration(seminar, current_user)
    if entry is None:
        abort(404)
    try:
        registration.cancel(entry, by=current_user)
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("seminars.detail", seminar_id=seminar.id))


@bp.get("/<id:seminar_id>/calendar.ics")
def calendar(seminar_id: int):
    seminar = _seminar_or_404(seminar_id)
    user = current_user
    insider = user.is_authenticated and (
        registration.holds_a_seat(user, seminar) or permissions.can_manage(user, seminar)
    )
    body = calendar_ics(seminar, host=request.host.split(":")[0], with_online_link=insider)
    return download(body, f"seminar-{seminar.id}.ics", "text/calendar")


@bp.route("/check-in/<token>", methods=["GET", "POST"])
@login_required
def check_in(token: str):
    try:
        session = checkin.session_for(token)
    except ServiceError as error:
        return render_template("seminars/check_in.html", problem=refused(error)), 400
    if request.method == "POST":
        try:
            checkin.check_in(token, current_user)
        except ServiceError as error:
            refused(error)
            return render_template(
                "seminars/check_in.html", problem=error.message, session=session
            ), 400
        flash(_("You are checked in to “%(topic)s”.", topic=ct.text(session, "topic")), "success")
        return redirect(url_for("seminars.detail", seminar_id=session.seminar_id))
    return render_template(
        "seminars/check_in.html",
        session=session,
        token=token,
        problem=checkin.window_problem(session),
    )
