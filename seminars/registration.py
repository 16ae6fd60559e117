"""Seminar registration: seats, the waitlist and promotion, safe under concurrent requests.

Every decision that depends on how many seats are taken runs after ``lock_seminar``: an
UPDATE of the seminar's own row, which takes PostgreSQL's row lock and SQLite's write lock,
so decisions for one seminar happen one at a time until the transaction commits.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from seminars.authoring import check_capacity
from seminars.models import Registration, RegistrationStatus, Seminar, SeminarStatus
from seminars.signals import (
    registration_cancelled,
    registration_created,
    registration_promoted,
)

HOLDS_A_SEAT = (RegistrationStatus.REGISTERED.value, RegistrationStatus.ATTENDED.value)
ACTIVE = (*HOLDS_A_SEAT, RegistrationStatus.WAITLISTED.value)


def _seated() -> ColumnElement[bool]:
    """SQL: the registration holds a seat (registered or attended; not waiting, not cancelled)."""
    return Registration.status.in_(HOLDS_A_SEAT)


def participants(seminar: Seminar) -> list[Registration]:
    """Everyone holding a seat, by name (one query, users loaded with them)."""
    return list(
        db.session.scalars(
            select(Registration)
            .join(User, Registration.user_id == User.id)
            .where(Registration.seminar_id == seminar.id, _seated())
            .options(joinedload(Registration.user))
            .order_by(User.full_name, User.id)
        )
    )


def registrations_of(seminar: Seminar) -> list[Registration]:
    """Every registration of the seminar (any status), seats first, then the waitlist in order."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.seminar_id == seminar.id)
            .options(joinedload(Registration.user))
            .order_by(Registration.status, Registration.waitlist_position, Registration.id)
        )
    )


def registrations_by_seminar(user: User) -> dict[int, Registration]:
    """``user``'s registrations (any status) by seminar id."""
    query = select(Registration).where(Registration.user_id == user.id)
    return {entry.seminar_id: entry for entry in db.session.scalars(query)}


def holds_a_seat(user: User, seminar: Seminar) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Registration.seminar_id == seminar.id,
                    Registration.user_id == user.id,
                    _seated(),
                )
            )
        )
    )


def seminars_of(user: User) -> list[Seminar]:
    """The seminars ``user`` holds a seat in, the newest first (sessions loaded with them)."""
    return list(
        db.session.scalars(
            select(Seminar)
            .join(Registration, Registration.seminar_id == Seminar.id)
            .where(Registration.user_id == user.id, _seated())
            .options(selectinload(Seminar.sessions))
            .order_by(Seminar.id.desc())
        )
    )


def lock_seminar(seminar_id: int) -> Seminar:
    """Serialise capacity decisions for one seminar until the current transaction ends."""
    db.session.execute(
        update(Seminar).where(Seminar.id == seminar_id).values(capacity=Seminar.capacity)
    )
    seminar = db.session.get(Seminar, seminar_id, populate_existing=True)
    if seminar is None:
        raise ServiceError(_l("This seminar no longer exists."))
    return seminar


def registration_problem(seminar: Seminar, now: datetime | None = None) -> str | None:
    """Why a trainee cannot register themselves now, or None if they can."""
    now = now or utcnow()
    if seminar.status != SeminarStatus.OPEN:
        return _l("Registration for this seminar is not open.")
    if seminar.registration_opens_at and now < seminar.registration_opens_at:
        return _l("Registration has not opened yet.")
    if seminar.registration_closes_at and now > seminar.registration_closes_at:
        return _l("Registration has closed.")
    return None


def seats_taken(seminar_id: int) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(Registration.seminar_id == seminar_id, _seated())
    )


def _next_waitlist_position(seminar_id: int) -> int:
    last = db.session.scalar(
        select(func.max(Registration.waitlist_position)).where(
            Registration.seminar_id == seminar_id
        )
    )
    return (last or 0) + 1


def find_registration(seminar: Seminar, user: User) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.seminar_id == seminar.id, Registration.user_id == user.id
        )
    )


def _place(seminar: Seminar, user: User, organisation: str) -> tuple[Registration, bool]:
    """Give ``user`` a seat, or the next place on the waitlist (the seminar is locked); the
    flag says whether this made a registration (False: one was already active)."""
    registration = find_registration(seminar, user)
    if registration is not None and registration.status in ACTIVE:
        return registration, False
    if seats_taken(seminar.id) < seminar.capacity:
        status, position = RegistrationStatus.REGISTERED.value, None
    else:
        status, position = RegistrationStatus.WAITLISTED.value, _next_waitlist_position(seminar.id)
    if registration is None:
        registration = Registration(seminar_id=seminar.id, user_id=user.id)
        db.session.add(registration)
    registration.status, registration.waitlist_position = status, position
    registration.organisation = (organisation or registration.organisation or "")[:200]
    registration.registered_at = utcnow()
    db.session.flush()
    return registration, True


