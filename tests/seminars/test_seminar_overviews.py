"""Overviews of many seminars: the staff dashboard's "Seminars you run" (seminars not over
yet, their seats, the next session, the sheets of past sessions still waiting for sign-off),
and the paged lists for trainers and for everyone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from lms.database import utcnow
from seminars import attendance, authoring, registration


def test_a_trainer_without_seminars_is_shown_how_to_start(app, trainer_client):
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert "Seminars you run" in page and "You run no seminar yet." in page
    assert 'href="/manage/seminars/new"' in page


def test_past_sheets_wait_for_sign_off_and_the_next_session_is_shown(
    app, make_course, make_seminar, make_user, trainer, trainer_client
):
    seminar = make_seminar("Spring training", capacity=8)
    registration.register(seminar, make_user())
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    past = authoring.add_session(
        seminar,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        topic="Opening day",
        academic_hours=Decimal("4"),
        trainer=trainer,
    )
    over = make_seminar("Finished training")
    authoring.set_status(over, "completed")
    colleague = make_user("trainer")
    someone_elses = make_seminar(
        "Not mine", trainers=[colleague], course=make_course("Their course", owner=colleague)
    )

    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert f'href="/manage/seminars/{seminar.id}">Spring training</a>' in page
    assert "1 of 8 seats taken" in page
    assert "Next session" in page
    sheet = f"/manage/seminars/{seminar.id}/sessions/{past.id}/attendance"
    assert "Attendance to sign off:" in page and f'href="{sheet}"' in page
    for hidden in (over, someone_elses):
        assert f'href="/manage/seminars/{hidden.id}"' not in page

    # Completing the seminar does not hide a sheet still to sign off.
    authoring.set_status(seminar, "completed")
    assert f'href="{sheet}"' in trainer_client.get("/dashboard").get_data(as_text=True)
    attendance.sign_off(past, trainer)
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert sheet not in page and f'href="/manage/seminars/{seminar.id}"' not in page


def test_trainees_do_not_see_the_panel(app, trainee_client):
    assert "Seminars you run" not in trainee_client.get("/dashboard").get_data(as_text=True)


def test_long_seminar_lists_are_paged(app, make_seminar, make_course, trainer_client, client):
    course = make_course("Shared course")
    made = [make_seminar(f"Seminar {n:02d}", course=course, sessions=1) for n in range(27)]
    manage_first = trainer_client.get("/manage/seminars/").get_data(as_text=True)
    manage_second = trainer_client.get("/manage/seminars/?page=2").get_data(as_text=True)
    newest_first = [s.title for s in reversed(made)]
    assert [t for t in newest_first if f">{t}</a>" in manage_first] == newest_first[:25]
    assert [t for t in newest_first if f">{t}</a>" in manage_second] == newest_first[25:]
    assert 'href="/manage/seminars/?page=2"' in manage_first

    public_first = client.get("/seminars/").get_data(as_text=True)
    public_third = client.get("/seminars/?page=3").get_data(as_text=True)
    titles = [s.title for s in made]
    assert [t for t in titles if f">{t}</a>" in public_first] == titles[:12]
    assert [t for t in titles if f">{t}</a>" in public_third] == titles[24:]


def test_the_certificate_seminar_list_is_paged_too(app, make_seminar, make_course, trainer_client):
    course = make_course("Course with many seminars")
    made = [make_seminar(f"Run {n:02d}", course=course, sessions=1) for n in range(26)]
    first = trainer_client.get("/manage/certificates/seminars/").get_data(as_text=True)
    second = trainer_client.get("/manage/certificates/seminars/?page=2").get_data(as_text=True)
    newest_first = [s.title for s in reversed(made)]
    assert [t for t in newest_first if f">{t}</a>" in first] == newest_first[:25]
    assert [t for t in newest_first if f">{t}</a>" in second] == newest_first[25:]


def test_my_seminars_come_newest_first_with_their_next_session_in_one_statement(
    app, make_seminar, make_user, count_queries
):
    """The trainee's card: each active registration's seminar, status and next session (the
    first not over; none when all are), read together, however many sessions there are."""
    from seminars.dashboard import seminars_panel

    trainee = make_user()
    over = make_seminar("Over", starts_in=timedelta(days=-10))
    registration.register(over, trainee)
    running = make_seminar("Running", sessions=3, starts_in=timedelta(days=-1))
    registration.register(running, trainee)
    full = make_seminar("Full", capacity=1)
    registration.register(full, make_user())
    registration.register(full, trainee)
    left = make_seminar("Left")
    registration.cancel(registration.register(left, trainee))

    # On the dashboard the user and the courses are read already (the signed-in user, the
    # learning card), and these courses need no translation: the card's own statement alone.
    assert trainee.role and all(s.course.language for s in (over, running, full))
    with app.test_request_context(), count_queries() as counted:
        rows = seminars_panel(trainee)["rows"]
    assert counted.n == 1
    assert [(row.seminar, row.status) for row in rows] == [
        (full, "waitlisted"),
        (running, "registered"),
        (over, "registered"),
    ]
    assert rows[0].status_label == "On the waitlist"
    first = full.sessions[0]
    assert (rows[0].next.starts_at, rows[0].next.ends_at) == (first.starts_at, first.ends_at)
    second = running.sessions[1]  # the first ended yesterday; the second has not ended yet
    assert (rows[1].next.starts_at, rows[1].next.ends_at) == (second.starts_at, second.ends_at)
    assert rows[2].next is None
