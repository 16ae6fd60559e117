"""Trainer pages for seminars: details, sessions, participants, roster, attendance, check-in."""

from __future__ import annotations

import io

import segno
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
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from courses.permissions import courses_owned_by
from lms import accounts, file_storage
from lms.extensions import db
from lms.forms import show_error
from lms.models import Role, User
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.service_error import ServiceError, refused
from lms.timezone import to_local, to_utc
from seminars import attendance, authoring, checkin, permissions, registration, roster
from seminars.files import attendance_csv
from seminars.forms import (
    CapacityForm,
    CorrectionForm,
    ParticipantForm,
    RosterForm,
    SeminarDetailsForm,
    SeminarForm,
    SessionForm,
)
from seminars.hours import format_hours
from seminars.models import AttendanceStatus, Registration, Seminar, SeminarSession

bp = Blueprint(
    "manage_seminars", __name__, url_prefix="/manage/seminars", template_folder="../templates"
)


def _seminar(seminar_id: int) -> Seminar:
    seminar = db.session.get(Seminar, seminar_id)
    if seminar is None:
        abort(404)
    if not permissions.can_manage(current_user, seminar):
        abort(403)
    return seminar


def _session(seminar: Seminar, session_id: int) -> SeminarSession:
    session = db.session.get(SeminarSession, session_id)
    if session is None or session.seminar_id != seminar.id:
        abort(404)
    return session


def _trainers() -> list[User]:

    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.TRAINER.value, Role.ADMIN.value]), User.active.is_(True))
            .order_by(User.full_name)
        )
    )


@bp.get("/")
@trainer_required
def index():
    pagination = paginate(
        permissions.managed_query(current_user).options(selectinload(Seminar.sessions))
    )
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
                course,
                [current_user],
                title=form.title.data,
                capacity=form.capacity.data,
                language=form.language.data,
                description=form.description.data or "",
                venue=form.venue.data or "",
                online_link=form.online_link.data or "",
                registration_opens_at=to_utc(form.registration_opens_at.data),
                registration_closes_at=to_utc(form.registration_closes_at.data),
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
    ), status


@bp.route("/<id:seminar_id>", methods=["GET", "POST"])
@trainer_required
def detail(seminar_id: int):
    seminar = _seminar(seminar_id)
    if request.method == "GET":
        return _detail(seminar)
    form = SeminarDetailsForm()
    if form.validate_on_submit():
        try:
            authoring.update_seminar(
                seminar,
                title=form.title.data,
                language=form.language.data,
                description=form.description.data or "",
                venue=form.venue.data or "",
                online_link=form.online_link.data or "",
                registration_opens_at=to_utc(form.registration_opens_at.data),
                registration_closes_at=to_utc(form.registration_closes_at.data),
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Seminar saved."), "success")
            return redirect(url_for("manage_seminars.detail", seminar_id=seminar.id))
    return _detail(db.session.get(Seminar, seminar_id), form=form, status=400)


@bp.post("/<id:seminar_id>/status")
@trainer_required
def set_status(seminar_id: int):
    seminar = _seminar(seminar_id)
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
    seminar = _seminar(seminar_id)
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
    seminar = _seminar(seminar_id)
    form = SessionForm(trainers=_trainers())
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
    seminar = _seminar(seminar_id)
    session = _session(seminar, session_id)
    form = SessionForm(trainers=_trainers())
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
    seminar = _seminar(seminar_id)
    try:
        authoring.delete_session(_session(seminar, session_id))
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        flash(_("Session deleted."), "success")
    return redirect(url_for("manage_seminars.detail", seminar_id=seminar.id))


# --- participants and roster ---------------------------------------------------------------


def _participants_page(
    seminar,
    *,
    form=None,
    roster_form=None,
    preview=None,
    roster_ref=None,
    links=None,
    encodings=None,
    status=200,
):

    entries = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.seminar_id == seminar.id)
            .options(joinedload(Registration.user))
            .order_by(Registration.status, Registration.waitlist_position, Registration.id)
        )
    )
    return render_template(
        "seminars/manage/participants.html",
        seminar=seminar,
        entries=entries,
        form=form or ParticipantForm(),
        roster_form=roster_form or RosterForm(),
        preview=preview,
        roster_ref=roster_ref,
        links=links or [],
        encodings=encodings or {},
        hours=attendance.attended_hours(seminar),
        no_hours=attendance.NO_HOURS,
        counts=registration.counts([seminar.id])[seminar.id],
    ), status


