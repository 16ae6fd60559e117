"""Who may change a course: its owners (active trainers) and active administrators.

One rule, asked three ways: ``can_edit`` for one course in Python, ``owns_course`` as a SQL
expression for lists (``owned_course_ids``, ``courses_owned_by``, and the seminars' own rule,
which includes the owners of a seminar's course; ``owns_course_in`` is the same expression for
statements built once per ``scope``, the user bound when they run), and
``courses_edited_by_each`` for many users at once (the trainers' daily digest).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, bindparam, false, select, true

from courses.models import Course, CourseOwner
from lms.extensions import db
from lms.models import Role, User


def is_staff(user: User) -> bool:
    """An active administrator or trainer (an inactive or trainee account manages nothing)."""
    return bool(user.is_authenticated and user.active and user.role in (Role.ADMIN, Role.TRAINER))


# The user a filter below is about, as a bind parameter given when the statement runs: a
# statement built once per scope serves every user of that scope (built again per request, a
# hot page's statement cost about 0.15 ms more: the construction and its cache key).
OWNER = "permission_user"


def scope(user: User) -> str:
    """How the rule reads for ``user``: "all" (an active administrator), "own" (an active
    trainer: the courses they own) or "none" (anyone else)."""
    if not is_staff(user):
        return "none"
    return "all" if user.role == Role.ADMIN else "own"


def bound(user: User) -> dict:
    """The parameters a statement built with ``owns_course_in`` (or the seminars'
    ``manages_in``) runs with for ``user`` (a visitor has no id: nothing to bind)."""
    return {OWNER: user.id if user.is_authenticated else None}


def owns_course(user: User, course_id: ColumnElement) -> ColumnElement[bool]:
    """SQL: the course whose id is ``course_id`` may be edited by ``user``."""
    kind = scope(user)
    return owns_course_in(kind, course_id, user.id if kind == "own" else None)


def owns_course_in(
    kind: str, course_id: ColumnElement, owner: int | None = None
) -> ColumnElement[bool]:
    """``owns_course`` for a ``scope``: the trainer is ``owner``, or, without one, the bind
    parameter ``OWNER`` given at execution (for statements built once per scope)."""
    if kind == "none":
        return false()
    if kind == "all":
        return true()
    user_id = bindparam(OWNER) if owner is None else owner
    return course_id.in_(select(CourseOwner.course_id).where(CourseOwner.user_id == user_id))


def can_edit(user: User, course: Course) -> bool:
    if not is_staff(user):
        return False
    if user.role == Role.ADMIN:
        return True
    return any(ownership.user_id == user.id for ownership in course.ownerships)


def courses_owned_by(user: User) -> list[Course]:
    """Courses ``user`` may edit: all of them for admins, their own for trainers."""
    return list(
        db.session.scalars(
            select(Course).where(owns_course(user, Course.id)).order_by(Course.title)
        )
    )


def owned_course_ids(user: User) -> list[int]:
    """The ids of ``courses_owned_by(user)``."""
    return list(
        db.session.scalars(
            select(Course.id).where(owns_course(user, Course.id)).order_by(Course.id)
        )
    )


def courses_edited_by_each(users: Iterable[User], course_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each user's id, which of ``course_ids`` the user may edit: ``owns_course`` for many
    users and courses in one query (administrators edit all, trainers the courses they own,
    anyone else none)."""
    users, course_ids = list(users), set(course_ids)
    edited: dict[int, set[int]] = {user.id: set() for user in users}
    trainers = [user.id for user in users if is_staff(user) and user.role != Role.ADMIN]
    for user in users:
        if is_staff(user) and user.role == Role.ADMIN:
            edited[user.id] = set(course_ids)
    if trainers and course_ids:
        rows = db.session.execute(
            select(CourseOwner.user_id, CourseOwner.course_id).where(
                CourseOwner.user_id.in_(trainers), CourseOwner.course_id.in_(course_ids)
            )
        )
        for user_id, course_id in rows:
            edited[user_id].add(course_id)
    return edited


def require_course_owner(course: Course) -> None:
    """Abort with 403 unless the signed-in user may edit ``course``."""
    if not can_edit(current_user, course):
        abort(403)
