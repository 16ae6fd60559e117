"""Which seminars a user manages: administrators all of them; trainers those they train and
those of the courses they own; active staff only (an inactive or trainee account manages
nothing). One predicate, ``manages``, asked for one seminar (``can_manage``) or for a list
(``managed_query``), so "My seminars", the certificate pages and the assessment form agree;
``managed_by_each`` answers it for many users and seminars at once (the trainers' digest),
from the same pieces: seminar trainers and ``courses.permissions``' course owners.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement, Select, bindparam, false, or_, select, true

from courses.permissions import (
    OWNER,
    courses_edited_by_each,
    is_staff,
    owns_course_in,
    scope,
)
from lms.extensions import db
from lms.models import Role, User
from seminars.models import Seminar, SeminarStatus, SeminarTrainer


def manages(user: User) -> ColumnElement[bool]:
    """SQL over ``Seminar``: the seminar is managed by ``user``."""
    kind = scope(user)
    return manages_in(kind, user.id if kind == "own" else None)


def manages_in(kind: str, owner: int | None = None) -> ColumnElement[bool]:
    """``manages`` for a scope of ``courses.permissions.scope``: the trainer is ``owner``, or,
    without one, the bind parameter ``OWNER`` given at execution (statements built once)."""
    if kind == "none":
        return false()
    if kind == "all":
        return true()
    user_id = bindparam(OWNER) if owner is None else owner
    trained = select(SeminarTrainer.seminar_id).where(SeminarTrainer.user_id == user_id)
    return or_(Seminar.id.in_(trained), owns_course_in(kind, Seminar.course_id, owner))


def can_manage(user: User, seminar: Seminar) -> bool:
    if not is_staff(user):
        return False
    if user.role == Role.ADMIN:
        return True
    return bool(
        db.session.scalar(select(Seminar.id).where(Seminar.id == seminar.id, manages(user)))
    )


def managed_query(user: User, *, include_cancelled: bool = True) -> Select:
    """The seminars ``user`` manages, the newest first (loader options are the caller's)."""
    query = select(Seminar).where(manages(user)).order_by(Seminar.id.desc())
    if not include_cancelled:
        query = query.where(Seminar.status != SeminarStatus.CANCELLED.value)
    return query


def seminars_managed_by(user: User, *, include_cancelled: bool = True) -> list[Seminar]:
    return list(db.session.scalars(managed_query(user, include_cancelled=include_cancelled)))


def managed_by_each(users: Iterable[User], seminars: Mapping[int, int]) -> dict[int, set[int]]:
    """For each user's id, which of ``seminars`` (seminar id -> its course id) the user
    manages: ``manages`` for many users and seminars in two queries, whatever their number."""
    users = list(users)
    managed: dict[int, set[int]] = {user.id: set() for user in users}
    if not seminars:
        return managed
    staff = {user.id: user for user in users if is_staff(user)}
    owners = courses_edited_by_each(staff.values(), set(seminars.values()))
    for user_id in staff:
        managed[user_id] = {s for s, course_id in seminars.items() if course_id in owners[user_id]}
    trainers = [uid for uid, user in staff.items() if user.role != Role.ADMIN]
    if trainers:
        rows = db.session.execute(
            select(SeminarTrainer.user_id, SeminarTrainer.seminar_id).where(
                SeminarTrainer.user_id.in_(trainers), SeminarTrainer.seminar_id.in_(seminars)
            )
        )
        for user_id, seminar_id in rows:
            managed[user_id].add(seminar_id)
    return managed
