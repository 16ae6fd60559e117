"""Trainer pages for attendance: the sheet, sign-off, corrections, the check-in code, the
sign-in sheet and the CSV."""

from __future__ import annotations

import io

import segno
from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms.downloads import download
from lms.forms import show_error
from lms.permissions import trainer_required
from lms.service_error import ServiceError, refused
from seminars import attendance, checkin, registration
from seminars.files import attendance_csv
from seminars.forms import (
    CorrectionForm,
)
from seminars.models import AttendanceStatus
from seminars.views.blueprint import bp, managed_seminar, seminar_session


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
    seminar = managed_seminar(seminar_id)
    session = seminar_session(seminar, session_id)
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
    seminar = managed_seminar(seminar_id)
    session = seminar_session(seminar, session_id)
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
    seminar = managed_seminar(seminar_id)
    session = seminar_session(seminar, session_id)
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
    seminar = managed_seminar(seminar_id)
    session = seminar_session(seminar, session_id)
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
    seminar = managed_seminar(seminar_id)
    chosen = request.args.get("session")
    session = seminar_session(seminar, chosen) if chosen else None
    return render_template(
        "seminars/manage/sign_in_sheet.html",
        seminar=seminar,
        session=session,
        people=registration.participants(seminar),
    )


@bp.get("/<id:seminar_id>/attendance.csv")
@trainer_required
def export_csv(seminar_id: int):
    seminar = managed_seminar(seminar_id)
    body = "\ufeff" + attendance_csv(seminar)  # BOM: Excel reads UTF-8
    return download(body, f"seminar-{seminar.id}-attendance.csv", "text/csv")