@bp.get("/<id:seminar_id>/participants")
@trainer_required
def participants(seminar_id: int):
    """The participants; with ``roster_ref`` and ``encoding``, an uploaded roster's preview
    read again in the encoding the trainer chose."""
    seminar = _seminar(seminar_id)
    if "roster_ref" not in request.args:
        return _participants_page(seminar)
    reference = _roster_reference(seminar, request.args.get("roster_ref", ""))
    data = _roster_data(seminar, reference)
    if data is None:
        return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
    try:
        preview = roster.parse_roster(data, request.args.get("encoding") or None)
    except ServiceError as error:
        # Not readable in that encoding: say so, and show the file as detected again.
        flash(refused(error), "danger")
        try:
            preview = roster.parse_roster(data)
        except ServiceError as error:
            refused(error)
            return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
        return _roster_preview_page(seminar, preview, request.args["roster_ref"], status=400)
    return _roster_preview_page(seminar, preview, request.args["roster_ref"])


@bp.post("/<id:seminar_id>/participants")
@trainer_required
def add_participant(seminar_id: int):
    seminar = _seminar(seminar_id)
    form = ParticipantForm()
    if form.validate_on_submit():
        user = accounts.get_user_by_email(form.email.data)
        if user is None or not user.active:
            form.email.errors = [
                _(
                    "No active account has this email. Import a roster to create "
                    "accounts for new people."
                )
            ]
        else:
            entry = registration.add_participant(
                seminar, user, organisation=form.organisation.data or ""
            )
            flash(
                _("%(name)s: %(status)s.", name=user.full_name, status=entry.status_label),
                "success",
            )
            return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
    return _participants_page(seminar, form=form, status=400)


@bp.post("/<id:seminar_id>/participants/<id:registration_id>/cancel")
@trainer_required
def cancel_participant(seminar_id: int, registration_id: int):
    seminar = _seminar(seminar_id)
    entry = db.session.get(Registration, registration_id)
    if entry is None or entry.seminar_id != seminar.id:
        abort(404)
    try:
        promoted = registration.cancel(entry)
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        flash(
            _("Registration cancelled. Promoted from the waitlist: %(n)d.", n=len(promoted)),
            "success",
        )
    return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))


def _roster_signer() -> URLSafeSerializer:

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms.roster-upload")


@bp.post("/<id:seminar_id>/roster")
@trainer_required
def roster_preview(seminar_id: int):
    """Check an uploaded roster and show every line; nothing is imported yet."""
    seminar = _seminar(seminar_id)
    form = RosterForm()
    if not form.validate_on_submit():
        return _participants_page(seminar, roster_form=form, status=400)

    data = form.file.data.read(current_app.config["ROSTER_MAX_KB"] * 1024 + 1)
    if len(data) > current_app.config["ROSTER_MAX_KB"] * 1024:
        form.file.errors = [
            _("The file is larger than %(n)d KB.", n=current_app.config["ROSTER_MAX_KB"])
        ]
        return _participants_page(seminar, roster_form=form, status=400)
    try:
        preview = roster.parse_roster(data)
    except ServiceError as error:
        show_error(form, error)
        return _participants_page(seminar, roster_form=form, status=400)
    reference = None
    if preview.ok or not preview.certain:
        # Kept for the import, or to be read again in another encoding the trainer chooses.
        stored = file_storage.save_bytes(data, "csv")
        reference = _roster_signer().dumps({"seminar": seminar.id, "file": stored})
    return _roster_preview_page(seminar, preview, reference)


def _roster_preview_page(seminar, preview, reference, *, status=None):
    return _participants_page(
        seminar,
        preview=preview,
        roster_ref=reference,
        encodings=roster.ENCODINGS,
        status=status or (200 if preview.ok else 400),
    )


def _roster_reference(seminar: Seminar, signed: str) -> dict:
    """The uploaded roster a signed reference names; 400 unless it is this seminar's."""
    try:
        reference = _roster_signer().loads(signed)
    except BadSignature:
        abort(400)
    if not isinstance(reference, dict) or reference.get("seminar") != seminar.id:
        abort(400)
    return reference


def _roster_data(seminar: Seminar, reference: dict) -> bytes | None:
    try:
        return file_storage.read_bytes(reference["file"])
    except (OSError, ValueError):
        flash(_("This roster was already imported or has expired. Upload it again."), "warning")
        return None


