"""The staff dashboard's "Seminars you run": seminars not over yet, their seats, the next
session, and the attendance sheets of past sessions that still wait for sign-off."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from courses import attendance, registration, seminars
from lms.database import utcnow


def test_a_trainer_without_seminars_is_shown_how_to_start(app, trainer_client):
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert "Seminars you run" in page and "You run no seminar yet." in page
    assert 'href="/manage/seminars/new"' in page


def test_past_sheets_wait_for_sign_off_and_the_next_session_is_shown(
    app, make_seminar, make_user, trainer, trainer_client
):
    seminar = make_seminar("Spring training", capacity=8)
    registration.register(seminar, make_user())
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    past = seminars.add_session(
        seminar,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        topic="Opening day",
        academic_hours=Decimal("4"),
        trainer=trainer,
    )
    over = make_seminar("Finished training")
    seminars.set_status(over, "completed")
    someone_elses = make_seminar("Not mine", trainers=[make_user("trainer")])

    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert f'href="/manage/seminars/{seminar.id}">Spring training</a>' in page
    assert "Seats: 1/8" in page
    assert "Next session" in page
    sheet = f"/manage/seminars/{seminar.id}/sessions/{past.id}/attendance"
    assert "Attendance to sign off" in page and f'href="{sheet}"' in page
    for hidden in (over, someone_elses):
        assert f'href="/manage/seminars/{hidden.id}"' not in page

    attendance.sign_off(past, trainer)
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert "Spring training" in page and sheet not in page


def test_trainees_do_not_see_the_panel(app, trainee_client):
    assert "Seminars you run" not in trainee_client.get("/dashboard").get_data(as_text=True)
