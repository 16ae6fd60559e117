"""``registration_promoted``: sent after the commit, once per waitlisted registration that gets
a seat (a cancellation frees one, or the capacity is raised); never for refused work."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.service_error import ServiceError
from seminars import registration
from seminars.models import Registration
from seminars.signals import registration_promoted


@pytest.fixture
def received(app):
    calls = []

    def receiver(sender, **kwargs):
        # Sent after the commit: a fresh session sees the promotion already.
        db.session.expire_all()
        status = db.session.get(Registration, kwargs["registration"].id).status
        calls.append((sender, kwargs, status))

    registration_promoted.connect(receiver)
    yield calls
    registration_promoted.disconnect(receiver)


@pytest.fixture
def full(make_seminar, make_user):
    seminar = make_seminar("Full", capacity=1)
    seated, first, second = make_user(), make_user(), make_user()
    entries = [registration.add_participant(seminar, person) for person in (seated, first, second)]
    return seminar, entries


def test_a_cancellation_promotes_the_first_waiting_once(app, full, received):
    seminar, (seated, first, _second) = full
    registration.cancel(seated)
    assert len(received) == 1
    sender, kwargs, status = received[0]
    assert sender is app and status == "registered"
    assert kwargs["registration"].id == first.id and kwargs["seminar"].id == seminar.id


def test_raising_the_capacity_sends_one_per_promotion(app, full, received):
    seminar, (_seated, first, second) = full
    registration.change_capacity(seminar, 3)
    assert [kwargs["registration"].id for _, kwargs, _ in received] == [first.id, second.id]
    registration.change_capacity(seminar, 4)  # nobody waits any more
    assert len(received) == 2


def test_refused_or_promotion_free_work_sends_nothing(app, full, received):
    seminar, (_seated, _first, second) = full
    with pytest.raises(ServiceError):
        registration.change_capacity(seminar, 0)
    registration.cancel(second)  # a waiting registration frees no seat
    with pytest.raises(ServiceError):
        registration.cancel(second)  # already cancelled
    assert received == []


def test_the_participants_page_cancel_sends_it_through_http(app, full, received, login, trainer):
    seminar, (seated, first, _second) = full
    response = login(trainer).post_form(
        f"/manage/seminars/{seminar.id}/participants/{seated.id}/cancel"
    )
    assert response.status_code == 302
    assert [kwargs["registration"].id for _, kwargs, _ in received] == [first.id]


# --- registration_created and registration_cancelled ------------------------------------------


@pytest.fixture
def events(app):
    """Every created / cancelled / promoted send, in order, with the status committed then."""
    from seminars.signals import registration_cancelled, registration_created

    calls = []

    def receiver_for(name):
        def receiver(sender, **kwargs):
            # Ids only: the request's session is gone by the time the test reads them.
            db.session.expire_all()
            entry = db.session.get(Registration, kwargs["registration"].id)
            by = kwargs.get("by")
            calls.append(
                {
                    "name": name,
                    "sender": sender,
                    "registration": entry.id,
                    "user": entry.user_id,
                    "seminar": kwargs["seminar"].id,
                    "by": by.id if by is not None else None,
                    "status": entry.status,
                }
            )

        return receiver

    receivers = {
        registration_created: receiver_for("created"),
        registration_cancelled: receiver_for("cancelled"),
        registration_promoted: receiver_for("promoted"),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    yield calls
    for signal, receiver in receivers.items():
        signal.disconnect(receiver)


def test_registering_through_http_sends_created_once_with_the_status(
    app, make_seminar, make_user, login, events
):
    seminar = make_seminar("Small", capacity=1)
    first, second = make_user(), make_user()
    for person in (first, second):
        assert login(person).post_form(f"/seminars/{seminar.id}/register").status_code == 302
    login(first).post_form(f"/seminars/{seminar.id}/register")  # already registered: nothing
    assert [(e["name"], e["status"]) for e in events] == [
        ("created", "registered"),
        ("created", "waitlisted"),
    ]
    assert events[0]["sender"] is app and events[0]["seminar"] == seminar.id
    assert [e["user"] for e in events] == [first.id, second.id]


def test_a_refused_registration_sends_nothing(app, make_seminar, trainee, login, events):
    seminar = make_seminar("Closed", status="closed")
    login(trainee).post_form(f"/seminars/{seminar.id}/register")
    assert events == []


def test_a_roster_import_announces_each_new_registration_after_its_commit(
    app, make_seminar, make_user, trainer, events
):
    from seminars import roster

    seminar = make_seminar("Roster", capacity=1)
    known = make_user(email="known@example.kz")
    registration.add_participant(seminar, known)
    events.clear()
    data = "full_name,email\nАйгүл Серікова,aigul@example.kz\nKnown Person,known@example.kz\n"
    result = roster.apply_roster(seminar, roster.parse_roster(data.encode()), trainer)
    assert (result.added, result.waitlisted, result.already) == (0, 1, 1)
    assert [(e["name"], e["status"]) for e in events] == [("created", "waitlisted")]


def test_cancelling_sends_who_did_it_then_the_promotion(app, full, events, login, trainer):
    seminar, (seated, first, second) = full
    trainee = second.user
    login(trainee).post_form(f"/seminars/{seminar.id}/cancel")
    login(trainer).post_form(f"/manage/seminars/{seminar.id}/participants/{seated.id}/cancel")
    summary = [(e["name"], e["registration"], e["by"], e["status"]) for e in events]
    assert summary == [
        ("cancelled", second.id, trainee.id, "cancelled"),
        ("cancelled", seated.id, trainer.id, "cancelled"),
        ("promoted", first.id, None, "registered"),
    ]


def test_a_refused_cancellation_sends_nothing(app, full, events):
    _seminar, (_seated, _first, second) = full
    registration.cancel(second)
    events.clear()
    with pytest.raises(ServiceError):
        registration.cancel(second)
    assert events == []