def announce_created(seminar: Seminar, registrations: list[Registration]) -> None:
    """After the commit: one ``registration_created`` per registration made (a seat or the
    waitlist). Callers that add participants without committing call it after their commit."""
    app = current_app._get_current_object()
    for registration in registrations:
        registration_created.send(app, registration=registration, seminar=seminar)


def register(seminar: Seminar, user: User, *, organisation: str = "") -> Registration:
    """A trainee registers themselves: a seat if one is free, else the waitlist."""
    problem = registration_problem(seminar)
    if problem:
        raise ServiceError(problem)
    seminar = lock_seminar(seminar.id)
    problem = registration_problem(seminar)  # it may have closed while we waited
    if problem:
        db.session.rollback()
        raise ServiceError(problem)
    registration, made = _place(seminar, user, organisation)
    db.session.commit()
    if made:
        announce_created(seminar, [registration])
    return registration


def add_participant(
    seminar: Seminar, user: User, *, organisation: str = "", commit: bool = True
) -> Registration:
    """A trainer adds someone by hand, whatever the registration dates; capacity still holds.
    With ``commit=False`` the caller commits and then calls ``announce_created``."""
    seminar = lock_seminar(seminar.id)
    registration, made = _place(seminar, user, organisation)
    if commit:
        db.session.commit()
        if made:
            announce_created(seminar, [registration])
    return registration


def _promote(seminar: Seminar) -> list[Registration]:
    """Fill free seats from the head of the waitlist (the seminar is locked)."""
    promoted = []
    free = seminar.capacity - seats_taken(seminar.id)
    if free <= 0:
        return promoted
    waiting = db.session.scalars(
        select(Registration)
        .where(
            Registration.seminar_id == seminar.id,
            Registration.status == RegistrationStatus.WAITLISTED.value,
        )
        .order_by(Registration.waitlist_position)
        .limit(free)
    )
    for registration in waiting:
        registration.status = RegistrationStatus.REGISTERED.value
        registration.waitlist_position = None
        promoted.append(registration)
    db.session.flush()
    return promoted


def _announce(seminar: Seminar, promoted: list[Registration]) -> None:
    """Tell subscribers about each promotion (called after the commit)."""
    app = current_app._get_current_object()
    for registration in promoted:
        registration_promoted.send(app, registration=registration, seminar=seminar)


def cancel(registration: Registration, *, by: User | None = None) -> list[Registration]:
    """Cancel a registration (``by``: who did it, the trainee or staff); a freed seat goes to
    the first on the waitlist (returned)."""
    seminar = lock_seminar(registration.seminar_id)
    db.session.refresh(registration)
    if registration.status not in ACTIVE:
        db.session.rollback()
        raise ServiceError(_l("This registration is already cancelled."))
    if registration.status == RegistrationStatus.ATTENDED:
        db.session.rollback()
        raise ServiceError(
            _l("Attendance has been recorded; the registration cannot be cancelled.")
        )
    registration.status = RegistrationStatus.CANCELLED.value
    registration.waitlist_position = None
    db.session.flush()
    promoted = _promote(seminar)
    db.session.commit()
    app = current_app._get_current_object()
    registration_cancelled.send(app, registration=registration, seminar=seminar, by=by)
    _announce(seminar, promoted)
    return promoted


def change_capacity(seminar: Seminar, capacity: int) -> list[Registration]:
    """Set a new capacity; more seats promote from the waitlist. Fewer seats never evict."""
    check_capacity(capacity)
    seminar = lock_seminar(seminar.id)
    taken = seats_taken(seminar.id)
    if capacity < taken:
        db.session.rollback()
        raise ServiceError(
            _l("%(n)d people already hold a seat; the capacity cannot be lower.", n=taken),
            field="capacity",
        )
    seminar.capacity = capacity
    db.session.flush()
    promoted = _promote(seminar)
    db.session.commit()
    _announce(seminar, promoted)
    return promoted


def waitlist_rank(registration: Registration) -> int | None:
    """1 for the first person waiting, and so on; None when not waiting."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.seminar_id == registration.seminar_id,
            Registration.status == RegistrationStatus.WAITLISTED.value,
            Registration.waitlist_position <= registration.waitlist_position,
        )
    )


def counts(seminar_ids: list[int]) -> dict[int, dict[str, int]]:
    """For each seminar: how many registered (incl. attended) and waitlisted, in one query."""
    result = {seminar_id: {"seats": 0, "waiting": 0} for seminar_id in seminar_ids}
    if not seminar_ids:
        return result
    rows = db.session.execute(
        select(Registration.seminar_id, Registration.status, func.count(Registration.id))
        .where(Registration.seminar_id.in_(seminar_ids))
        .group_by(Registration.seminar_id, Registration.status)
    )
    for seminar_id, status, number in rows:
        if status in HOLDS_A_SEAT:
            result[seminar_id]["seats"] += number
        elif status == RegistrationStatus.WAITLISTED:
            result[seminar_id]["waiting"] += number
    return result