@bp.post("/<id:seminar_id>/roster/confirm")
@trainer_required
def roster_confirm(seminar_id: int):
    seminar = _seminar(seminar_id)
    reference = _roster_reference(seminar, request.form.get("roster_ref", ""))
    data = _roster_data(seminar, reference)
    if data is None:
        return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
    try:
        # The encoding the preview was read in, which the trainer saw and confirmed.
        preview = roster.parse_roster(data, request.form.get("encoding") or None)
        result = roster.apply_roster(seminar, preview, current_user)
    except ServiceError as error:
        flash(refused(error), "danger")
        return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
    file_storage.delete(reference["file"])
    flash(
        _(
            "Roster imported: %(a)d registered, %(w)d on the waitlist, %(k)d already there.",
            a=result.added,
            w=result.waitlisted,
            k=result.already,
        ),
        "success",
    )
    links = [
        (user, url_for("auth.reset_password", token=token, _external=True))
        for user, token in result.new_accounts
    ]
    return _participants_page(seminar, links=links)


# --- attendance ------------------------------------------------------------------------------


def _sheet_page(seminar, session, *, correction_form=None, status=200):
    return render_template(
        "seminars/manage/attendance.html",
        seminar=seminar,
        session=session,
        rows=attendance.sheet(session),
        statuses=AttendanceStatus,
        corrections=attendance.corrections(session),
        correction_form=correction_form or CorrectionForm(),
        sign_off_problem=None if session.signed_off else attendance.sign_off_problem(session),
    ), status


@bp.route("/<id:seminar_id>/sessions/<id:session_id>/attendance", methods=["GET", "POST"])
@trainer_required
def attendance_sheet(seminar_id: int, session_id: int):
    seminar = _seminar(seminar_id)
    session = _session(seminar, session_id)
    if request.method == "GET":
        return _sheet_page(seminar, session)
    marks = {}
    for row in attendance.sheet(session):
        status = request.form.get(f"status-{row.user.id}")
        if status:
            marks[row.user.id] = (status, request.form.get(f"hours-{row.user.id}", ""))
    try:
        changed = attendance.save_sheet(session, marks, current_user)
    except ServiceError as error:
        flash(refused(error), "danger")
        return _sheet_page(seminar, session, status=400)
    flash(_("Attendance saved (%(n)d changed).", n=changed), "success")
    return redirect(
        url_for("manage_seminars.attendance_sheet", seminar_id=seminar.id, session_id=session.id)
    )


@bp.post("/<id:seminar_id>/sessions/<id:session_id>/sign-off")
@trainer_required
def sign_off(seminar_id: int, session_id: int):
    seminar = _seminar(seminar_id)
    session = _session(seminar, session_id)
    try:
        attendance.sign_off(session, current_user)
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        flash(_("Attendance signed off. Later changes need a reason and are logged."), "success")
    return redirect(
        url_for("manage_seminars.attendance_sheet", seminar_id=seminar.id, session_id=session.id)
    )


@bp.post("/<id:seminar_id>/sessions/<id:session_id>/corrections")
@trainer_required
def correct(seminar_id: int, session_id: int):
    seminar = _seminar(seminar_id)
    session = _session(seminar, session_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            attendance.correct(
                session,
                form.user_id.data,
                form.status.data,
                form.hours.data,
                form.reason.data,
                current_user,
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Correction recorded."), "success")
            return redirect(
                url_for(
                    "manage_seminars.attendance_sheet", seminar_id=seminar.id, session_id=session.id
                )
            )
    return _sheet_page(seminar, session, correction_form=form, status=400)


@bp.get("/<id:seminar_id>/sessions/<id:session_id>/check-in")
@trainer_required
def check_in_code(seminar_id: int, session_id: int):
    seminar = _seminar(seminar_id)
    session = _session(seminar, session_id)
    url = url_for("seminars.check_in", token=checkin.make_token(session), _external=True)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True, title=_("Check-in code")
    )
    return render_template(
        "seminars/manage/check_in_code.html",
        seminar=seminar,
        session=session,
        url=url,
        svg=buffer.getvalue().decode(),
        window=checkin.window(session),
        problem=checkin.window_problem(session),
    )


@bp.get("/<id:seminar_id>/sign-in-sheet")
@trainer_required
def sign_in_sheet(seminar_id: int):
    seminar = _seminar(seminar_id)
    session_id = request.args.get("session", type=int)
    session = _session(seminar, session_id) if session_id else None
    return render_template(
        "seminars/manage/sign_in_sheet.html",
        seminar=seminar,
        session=session,
        people=registration.participants(seminar),
    )


@bp.get("/<id:seminar_id>/attendance.csv")
@trainer_required
def export_csv(seminar_id: int):
    seminar = _seminar(seminar_id)
    response = make_response("\ufeff" + attendance_csv(seminar))  # BOM: Excel reads UTF-8
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="seminar-{seminar.id}-attendance.csv"'
    )
    return response
