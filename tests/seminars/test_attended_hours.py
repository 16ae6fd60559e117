"""Attended hours have one counting rule: signed-off hours count, everywhere; hours marked
in sessions not signed off yet are shown as such (the trainee's seminar page, the
participants page and the certificate check agree)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from certificates import eligibility
from lms.extensions import db
from seminars import attendance, registration
from seminars.attendance import NO_HOURS, AttendedHours
from seminars.files import attendance_csv
from seminars.models import Seminar


@pytest.fixture
def half_signed(make_seminar, make_user, trainer):
    """Two past sessions of 4 hours; the trainee was present at both, only the first sheet
    is signed off."""
    seminar = make_seminar("Half signed", starts_in=timedelta(days=-5))
    trainee, absent = make_user(), make_user()
    for person in (trainee, absent):
        registration.add_participant(seminar, person)
    first, second = seminar.sessions
    for session in (first, second):
        attendance.save_sheet(
            session, {trainee.id: ("present", ""), absent.id: ("absent", "")}, trainer
        )
    attendance.sign_off(first, trainer)
    return {"seminar": seminar, "trainee": trainee, "absent": absent}


def test_signed_off_hours_count_and_marked_ones_are_pending(half_signed):
    seminar, trainee, absent = half_signed["seminar"], half_signed["trainee"], half_signed["absent"]
    hours = attendance.attended_hours(seminar)
    assert hours[trainee.id] == AttendedHours(Decimal("4"), Decimal("4"), ("Day 1",))
    assert hours[absent.id] == AttendedHours(Decimal("0"), Decimal("0"), ())
    assert attendance.attended_hours(seminar, [trainee.id]) == {trainee.id: hours[trainee.id]}
    assert attendance.attended_hours(seminar, [999_999]) == {999_999: NO_HOURS}


def test_sums_are_exact_decimals(app, make_seminar, make_user, trainer):
    seminar = make_seminar(sessions=3, starts_in=timedelta(days=-5))
    first, second = make_user(), make_user()
    for person in (first, second):
        registration.add_participant(seminar, person)
    s1, s2, s3 = seminar.sessions
    attendance.save_sheet(
        s1, {first.id: ("partial", "1.5"), second.id: ("partial", "0.1")}, trainer
    )
    attendance.save_sheet(
        s2, {first.id: ("partial", "2.25"), second.id: ("partial", "0.2")}, trainer
    )
    attendance.save_sheet(s3, {first.id: ("absent", ""), second.id: ("partial", "0.7")}, trainer)
    pending = attendance.attended_hours(seminar)
    assert {k: v.pending for k, v in pending.items()} == {
        first.id: Decimal("3.75"),
        second.id: Decimal("1.0"),
    }
    for session in (s1, s2, s3):
        attendance.sign_off(session, trainer)
    signed = attendance.attended_hours(seminar)
    assert {k: (v.signed_off, v.pending) for k, v in signed.items()} == {
        first.id: (Decimal("3.75"), Decimal("0")),
        second.id: (Decimal("1.0"), Decimal("0")),
    }
    assert all(type(v.signed_off) is Decimal for v in signed.values())
    assert signed[first.id].topics == ("Day 1", "Day 2")
    assert attendance.attended_hours(make_seminar("Empty")) == {}


def test_the_pages_and_the_certificate_check_agree(half_signed, login, trainer, make_qualification):
    seminar, trainee = half_signed["seminar"], half_signed["trainee"]
    page = login(trainee).get(f"/seminars/{seminar.id}").get_data(as_text=True)
    assert "Attended: 4 of 8 academic hours" in page
    assert "+4 h marked, not yet signed off" in page

    participants = login(trainer).get(f"/manage/seminars/{seminar.id}/participants")
    row = participants.get_data(as_text=True).split(trainee.email, 1)[1].split("</tr>", 1)[0]
    assert re.search(r"<td[^>]*>4<br>", row) and "+4 h marked, not yet signed off" in row

    qualification = make_qualification(min_hours=Decimal("8"))
    evidence = eligibility.gather(trainee, qualification, seminar)
    assert evidence.hours == Decimal("4") and evidence.attended_topics == ["Day 1"]
    checklist = eligibility.check(trainee, qualification, seminar).requirements
    hours = next(r for r in checklist if r.key == "hours")
    assert not hours.met and hours.left == ("4 more seminar hours",)


def test_the_attendance_csv_agrees_and_is_a_safe_download(half_signed, login, trainer):
    seminar, trainee = half_signed["seminar"], half_signed["trainee"]
    trainee.full_name = "=HYPERLINK(1)"
    db.session.commit()
    response = login(trainer).get(f"/manage/seminars/{seminar.id}/attendance.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="seminar-{seminar.id}-attendance.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][-2:] == ["Total hours (signed off)", "Marked, not yet signed off"]
    mine = next(row for row in rows if row[1] == trainee.email)
    assert mine[0] == "'=HYPERLINK(1)"
    assert mine[3:] == ["4", "4", "4", "4"]  # per session, signed off, pending


def test_the_calendar_is_a_named_download(half_signed, client):
    seminar = half_signed["seminar"]
    response = client.get(f"/seminars/{seminar.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="seminar-{seminar.id}.ics"'
    )


@pytest.mark.parametrize("people", [2, 6])
def test_hours_and_the_csv_take_the_same_queries_for_any_number(
    app,
    make_seminar,
    make_user,
    trainer,
    count_queries,
    people,
):
    seminar = make_seminar("Counted", starts_in=timedelta(days=-5))
    trainees = [make_user() for _ in range(people)]
    for person in trainees:
        registration.add_participant(seminar, person)
    for session in seminar.sessions:
        attendance.save_sheet(session, {p.id: ("present", "") for p in trainees}, trainer)
    attendance.sign_off(seminar.sessions[0], trainer)
    db.session.expire_all()
    seminar = db.session.get(Seminar, seminar.id)
    with count_queries() as hours:
        attendance.attended_hours(seminar)
    with count_queries() as csv_file:
        attendance_csv(seminar)
    assert hours.n == 1
    assert csv_file.n <= 4  # sessions, marks, participants with users, hours
