"""Seats under a race (issue 18, "not yet tried"): two cancellations racing three new
registrations, each in its own thread with its own database connection, on SQLite and
PostgreSQL. The freed seats go to those already waiting, first come first served; the new
registrants queue behind them; the seminar is never over capacity."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import User
from seminars import registration
from seminars.models import Registration, Seminar


def _rows(seminar_id: int) -> dict[int, tuple[str, int | None]]:
    db.session.expire_all()
    return {
        r.user_id: (r.status, r.waitlist_position)
        for r in db.session.scalars(
            select(Registration).where(Registration.seminar_id == seminar_id)
        )
    }


@pytest.mark.parametrize("round_", range(3))
def test_two_cancellations_racing_three_registrations(app, make_seminar, make_user, round_):
    seminar = make_seminar(capacity=2)
    seated = [registration.register(seminar, make_user()) for _ in range(2)]
    waiting = [registration.register(seminar, make_user()).user_id for _ in range(2)]
    newcomers = [make_user().id for _ in range(3)]
    seminar_id = seminar.id
    seated_ids = [entry.id for entry in seated]
    before = _rows(seminar_id)
    assert sorted(uid for uid, (status, _) in before.items() if status == "waitlisted") == sorted(
        waiting
    )
    assert sum(status == "registered" for status, _ in before.values()) == 2

    barrier = threading.Barrier(5)
    errors: list[BaseException] = []

    def in_own_connection(work) -> None:
        with app.app_context():  # a session of its own: its own connection from the pool
            try:
                barrier.wait(timeout=30)
                work()
            except BaseException as error:  # reported in the test's thread
                errors.append(error)
            finally:
                db.session.remove()

    def cancel(entry_id: int):
        return lambda: registration.cancel(db.session.get(Registration, entry_id))

    def register(user_id: int):
        return lambda: registration.register(
            db.session.get(Seminar, seminar_id), db.session.get(User, user_id)
        )

    work = [cancel(entry_id) for entry_id in seated_ids] + [register(uid) for uid in newcomers]
    threads = [threading.Thread(target=in_own_connection, args=(w,)) for w in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]

    rows = _rows(seminar_id)
    holding = sorted(uid for uid, (status, _) in rows.items() if status == "registered")
    assert holding == sorted(waiting)  # first come (already waiting), first served
    assert len(holding) <= seminar.capacity
    queued = {uid: position for uid, (status, position) in rows.items() if status == "waitlisted"}
    assert set(queued) == set(newcomers)
    # In line in the order they came (numbering goes on from the last place taken): no gap,
    # no repeat.
    positions = sorted(queued.values())
    assert positions == list(range(positions[0], positions[0] + 3))
    assert registration.counts([seminar_id]) == {seminar_id: {"seats": 2, "waiting": 3}}
