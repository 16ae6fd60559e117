"""Seminar registration: seats, waitlist order, promotion, and capacity under concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from seminars import registration
from seminars.models import Registration, Seminar


def _statuses(seminar):
    rows = db.session.execute(
        select(Registration.user_id, Registration.status, Registration.waitlist_position)
        .where(Registration.seminar_id == seminar.id)
        .order_by(Registration.id)
    ).all()
    return rows


def test_seats_then_waitlist_then_promotion_in_order(app, make_seminar, make_user):
    seminar = make_seminar(capacity=2)
    people = [make_user() for _ in range(4)]
    results = [registration.register(seminar, person) for person in people]
    assert [r.status for r in results] == ["registered", "registered", "waitlisted", "waitlisted"]
    assert [registration.waitlist_rank(r) for r in results] == [None, None, 1, 2]

    promoted = registration.cancel(results[0])
    assert [r.user_id for r in promoted] == [people[2].id]
    db.session.expire_all()
    assert results[2].status == "registered"
    assert registration.waitlist_rank(results[3]) == 1
    with pytest.raises(ServiceError, match="already cancelled"):
        registration.cancel(results[0])


def test_registering_twice_keeps_one_registration(app, make_seminar, trainee):
    seminar = make_seminar()
    first = registration.register(seminar, trainee)
    again = registration.register(seminar, trainee)
    assert first.id == again.id
    assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_a_cancelled_trainee_can_register_again_at_the_back(app, make_seminar, make_user):
    seminar = make_seminar(capacity=1)
    first, second = make_user(), make_user()
    mine = registration.register(seminar, first)
    registration.register(seminar, second)  # waitlisted
    registration.cancel(mine)  # second is promoted
    again = registration.register(seminar, first)
    assert again.id == mine.id and again.status == "waitlisted"


@pytest.mark.parametrize("status", ["draft", "closed", "completed", "cancelled"])
def test_registration_only_while_open(app, make_seminar, trainee, status):
    seminar = make_seminar(status=status)
    with pytest.raises(ServiceError, match="not open"):
        registration.register(seminar, trainee)


def test_registration_window(app, make_seminar, trainee):
    from datetime import timedelta

    from lms.database import utcnow

    seminar = make_seminar()
    seminar.registration_opens_at = utcnow() + timedelta(days=1)
    db.session.commit()
    with pytest.raises(ServiceError, match="not opened yet"):
        registration.register(seminar, trainee)
    seminar.registration_opens_at = utcnow() - timedelta(days=2)
    seminar.registration_closes_at = utcnow() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(ServiceError, match="has closed"):
        registration.register(seminar, trainee)


def test_more_capacity_promotes_and_less_than_taken_is_refused(app, make_seminar, make_user):
    seminar = make_seminar(capacity=1)
    entries = [registration.register(seminar, make_user()) for _ in range(3)]
    promoted = registration.change_capacity(seminar, 2)
    assert [r.id for r in promoted] == [entries[1].id]
    with pytest.raises(ServiceError, match="already hold a seat"):
        registration.change_capacity(seminar, 1)
    assert registration.counts([seminar.id]) == {seminar.id: {"seats": 2, "waiting": 1}}


def test_fifty_simultaneous_registrations_for_ten_seats(app, make_seminar, make_user):
    """Exactly 10 get a seat and 40 wait, numbered 1..40 without gaps or repeats."""
    seminar = make_seminar(capacity=10)
    user_ids = [make_user().id for _ in range(50)]
    seminar_id = seminar.id
    barrier = threading.Barrier(len(user_ids))
    errors: list[BaseException] = []

    def register(user_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)  # all start together, none holding a connection yet
                target = db.session.get(Seminar, seminar_id)
                person = db.session.get(User, user_id)
                registration.register(target, person)
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    db.session.expire_all()
    rows = _statuses(seminar)
    assert len(rows) == 50
    assert sum(1 for _, status, _ in rows if status == "registered") == 10
    positions = sorted(pos for _, status, pos in rows if status == "waitlisted")
    assert positions == list(range(1, 41))
    # Cancelling promotes the first in line, in order.
    first_waiting = min((pos, uid) for uid, status, pos in rows if status == "waitlisted")[1]
    a_seat = db.session.scalar(
        select(Registration).where(
            Registration.seminar_id == seminar_id, Registration.status == "registered"
        )
    )
    promoted = registration.cancel(a_seat)
    assert [r.user_id for r in promoted] == [first_waiting]


def test_who_holds_a_seat_has_one_answer(app, make_seminar, make_user, trainer):
    from seminars.registration import holds_a_seat, participants, seminars_of

    seminar = make_seminar("Small", capacity=1)
    other = make_seminar("Other")
    seated, waiting, gone = make_user(), make_user(), make_user()
    registration.add_participant(seminar, seated)
    registration.add_participant(seminar, waiting)  # full: waitlisted
    registration.cancel(registration.add_participant(other, gone))
    registration.add_participant(other, seated)
    assert [r.user_id for r in participants(seminar)] == [seated.id]
    assert holds_a_seat(seated, seminar) and holds_a_seat(seated, other)
    assert not holds_a_seat(waiting, seminar) and not holds_a_seat(gone, other)
    assert [s.id for s in seminars_of(seated)] == [other.id, seminar.id]
    assert seminars_of(waiting) == [] and seminars_of(gone) == []
