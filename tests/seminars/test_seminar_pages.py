"""Seminar pages through the HTTP client: trainer permissions on every route, the trainer's
seminar and session forms (site time zone), the trainee's list, registration and seminar
page, the .ics calendar, and self check-in with its signed, expiring token."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from lms.extensions import db
from lms.formatting import format_short_datetime
from lms.models import User
from lms.service_error import ServiceError
from seminars import attendance, checkin, registration
from seminars.models import (
    Attendance,
    AttendanceCorrection,
    Registration,
    Seminar,
    SeminarSession,
)

HUGE_ID = 99999999999


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _roster_file() -> dict:
    data = "Иван Петров,ivan.petrov@example.kz\n".encode()
    return {"file": (io.BytesIO(data), "roster.csv")}


# --- permissions on every trainer route -------------------------------------------------------


@pytest.fixture
def setup(make_seminar, make_user):
    """A seminar run by ``trainer`` with two sessions and one registered participant."""
    seminar = make_seminar("Guarded seminar", capacity=5)
    participant = make_user(email="participant@example.kz")
    spare = make_user(email="spare@example.kz")
    entry = registration.add_participant(seminar, participant)
    first, second = seminar.sessions
    return {
        "seminar": seminar,
        "first": first,
        "second": second,
        "participant": participant,
        "spare": spare,
        "entry": entry,
    }


def _gets(s) -> list[str]:
    base = f"/manage/seminars/{s['seminar'].id}"
    sid = s["first"].id
    return [
        base,
        f"{base}/sessions/new",
        f"{base}/sessions/{sid}",
        f"{base}/participants",
        f"{base}/sessions/{sid}/attendance",
        f"{base}/sessions/{sid}/check-in",
        f"{base}/sign-in-sheet",
        f"{base}/sign-in-sheet?session={sid}",
        f"{base}/attendance.csv",
    ]


def _posts(s, roster_ref: str = "x") -> list[tuple[str, dict, dict]]:
    """(url, form data, extra client arguments), in an order an admin can run them all."""
    base = f"/manage/seminars/{s['seminar'].id}"
    sid, sid2 = s["first"].id, s["second"].id
    uid = s["participant"].id
    session_form = {  # in the past, so that the sheet can be signed off next
        "date": "2026-03-02",
        "starts": "10:00",
        "ends": "13:00",
        "topic": "Hacked topic",
        "academic_hours": "3",
    }
    multipart = {"content_type": "multipart/form-data"}
    return [
        (base, {"title": "Hacked title", "language": "en"}, {}),
        (f"{base}/status", {"status": "closed"}, {}),
        (f"{base}/capacity", {"capacity": "7"}, {}),
        (f"{base}/sessions/new", session_form, {}),
        (f"{base}/sessions/{sid}", session_form, {}),
        (f"{base}/participants", {"email": s["spare"].email}, {}),
        (f"{base}/roster", _roster_file(), multipart),
        (f"{base}/roster/confirm", {"roster_ref": roster_ref}, {}),
        (f"{base}/sessions/{sid}/attendance", {f"status-{uid}": "present"}, {}),
        (f"{base}/sessions/{sid}/sign-off", {}, {}),
        (
            f"{base}/sessions/{sid}/corrections",
            {"user_id": str(uid), "status": "absent", "reason": "Was not there after all"},
            {},
        ),
        (f"{base}/participants/{s['entry'].id}/cancel", {}, {}),
        (f"{base}/sessions/{sid2}/delete", {}, {}),
    ]


def _snapshot(seminar_id: int):
    db.session.expire_all()
    seminar = db.session.get(Seminar, seminar_id)
    return (
        seminar.title,
        seminar.status,
        seminar.capacity,
        [(s.id, s.topic, s.starts_at, s.academic_hours, s.signed_off_at) for s in seminar.sessions],
        db.session.execute(
            select(Registration.user_id, Registration.status).order_by(Registration.id)
        ).all(),
        _count(Attendance),
        _count(AttendanceCorrection),
        _count(User),
    )


def _valid_roster_ref(trainer_client, seminar) -> str:
    page = trainer_client.post_form(
        f"/manage/seminars/{seminar.id}/roster",
        _roster_file(),
        content_type="multipart/form-data",
    )
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.search(r'name="roster_ref" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_another_trainer_gets_403_on_every_seminar_route(
    app, setup, login, make_user, trainer_client
):
    roster_ref = _valid_roster_ref(trainer_client, setup["seminar"])
    outsider = login(make_user("trainer"))
    before = _snapshot(setup["seminar"].id)
    for url in _gets(setup):
        assert outsider.get(url).status_code == 403, url
    for url, data, extra in _posts(setup, roster_ref):
        assert outsider.post_form(url, data, **extra).status_code == 403, url
    assert _snapshot(setup["seminar"].id) == before


def test_trainees_get_403_on_every_seminar_route(app, setup, trainee_client, trainer_client):
    roster_ref = _valid_roster_ref(trainer_client, setup["seminar"])
    before = _snapshot(setup["seminar"].id)
    for url in [*_gets(setup), "/manage/seminars/", "/manage/seminars/new"]:
        assert trainee_client.get(url).status_code == 403, url
    for url, data, extra in _posts(setup, roster_ref):
        assert trainee_client.post_form(url, data, **extra).status_code == 403, url
    assert _snapshot(setup["seminar"].id) == before


def test_strangers_are_sent_to_the_login_page(app, setup, client):
    before = _snapshot(setup["seminar"].id)
    for url in [*_gets(setup), "/manage/seminars/", "/manage/seminars/new"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    for url, data, extra in _posts(setup):
        response = client.post_form(url, data, **extra)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    assert _snapshot(setup["seminar"].id) == before


def test_a_trainer_who_owns_the_course_may_manage_a_seminar_run_by_others(
    app, make_seminar, make_user, trainer, login
):
    colleague = make_user("trainer")
    seminar = make_seminar("Colleague's seminar", trainers=[colleague])  # course owned by trainer
    assert login(trainer).get(f"/manage/seminars/{seminar.id}").status_code == 200
    assert login(colleague).get(f"/manage/seminars/{seminar.id}").status_code == 200


def test_admins_may_use_every_seminar_route(app, setup, admin_client):
    for url in _gets(setup):
        assert admin_client.get(url).status_code == 200, url
    roster_ref = _valid_roster_ref(admin_client, setup["seminar"])
    for url, data, extra in _posts(setup, roster_ref):
        response = admin_client.post_form(url, data, **extra)
        assert response.status_code in (200, 302), (url, response.get_data(as_text=True)[:2000])
    db.session.expire_all()
    seminar = db.session.get(Seminar, setup["seminar"].id)
    assert seminar.title == "Hacked title" and seminar.status == "closed"
    assert seminar.capacity == 7
    assert [s.topic for s in seminar.sessions] == ["Hacked topic", "Hacked topic"]
    # Both sessions now start at the same moment, so find the signed-off one by its id (the
    # order of equal start times is not fixed on PostgreSQL).
    assert db.session.get(SeminarSession, setup["first"].id).signed_off
    assert db.session.get(User, setup["spare"].id) is not None
    assert db.session.scalar(select(User).where(User.email == "ivan.petrov@example.kz"))
    assert _count(AttendanceCorrection) == 1


def test_unknown_ids_are_404(app, setup, admin_client, make_seminar, make_user):
    other = make_seminar("Other seminar")
    other_entry = registration.add_participant(other, make_user())
    other_session = other.sessions[0]
    base = f"/manage/seminars/{setup['seminar'].id}"
    gets = [
        f"/manage/seminars/{HUGE_ID}",
        "/manage/seminars/424242",
        "/manage/seminars/0",
        f"/manage/seminars/{HUGE_ID}/participants",
        f"{base}/sessions/{HUGE_ID}",
        f"{base}/sessions/424242/attendance",
        f"{base}/sessions/{other_session.id}",
        f"{base}/sessions/{other_session.id}/attendance",
        f"{base}/sessions/{other_session.id}/check-in",
        f"{base}/sign-in-sheet?session=424242",
        f"/seminars/{HUGE_ID}",
        "/seminars/424242",
        "/seminars/424242/calendar.ics",
        f"/seminars/{HUGE_ID}/calendar.ics",
    ]
    for url in gets:
        assert admin_client.get(url).status_code == 404, url
    posts = [
        (f"/manage/seminars/{HUGE_ID}/status", {"status": "closed"}),
        ("/manage/seminars/424242/status", {"status": "closed"}),
        ("/manage/seminars/424242/capacity", {"capacity": "3"}),
        (f"{base}/sessions/{other_session.id}/delete", {}),
        (f"{base}/sessions/{other_session.id}/sign-off", {}),
        (f"{base}/sessions/{HUGE_ID}/delete", {}),
        (f"{base}/participants/{other_entry.id}/cancel", {}),
        (f"{base}/participants/{HUGE_ID}/cancel", {}),
    ]
    for url, data in posts:
        assert admin_client.post_form(url, data).status_code == 404, url
    db.session.expire_all()
    assert db.session.get(SeminarSession, other_session.id).signed_off_at is None
    assert db.session.get(Registration, other_entry.id).status == "registered"


# --- the trainer's forms --------------------------------------------------------------------


def _new_seminar_form(course, **overrides) -> dict:
    form = {"course": str(course.id), "title": "Winter intensive", "capacity": "9"}
    form.update(language="ru", venue="Almaty, Abay 10", description="Three days of practice")
    form.update(overrides)
    return form


def _session_form(**overrides) -> dict:
    form = {"date": "2026-12-10", "starts": "10:00", "ends": "13:00"}
    form.update(topic="Negotiation practice", academic_hours="4")
    form.update(overrides)
    return form


def test_trainer_creates_a_seminar_adds_a_session_in_local_time_and_opens_it(
    app, make_course, trainer, trainer_client
):
    course = make_course("Course for the winter")
    assert trainer_client.get("/manage/seminars/new").status_code == 200
    form = _new_seminar_form(course, online_link="https://zoom.us/j/1")
    form.update(registration_opens_at="2026-11-01T09:00", registration_closes_at="2026-12-09T18:30")
    response = trainer_client.post_form("/manage/seminars/new", form)
    assert response.status_code == 302
    seminar = db.session.scalar(select(Seminar))
    assert response.headers["Location"].endswith(f"/manage/seminars/{seminar.id}/sessions/new")
    assert (seminar.title, seminar.capacity, seminar.status) == ("Winter intensive", 9, "draft")
    assert seminar.online_link == "https://zoom.us/j/1"
    assert seminar.registration_opens_at == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert seminar.registration_closes_at == datetime(2026, 12, 9, 13, 30, tzinfo=UTC)
    assert [link.user_id for link in seminar.trainer_links] == [trainer.id]

    base = f"/manage/seminars/{seminar.id}"
    refused = trainer_client.post_form(f"{base}/status", {"status": "open"}, follow_redirects=True)
    assert "Add at least one session before opening registration." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Seminar, seminar.id).status == "draft"

    response = trainer_client.post_form(
        f"{base}/sessions/new", _session_form(trainer=str(trainer.id))
    )
    assert response.status_code == 302
    session = db.session.scalar(select(SeminarSession))
    # 10:00-13:00 in Asia/Almaty (UTC+5) is 05:00-08:00 UTC.
    assert session.starts_at == datetime(2026, 12, 10, 5, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    assert session.academic_hours == Decimal("4") and session.trainer_id == trainer.id
    edit_page = trainer_client.get(f"{base}/sessions/{session.id}").get_data(as_text=True)
    assert 'value="10:00"' in edit_page and 'value="13:00"' in edit_page

    opened = trainer_client.post_form(f"{base}/status", {"status": "open"}, follow_redirects=True)
    assert "The seminar is now: Registration open." in opened.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Seminar, seminar.id).status == "open"


def test_an_unknown_status_is_a_bad_request(app, make_seminar, trainer_client):
    seminar = make_seminar()
    response = trainer_client.post_form(
        f"/manage/seminars/{seminar.id}/status", {"status": "archived"}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Seminar, seminar.id).status == "open"


@pytest.mark.parametrize("final", ["completed", "cancelled"])
def test_a_completed_or_cancelled_seminar_keeps_its_status(
    app, make_seminar, trainer_client, final
):
    seminar = make_seminar()
    base = f"/manage/seminars/{seminar.id}"
    page = trainer_client.get(base).get_data(as_text=True)
    # The buttons that end a seminar ask first (the page's script shows the question).
    assert f'value="{final}" data-confirm=' in page
    assert trainer_client.post_form(f"{base}/status", {"status": final}).status_code == 302
    response = trainer_client.post_form(f"{base}/status", {"status": "open"}, follow_redirects=True)
    assert "keeps its status" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Seminar, seminar.id).status == final


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity": "0"}, 'id="capacity-error"'),
        ({"capacity": "11"}, "A seminar group may have at most 10 participants."),
        (
            {
                "registration_opens_at": "2026-12-01T10:00",
                "registration_closes_at": "2026-11-30T10:00",
            },
            "Registration must close after it opens.",
        ),
        ({"online_link": "javascript:alert(1)"}, "The link must start with https://"),
    ],
    ids=["capacity-0", "capacity-above-group-limit", "closes-before-opens", "javascript-link"],
)
def test_bad_seminar_input_is_refused_and_nothing_saved(
    app, make_course, trainer_client, overrides, message
):
    course = make_course()
    response = trainer_client.post_form(
        "/manage/seminars/new", _new_seminar_form(course, **overrides)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(Seminar) == 0


def test_a_javascript_link_is_refused_when_editing_too(app, make_seminar, trainer_client):
    seminar = make_seminar()
    response = trainer_client.post_form(
        f"/manage/seminars/{seminar.id}",
        {"title": "Basic training", "language": "ru", "online_link": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    assert "The link must start with https://" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Seminar, seminar.id).online_link == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"starts": "13:00", "ends": "10:00"}, "A session must end after it starts."),
        ({"academic_hours": "abc"}, "Enter hours as a number"),
        ({"academic_hours": "0"}, "Academic hours must be more than 0"),
    ],
    ids=["ends-before-start", "hours-abc", "hours-0"],
)
def test_bad_session_input_is_refused_and_nothing_saved(
    app, make_seminar, trainer_client, overrides, message
):
    seminar = make_seminar(status="draft", sessions=0)
    response = trainer_client.post_form(
        f"/manage/seminars/{seminar.id}/sessions/new", _session_form(**overrides)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(SeminarSession) == 0


def test_a_bad_session_edit_changes_nothing(app, make_seminar, trainer_client):
    seminar = make_seminar()
    session = seminar.sessions[0]
    before = (session.starts_at, session.ends_at, session.topic, session.academic_hours)
    response = trainer_client.post_form(
        f"/manage/seminars/{seminar.id}/sessions/{session.id}",
        _session_form(topic="Changed", academic_hours="13"),
    )
    assert response.status_code == 400
    assert "at most 12" in response.get_data(as_text=True)
    db.session.expire_all()
    fresh = db.session.get(SeminarSession, session.id)
    assert (fresh.starts_at, fresh.ends_at, fresh.topic, fresh.academic_hours) == before


# --- the trainee's side -------------------------------------------------------------------------


def test_the_list_shows_open_seminars_but_not_drafts_or_cancelled_ones(
    app, make_seminar, trainee_client
):
    listed = make_seminar("Spring open seminar")
    draft = make_seminar("Hidden draft seminar", status="draft")
    cancelled = make_seminar("Called-off seminar", status="cancelled")
    page = trainee_client.get("/seminars/").get_data(as_text=True)
    assert "Spring open seminar" in page and f"/seminars/{listed.id}" in page
    assert "Hidden draft seminar" not in page and "Called-off seminar" not in page
    assert trainee_client.get(f"/seminars/{draft.id}").status_code == 404
    assert trainee_client.get(f"/seminars/{cancelled.id}").status_code == 404
    assert trainee_client.get(f"/seminars/{draft.id}/calendar.ics").status_code == 404
    assert trainee_client.post_form(f"/seminars/{draft.id}/register").status_code == 404
    assert _count(Registration) == 0


def test_a_trainee_registers_and_cancels(app, make_seminar, trainee, trainee_client):
    seminar = make_seminar("Basic training")
    response = trainee_client.post_form(f"/seminars/{seminar.id}/register", follow_redirects=True)
    assert "You are registered for" in response.get_data(as_text=True)
    entry = registration.find_registration(seminar, trainee)
    assert entry.status == "registered"
    page = trainee_client.get(f"/seminars/{seminar.id}").get_data(as_text=True)
    assert "Cancel registration" in page

    response = trainee_client.post_form(f"/seminars/{seminar.id}/cancel", follow_redirects=True)
    assert "Your registration is cancelled." in response.get_data(as_text=True)
    db.session.expire_all()
    assert registration.find_registration(seminar, trainee).status == "cancelled"


def test_a_trainee_without_a_registration_cannot_cancel(app, make_seminar, trainee_client):
    seminar = make_seminar()
    assert trainee_client.post_form(f"/seminars/{seminar.id}/cancel").status_code == 404


def test_a_full_seminar_puts_the_trainee_on_the_waitlist_with_their_rank(
    app, make_seminar, make_user, trainee, trainee_client
):
    seminar = make_seminar(capacity=1)
    registration.register(seminar, make_user())
    response = trainee_client.post_form(f"/seminars/{seminar.id}/register", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "The seminar is full: you are number 1 on the waitlist." in body
    assert "You are number 1 on the waitlist." in body
    assert registration.find_registration(seminar, trainee).status == "waitlisted"


def test_the_seminar_page_shows_the_trainees_attendance_and_hours(
    app, make_seminar, trainer, trainee, trainee_client
):
    seminar = make_seminar()
    registration.register(seminar, trainee)
    page = trainee_client.get(f"/seminars/{seminar.id}").get_data(as_text=True)
    assert "Attended: 0 of 8 academic hours" in page
    first, second = seminar.sessions
    attendance.save_sheet(first, {trainee.id: ("present", "")}, trainer)
    attendance.save_sheet(second, {trainee.id: ("partial", "1.5")}, trainer)
    page = trainee_client.get(f"/seminars/{seminar.id}").get_data(as_text=True)
    assert "Present (4)" in page
    assert "Partly present (1.5)" in page
    # Marked but not signed off: shown as such, not counted as attended.
    assert "Attended: 0 of 8 academic hours" in page
    assert "+5.5 h marked, not yet signed off" in page


def test_the_online_link_is_shown_only_to_registered_participants(
    app, make_seminar, make_user, login, client
):
    link = "https://meet.example.kz/room-42"
    seminar = make_seminar(capacity=1)
    seminar.online_link = link
    db.session.commit()
    seated, waiting, outsider = make_user(), make_user(), make_user()
    registration.register(seminar, seated)
    registration.register(seminar, waiting)
    url = f"/seminars/{seminar.id}"
    assert link in login(seated).get(url).get_data(as_text=True)
    assert link not in login(waiting).get(url).get_data(as_text=True)
    assert link not in login(outsider).get(url).get_data(as_text=True)
    assert link not in client.get(url).get_data(as_text=True)
    assert link not in client.get("/seminars/").get_data(as_text=True)


def test_the_sign_in_sheet_lists_seated_participants_only(
    app, make_seminar, make_user, trainer_client
):
    seminar = make_seminar(capacity=1)
    seated = make_user(full_name="Seated Person")
    waiting = make_user(full_name="Waiting Person")
    registration.add_participant(seminar, seated, organisation="Court of Astana")
    registration.add_participant(seminar, waiting)
    page = trainer_client.get(
        f"/manage/seminars/{seminar.id}/sign-in-sheet?session={seminar.sessions[0].id}"
    ).get_data(as_text=True)
    assert "Seated Person" in page and "Court of Astana" in page and "Day 1" in page
    assert "Waiting Person" not in page


# --- the calendar ---------------------------------------------------------------------------


def test_the_calendar_has_one_event_per_session_in_utc_with_stable_uids(app, make_seminar, client):
    seminar = make_seminar("Calendar seminar", sessions=2)
    url = f"/seminars/{seminar.id}/calendar.ics"
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(first.data)
    events = calendar.walk("VEVENT")
    sessions = db.session.get(Seminar, seminar.id).sessions
    assert len(events) == len(sessions) == 2
    for event, session in zip(events, sessions, strict=True):
        start = event.decoded("dtstart")
        assert start == session.starts_at and start.utcoffset().total_seconds() == 0
        assert event.decoded("dtend") == session.ends_at
        assert session.topic in str(event["summary"])
    raw = first.data.decode()
    assert f"DTSTART:{sessions[0].starts_at:%Y%m%dT%H%M%S}Z" in raw

    second = Calendar.from_ical(client.get(url).data)
    uids = [str(e["uid"]) for e in events]
    assert uids == [str(e["uid"]) for e in second.walk("VEVENT")]
    assert len(set(uids)) == 2


def test_the_calendar_gives_the_online_link_only_to_those_with_a_seat(
    app, make_seminar, make_user, client, login, trainer
):
    seminar = make_seminar("Online seminar", sessions=1)
    seminar.online_link = "https://meet.example.kz/room-41"
    seated, waiting_for_nothing = make_user(), make_user()
    registration.register(seminar, seated)
    db.session.commit()
    url = f"/seminars/{seminar.id}/calendar.ics"

    def links(response) -> list[str]:
        assert response.status_code == 200
        return [
            str(event.get("url", "")) for event in Calendar.from_ical(response.data).walk("VEVENT")
        ]

    assert links(client.get(url)) == [""]
    assert links(login(waiting_for_nothing).get(url)) == [""]
    assert links(login(seated).get(url)) == ["https://meet.example.kz/room-41"]
    assert links(login(trainer).get(url)) == ["https://meet.example.kz/room-41"]


# --- check-in ---------------------------------------------------------------------------------


@pytest.fixture
def checkin_setup(make_seminar, trainee):
    """A seminar whose first session started an hour ago (3 hours long: under way now)."""
    seminar = make_seminar("Check-in seminar", starts_in=-timedelta(hours=1))
    registration.register(seminar, trainee)
    return seminar, seminar.sessions[0]


def _marks() -> list[Attendance]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attendance)))


def test_the_trainers_check_in_page_shows_a_qr_code_and_the_link(
    app, checkin_setup, trainer_client
):
    seminar, session = checkin_setup
    page = trainer_client.get(
        f"/manage/seminars/{seminar.id}/sessions/{session.id}/check-in"
    ).get_data(as_text=True)
    assert "<svg" in page
    match = re.search(r'href="(http://localhost/seminars/check-in/[^"]+)"', page)
    assert match
    assert checkin.session_for(match.group(1).rsplit("/", 1)[1]).id == session.id


def test_a_participant_checks_in_with_the_code(app, checkin_setup, trainee, trainee_client):
    seminar, session = checkin_setup
    url = f"/seminars/check-in/{checkin.make_token(session)}"
    confirm = trainee_client.get(url)
    assert confirm.status_code == 200
    assert "I am here" in confirm.get_data(as_text=True)
    assert _marks() == []

    response = trainee_client.post_form(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/seminars/{seminar.id}")
    [mark] = _marks()
    assert (mark.session_id, mark.user_id, mark.status) == (session.id, trainee.id, "present")
    assert mark.hours == Decimal("4") and mark.self_checked_in is True
    assert mark.marked_by_id == trainee.id


def test_an_expired_check_in_code_is_refused(app, checkin_setup, trainee_client, monkeypatch):
    _, session = checkin_setup
    with monkeypatch.context() as patch:
        eleven_minutes_ago = int(time.time()) - 11 * 60
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: eleven_minutes_ago)
        token = checkin.make_token(session)
    url = f"/seminars/check-in/{token}"
    response = trainee_client.get(url)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    response = trainee_client.post_form(url)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert _marks() == []


def test_a_check_in_code_expires_after_the_configured_minutes(
    app, checkin_setup, trainee_client, monkeypatch
):
    _, session = checkin_setup
    with monkeypatch.context() as patch:
        a_minute_and_a_second_ago = int(time.time()) - 61
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: a_minute_and_a_second_ago)
        token = checkin.make_token(session)
    app.config["CHECKIN_TOKEN_MINUTES"] = 1  # the default 10 would still accept it
    response = trainee_client.post_form(f"/seminars/check-in/{token}")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert _marks() == []


@pytest.mark.parametrize("kind", ["other-key", "garbage", "not-a-dict"])
def test_a_forged_check_in_code_is_refused(app, checkin_setup, trainee_client, kind):
    from seminars.checkin import SALT

    _, session = checkin_setup
    token = {
        "other-key": URLSafeTimedSerializer("not the secret", salt=SALT).dumps(
            {"session": session.id}
        ),
        "garbage": "not-a-check-in-code",
        "not-a-dict": URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT).dumps(
            [session.id]
        ),
    }[kind]
    for response in (
        trainee_client.get(f"/seminars/check-in/{token}"),
        trainee_client.post_form(f"/seminars/check-in/{token}"),
    ):
        assert response.status_code == 400
        assert "not a valid" in response.get_data(as_text=True)
    assert _marks() == []


def test_a_code_of_another_seminar_is_refused_for_a_non_participant(
    app, checkin_setup, make_seminar, trainee_client
):
    foreign = make_seminar("Foreign seminar", starts_in=-timedelta(hours=1))
    url = f"/seminars/check-in/{checkin.make_token(foreign.sessions[0])}"
    response = trainee_client.post_form(url)
    assert response.status_code == 400
    assert "not a participant" in response.get_data(as_text=True)
    assert _marks() == []


def test_a_waitlisted_trainee_cannot_check_in(app, make_seminar, make_user, trainee, login):
    seminar = make_seminar(capacity=1, starts_in=-timedelta(hours=1))
    registration.register(seminar, make_user())
    registration.register(seminar, trainee)  # waitlisted
    url = f"/seminars/check-in/{checkin.make_token(seminar.sessions[0])}"
    response = login(trainee).post_form(url)
    assert response.status_code == 400
    assert "not a participant" in response.get_data(as_text=True)
    assert _marks() == []


def test_checking_in_after_sign_off_is_refused(
    app, checkin_setup, trainer, trainee, trainee_client
):
    _, session = checkin_setup
    attendance.sign_off(session, trainer, now=session.ends_at)
    response = trainee_client.post_form(f"/seminars/check-in/{checkin.make_token(session)}")
    assert response.status_code == 400
    assert "signed off" in response.get_data(as_text=True)
    [mark] = _marks()
    assert (mark.user_id, mark.status, mark.self_checked_in) == (trainee.id, "absent", False)


def test_a_stranger_following_a_check_in_code_is_sent_to_login(app, checkin_setup, client):
    _, session = checkin_setup
    response = client.get(f"/seminars/check-in/{checkin.make_token(session)}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _marks() == []


# --- the check-in window and sign-off of sessions still to come (issue 14) ----------------------


def test_check_in_is_open_from_the_configured_minutes_before_the_start_until_the_end(
    app, make_seminar, trainee
):
    seminar = make_seminar("Window seminar")  # its first session starts in 3 days
    registration.register(seminar, trainee)
    session = seminar.sessions[0]
    token = checkin.make_token(session)
    early = timedelta(minutes=app.config["CHECKIN_OPENS_MINUTES"])
    assert checkin.window(session) == (session.starts_at - early, session.ends_at)
    for moment in (session.starts_at - early - timedelta(seconds=1), session.ends_at):
        with pytest.raises(ServiceError, match=r"Check-in for this session (opens|closed) at"):
            checkin.check_in(token, trainee, now=moment)
        db.session.rollback()
    assert _marks() == []
    checkin.check_in(token, trainee, now=session.starts_at - early)
    [mark] = _marks()
    assert (mark.user_id, mark.status, mark.marked_at) == (
        trainee.id,
        "present",
        session.starts_at - early,
    )


def test_a_check_in_before_the_window_says_when_it_opens(
    app, make_seminar, trainee, trainee_client
):
    app.config["CHECKIN_OPENS_MINUTES"] = 45
    seminar = make_seminar("Future seminar", starts_in=timedelta(days=22))
    registration.register(seminar, trainee)
    url = f"/seminars/check-in/{checkin.make_token(seminar.sessions[0])}"
    opens = format_short_datetime(checkin.window(seminar.sessions[0])[0])
    page = trainee_client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"Check-in for this session opens at {opens}, 45 minutes before it starts." in text
    assert "I am here" not in text
    response = trainee_client.post_form(url)
    assert response.status_code == 400
    assert f"opens at {opens}" in response.get_data(as_text=True)
    assert _marks() == []


def test_a_check_in_after_the_session_ended_is_refused(app, make_seminar, trainee, trainee_client):
    seminar = make_seminar("Past seminar", starts_in=-timedelta(days=2))
    registration.register(seminar, trainee)
    response = trainee_client.post_form(
        f"/seminars/check-in/{checkin.make_token(seminar.sessions[0])}"
    )
    assert response.status_code == 400
    assert "Check-in for this session closed at" in response.get_data(as_text=True)
    assert _marks() == []


def test_the_trainers_check_in_page_says_the_window(app, make_seminar, trainer_client):
    seminar = make_seminar("Future seminar")
    session = seminar.sessions[0]
    opens, closes = (format_short_datetime(moment) for moment in checkin.window(session))
    page = trainer_client.get(
        f"/manage/seminars/{seminar.id}/sessions/{session.id}/check-in"
    ).get_data(as_text=True)
    assert f"Check-in is open from {opens} to {closes}." in page
    assert "Check-in for this session opens at" in page  # not yet: the trainer is told


def test_a_session_still_to_come_cannot_be_signed_off(
    app, make_seminar, trainee, trainer, trainer_client
):
    seminar = make_seminar("Future seminar")
    registration.register(seminar, trainee)
    session = seminar.sessions[0]
    base = f"/manage/seminars/{seminar.id}/sessions/{session.id}"
    sheet = trainer_client.get(f"{base}/attendance").get_data(as_text=True)
    assert "its attendance can be signed off after that" in sheet
    assert "Sign off attendance" not in sheet
    response = trainer_client.post_form(f"{base}/sign-off", follow_redirects=True)
    assert "its attendance can be signed off after that" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(SeminarSession, session.id).signed_off
    assert _marks() == []
    # Nor while it is under way; from its end it can.
    with pytest.raises(ServiceError, match="can be signed off after that"):
        attendance.sign_off(session, trainer, now=session.ends_at - timedelta(seconds=1))
    attendance.sign_off(session, trainer, now=session.ends_at)
    assert db.session.get(SeminarSession, session.id).signed_off_at == session.ends_at


def test_seats_above_the_configured_group_size_are_refused(app, make_seminar, trainer_client):
    seminar = make_seminar("Small group", capacity=8)
    url = f"/manage/seminars/{seminar.id}/capacity"
    response = trainer_client.post_form(url, {"capacity": "16"})
    assert response.status_code == 400
    assert "A seminar group may have at most 10 participants." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Seminar, seminar.id).capacity == 8
    app.config["SEMINAR_MAX_CAPACITY"] = 16
    assert trainer_client.post_form(url, {"capacity": "16"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Seminar, seminar.id).capacity == 16
