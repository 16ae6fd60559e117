"""Attendance: the sheet (present, absent, partial hours), sign-off, corrections with a reason,
exact Decimal sums, and the CSV export (BOM, one row per participant, no formula cells)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.service_error import ServiceError
from seminars import attendance, registration
from seminars.models import (
    Attendance,
    AttendanceCorrection,
    Registration,
    SeminarSession,
)


@pytest.fixture
def class_of_three(make_seminar, make_user):
    """A seminar of two 4-hour sessions, held last week (a sheet is signed off after its
    session), and three registered participants (by name order)."""
    seminar = make_seminar("Attendance seminar", starts_in=-timedelta(days=7))
    people = [
        make_user(full_name="Aida Bekova", email="aida@example.kz"),
        make_user(full_name="Bolat Serikov", email="bolat@example.kz"),
        make_user(full_name="Dana Omarova", email="dana@example.kz"),
    ]
    for person in people:
        registration.add_participant(seminar, person)
    return seminar, people


def _marks(session) -> dict[int, tuple[str, Decimal]]:
    db.session.expire_all()
    return {
        m.user_id: (m.status, m.hours)
        for m in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# --- the sheet ---------------------------------------------------------------------------------


def test_save_sheet_records_present_absent_and_partial_hours(app, class_of_three, trainer):
    seminar, (aida, bolat, dana) = class_of_three
    session = seminar.sessions[0]
    changed = attendance.save_sheet(
        session,
        {aida.id: ("present", ""), bolat.id: ("absent", "3"), dana.id: ("partial", "1.5")},
        trainer,
    )
    assert changed == 3
    assert _marks(session) == {
        aida.id: ("present", Decimal("4")),
        bolat.id: ("absent", Decimal("0")),
        dana.id: ("partial", Decimal("1.5")),
    }
    for mark in db.session.scalars(select(Attendance)):
        assert isinstance(mark.hours, Decimal)
        assert mark.marked_by_id == trainer.id and mark.self_checked_in is False
    # Saving the same sheet again changes nothing; changing one row changes one.
    same = {aida.id: ("present", ""), bolat.id: ("absent", ""), dana.id: ("partial", "1.50")}
    assert attendance.save_sheet(session, same, trainer) == 0
    assert attendance.save_sheet(session, {bolat.id: ("partial", "2")}, trainer) == 1
    assert _marks(session)[bolat.id] == ("partial", Decimal("2"))


def test_a_comma_is_accepted_as_the_decimal_separator(app, class_of_three, trainer):
    seminar, (aida, _, _) = class_of_three
    session = seminar.sessions[0]
    attendance.save_sheet(session, {aida.id: ("partial", "1,5")}, trainer)
    assert _marks(session)[aida.id] == ("partial", Decimal("1.5"))


@pytest.mark.parametrize("hours", ["0", "4", "4.5", "", "abc", "-1", "1.234", "NaN", "Infinity"])
def test_bad_partial_hours_are_refused(app, class_of_three, trainer, hours):
    seminar, (aida, _, _) = class_of_three
    session = seminar.sessions[0]
    with pytest.raises(ServiceError):
        attendance.save_sheet(session, {aida.id: ("partial", hours)}, trainer)
    db.session.rollback()
    assert _marks(session) == {}


def test_an_unknown_status_is_refused(app, class_of_three, trainer):
    seminar, (aida, _, _) = class_of_three
    with pytest.raises(ServiceError, match="present, absent or partly present"):
        attendance.save_sheet(seminar.sessions[0], {aida.id: ("late", "")}, trainer)


def test_people_who_are_not_participants_are_refused(
    app, class_of_three, trainer, make_user, make_seminar
):
    seminar, (aida, _, _) = class_of_three
    session = seminar.sessions[0]
    stranger = make_user()
    cancelled = make_user()
    registration.cancel(registration.add_participant(seminar, cancelled))
    other_seminar = make_seminar("Elsewhere")
    elsewhere = make_user()
    registration.add_participant(other_seminar, elsewhere)
    for outsider in (stranger, cancelled, elsewhere):
        with pytest.raises(ServiceError, match="not participants"):
            attendance.save_sheet(
                session, {aida.id: ("present", ""), outsider.id: ("present", "")}, trainer
            )
        db.session.rollback()
    assert _marks(session) == {}


def test_waitlisted_people_are_not_on_the_sheet(app, make_seminar, make_user, trainer):
    seminar = make_seminar(capacity=1)
    seated, waiting = make_user(), make_user()
    registration.add_participant(seminar, seated)
    registration.add_participant(seminar, waiting)
    session = seminar.sessions[0]
    assert [row.user.id for row in attendance.sheet(session)] == [seated.id]
    with pytest.raises(ServiceError, match="not participants"):
        attendance.save_sheet(session, {waiting.id: ("present", "")}, trainer)


def test_a_bad_row_saves_nothing_and_keeps_the_earlier_marks(app, class_of_three, trainer):
    seminar, (aida, bolat, dana) = class_of_three
    session = seminar.sessions[0]
    attendance.save_sheet(session, {aida.id: ("absent", "")}, trainer)
    bad = {aida.id: ("present", ""), bolat.id: ("present", ""), dana.id: ("partial", "9")}
    with pytest.raises(ServiceError, match="Partial hours"):
        attendance.save_sheet(session, bad, trainer)
    db.session.rollback()  # what every caller does with a refused request
    assert _marks(session) == {aida.id: ("absent", Decimal("0"))}


def test_a_refused_sheet_leaves_nothing_pending_for_a_later_commit(
    app, class_of_three, trainer, make_user
):
    seminar, (aida, bolat, dana) = class_of_three
    session = seminar.sessions[0]
    bad = {aida.id: ("present", ""), bolat.id: ("present", ""), dana.id: ("partial", "abc")}
    with pytest.raises(ServiceError):
        attendance.save_sheet(session, bad, trainer)
    registration.add_participant(seminar, make_user())  # any later work that commits
    assert _marks(session) == {}


def test_the_sheet_over_http_records_marks(app, class_of_three, trainer, trainer_client):
    seminar, (aida, bolat, dana) = class_of_three
    session = seminar.sessions[0]
    url = f"/manage/seminars/{seminar.id}/sessions/{session.id}/attendance"
    page = trainer_client.get(url).get_data(as_text=True)
    assert all(name in page for name in ("Aida Bekova", "Bolat Serikov", "Dana Omarova"))
    form = {
        f"status-{aida.id}": "present",
        f"status-{bolat.id}": "partial",
        f"hours-{bolat.id}": "2,5",
        f"status-{dana.id}": "absent",
    }
    response = trainer_client.post_form(url, form)
    assert response.status_code == 302
    assert _marks(session) == {
        aida.id: ("present", Decimal("4")),
        bolat.id: ("partial", Decimal("2.5")),
        dana.id: ("absent", Decimal("0")),
    }
    assert {m.marked_by_id for m in db.session.scalars(select(Attendance))} == {trainer.id}


def test_a_bad_row_over_http_is_a_400_and_saves_nothing(app, class_of_three, trainer_client):
    seminar, (aida, bolat, _) = class_of_three
    session = seminar.sessions[0]
    url = f"/manage/seminars/{seminar.id}/sessions/{session.id}/attendance"
    form = {
        f"status-{aida.id}": "present",
        f"status-{bolat.id}": "partial",
        f"hours-{bolat.id}": "abc",
    }
    response = trainer_client.post_form(url, form)
    assert response.status_code == 400
    assert "Enter hours as a number" in response.get_data(as_text=True)
    assert _marks(session) == {}


# --- sign-off -----------------------------------------------------------------------------------


def test_sign_off_marks_the_unmarked_absent_and_counts_attendance(app, class_of_three, trainer):
    seminar, (aida, bolat, dana) = class_of_three
    session = seminar.sessions[0]
    attendance.save_sheet(session, {aida.id: ("present", ""), bolat.id: ("absent", "")}, trainer)
    attendance.sign_off(session, trainer)
    db.session.expire_all()
    assert _marks(session) == {
        aida.id: ("present", Decimal("4")),
        bolat.id: ("absent", Decimal("0")),
        dana.id: ("absent", Decimal("0")),
    }
    fresh = db.session.get(SeminarSession, session.id)
    assert fresh.signed_off and fresh.signed_off_by_id == trainer.id
    statuses = dict(db.session.execute(select(Registration.user_id, Registration.status)).all())
    assert statuses == {aida.id: "attended", bolat.id: "registered", dana.id: "registered"}
    # An attended registration can no longer be cancelled.
    with pytest.raises(ServiceError, match="cannot be cancelled"):
        registration.cancel(registration.find_registration(seminar, aida))
    with pytest.raises(ServiceError, match="already signed off"):
        attendance.sign_off(fresh, trainer)


def test_a_signed_off_sheet_is_locked(app, class_of_three, trainer, trainer_client):
    seminar, (aida, _, _) = class_of_three
    session = seminar.sessions[0]
    attendance.sign_off(session, trainer)
    with pytest.raises(ServiceError, match="signed off"):
        attendance.save_sheet(session, {aida.id: ("present", "")}, trainer)
    db.session.rollback()

    base = f"/manage/seminars/{seminar.id}/sessions/{session.id}"
    response = trainer_client.post_form(f"{base}/attendance", {f"status-{aida.id}": "present"})
    assert response.status_code == 400
    assert "This sheet is signed off. Use a correction with a reason." in response.get_data(
        as_text=True
    )
    assert _marks(session)[aida.id] == ("absent", Decimal("0"))

    edit = {"date": "2027-01-01", "starts": "10:00", "ends": "12:00"}
    edit.update(topic="Moved", academic_hours="2")
    response = trainer_client.post_form(base, edit)
    assert response.status_code == 400
    assert "signed off; it cannot change" in response.get_data(as_text=True)
    response = trainer_client.post_form(f"{base}/delete", follow_redirects=True)
    assert "signed off; it cannot change" in response.get_data(as_text=True)
    db.session.expire_all()
    fresh = db.session.get(SeminarSession, session.id)
    assert fresh is not None and fresh.topic == "Day 1" and fresh.academic_hours == 4


def test_people_who_attended_an_earlier_session_stay_on_the_next_sheet(
    app, class_of_three, trainer
):
    seminar, (aida, _, _) = class_of_three
    first, second = seminar.sessions
    attendance.save_sheet(first, {aida.id: ("present", "")}, trainer)
    attendance.sign_off(first, trainer)
    assert registration.find_registration(seminar, aida).status == "attended"
    assert aida.id in [row.user.id for row in attendance.sheet(second)]
    assert attendance.save_sheet(second, {aida.id: ("partial", "3")}, trainer) == 1


def test_signing_off_over_http(app, class_of_three, trainer_client):
    seminar, people = class_of_three
    session = seminar.sessions[1]
    url = f"/manage/seminars/{seminar.id}/sessions/{session.id}/sign-off"
    response = trainer_client.post_form(url, follow_redirects=True)
    assert "Attendance signed off." in response.get_data(as_text=True)
    assert _marks(session) == {p.id: ("absent", Decimal("0")) for p in people}
    again = trainer_client.post_form(url, follow_redirects=True)
    assert "This sheet is already signed off." in again.get_data(as_text=True)


# --- corrections -----------------------------------------------------------------------------


@pytest.fixture
def signed_off(class_of_three, trainer):
    seminar, people = class_of_three
    session = seminar.sessions[0]
    aida, bolat, _ = people
    attendance.save_sheet(session, {aida.id: ("present", ""), bolat.id: ("absent", "")}, trainer)
    attendance.sign_off(session, trainer)
    return seminar, session, people


def test_a_correction_records_old_and_new_values_reason_and_author(app, signed_off, make_user):
    _, session, (aida, _, _) = signed_off
    admin = make_user("admin")
    mark = attendance.correct(session, aida.id, "partial", "2,5", "  Left   after lunch ", admin)
    assert (mark.status, mark.hours, mark.marked_by_id) == ("partial", Decimal("2.5"), admin.id)
    [item] = attendance.corrections(session)
    assert (item.old_status, item.old_hours) == ("present", Decimal("4"))
    assert (item.new_status, item.new_hours) == ("partial", Decimal("2.5"))
    assert item.reason == "Left after lunch" and item.changed_by_id == admin.id
    assert item.attendance_id == mark.id


def test_a_correction_to_present_makes_the_registration_attended(app, signed_off, trainer):
    seminar, session, (_, bolat, _) = signed_off
    attendance.correct(session, bolat.id, "present", "", "Signed the paper sheet", trainer)
    assert registration.find_registration(seminar, bolat).status == "attended"


@pytest.mark.parametrize("reason", ["", "abcd", "  ab   c  ", "\t\n"])
def test_a_correction_needs_a_reason_of_five_characters(app, signed_off, trainer, reason):
    _, session, (aida, _, _) = signed_off
    with pytest.raises(ServiceError, match="at least 5 characters"):
        attendance.correct(session, aida.id, "absent", "", reason, trainer)
    db.session.rollback()
    assert _count(AttendanceCorrection) == 0
    assert _marks(session)[aida.id] == ("present", Decimal("4"))


def test_corrections_are_refused_before_sign_off(app, class_of_three, trainer):
    seminar, (aida, _, _) = class_of_three
    session = seminar.sessions[0]
    attendance.save_sheet(session, {aida.id: ("present", "")}, trainer)
    with pytest.raises(ServiceError, match="not signed off yet"):
        attendance.correct(session, aida.id, "absent", "", "Was not there", trainer)
    assert _count(AttendanceCorrection) == 0


def test_an_identical_correction_is_refused(app, signed_off, trainer):
    _, session, (aida, bolat, _) = signed_off
    with pytest.raises(ServiceError, match="same as the recorded"):
        attendance.correct(session, aida.id, "present", "", "Just checking this", trainer)
    with pytest.raises(ServiceError, match="same as the recorded"):
        attendance.correct(session, bolat.id, "absent", "", "Just checking this", trainer)
    assert _count(AttendanceCorrection) == 0


def test_a_correction_of_someone_not_on_the_sheet_or_with_bad_hours_is_refused(
    app, signed_off, trainer, make_user
):
    _, session, (aida, _, _) = signed_off
    with pytest.raises(ServiceError, match="not on the sheet"):
        attendance.correct(session, make_user().id, "present", "", "Was there surely", trainer)
    with pytest.raises(ServiceError, match="Partial hours"):
        attendance.correct(session, aida.id, "partial", "4", "Left a bit early", trainer)
    with pytest.raises(ServiceError, match="present, absent or partly present"):
        attendance.correct(session, aida.id, "late", "", "Came in late", trainer)
    assert _count(AttendanceCorrection) == 0


def test_corrections_over_http_are_listed_on_the_sheet(app, signed_off, trainer_client, trainer):
    seminar, session, (aida, _, _) = signed_off
    base = f"/manage/seminars/{seminar.id}/sessions/{session.id}"
    short = trainer_client.post_form(
        f"{base}/corrections", {"user_id": str(aida.id), "status": "absent", "reason": "ill"}
    )
    assert short.status_code == 400
    assert "at least 5 characters" in short.get_data(as_text=True)
    assert _count(AttendanceCorrection) == 0

    response = trainer_client.post_form(
        f"{base}/corrections",
        {
            "user_id": str(aida.id),
            "status": "partial",
            "hours": "1.5",
            "reason": "Left for a court hearing",
        },
    )
    assert response.status_code == 302
    page = trainer_client.get(f"{base}/attendance").get_data(as_text=True)
    assert "present (4) → partial (1.5) — Left for a court hearing" in page
    assert trainer.full_name in page
    assert _marks(session)[aida.id] == ("partial", Decimal("1.5"))


def test_corrections_over_http_before_sign_off_are_a_400(app, class_of_three, trainer_client):
    seminar, (aida, _, _) = class_of_three
    session = seminar.sessions[0]
    response = trainer_client.post_form(
        f"/manage/seminars/{seminar.id}/sessions/{session.id}/corrections",
        {"user_id": str(aida.id), "status": "absent", "reason": "Was not there"},
    )
    assert response.status_code == 400  # only a forged form can get here: no form is shown
    assert _count(AttendanceCorrection) == 0
    assert _marks(session) == {}


def test_a_correction_is_in_the_audit_log_and_a_refused_one_is_not(app, signed_off, trainer):
    from lms.models import AuditEvent

    seminar, session, (aida, bolat, _) = signed_off
    mark = attendance.correct(session, aida.id, "partial", "2,5", "Left after lunch", trainer)
    with pytest.raises(ServiceError):
        attendance.correct(session, bolat.id, "absent", "", "abc", trainer)
    db.session.rollback()
    (row,) = db.session.scalars(select(AuditEvent)).all()
    assert (row.action, row.actor_id, row.subject_type, row.subject_id) == (
        "seminar.attendance_corrected",
        trainer.id,
        "attendance",
        mark.id,
    )
    assert row.details["user_id"] == aida.id and row.details["seminar_id"] == seminar.id
    (old_status, old_hours), (new_status, new_hours) = row.details["from"], row.details["to"]
    assert (old_status, Decimal(old_hours)) == ("present", Decimal("4"))
    assert (new_status, Decimal(new_hours)) == ("partial", Decimal("2.5"))
    assert row.details["reason"] == "Left after lunch"
