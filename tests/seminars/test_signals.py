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
