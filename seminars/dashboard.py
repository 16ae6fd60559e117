"""The seminars feature's dashboard cards: the trainee's seminars, the seminars staff run."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import Row, Select, and_, bindparam, exists, or_, select
from sqlalchemy.orm import selectinload

from courses.permissions import bound, scope
from lms.database import utcnow
from lms.extensions import db
from lms.models import Role, User
from seminars.authoring import FINAL_STATUSES
from seminars.models import (
    Registration,
    RegistrationStatus,
    Seminar,
    SeminarSession,
    SeminarStatus,
)
from seminars.permissions import manages_in
from seminars.registration import ACTIVE, counts
from seminars.translations import preload_seminars


@dataclass(frozen=True)
class MySeminar:
    """A row of "My seminars": the seminar, the registration's status and the next session
    (its ``starts_at`` and ``ends_at``; None when none is left)."""

    seminar: Seminar
    status: str
    next: Row | None

    @property
    def status_label(self) -> str:
        return RegistrationStatus(self.status).label


@functools.cache
def _my_seminars() -> Select:
    """The user's active registrations, the newest first, each with its seminar and, on as
    many rows, the times of its sessions not over yet in order (one row when none is left):
    one statement, built once per process. The card shows the next session's times only, so
    no session is loaded as an object."""
    not_over = and_(
        SeminarSession.seminar_id == Seminar.id, SeminarSession.ends_at > bindparam("now")
    )
    return (
        select(Seminar, Registration.status, SeminarSession.starts_at, SeminarSession.ends_at)
        .select_from(Registration)
        .join(Seminar, Registration.seminar_id == Seminar.id)
        .outerjoin(SeminarSession, not_over)
        .where(Registration.user_id == bindparam("user"), Registration.status.in_(ACTIVE))
        .order_by(
            Registration.registered_at.desc(),
            Registration.id,
            SeminarSession.starts_at,
            SeminarSession.id,
        )
    )


def seminars_panel(user: User) -> dict | None:
    """The trainee's seminars (registered, waiting or attended) with the next session."""
    rows = db.session.execute(_my_seminars(), {"user": user.id, "now": utcnow()})
    # A registration's rows follow each other (one seminar per registration of a user); the
    # first holds the next session.
    entries = [next(group) for _, group in groupby(rows, key=lambda row: row.Seminar.id)]
    if not entries and user.role != Role.TRAINEE:
        return None
    preload_seminars([entry.Seminar for entry in entries], courses=False)
    return {
        "rows": [
            MySeminar(entry.Seminar, entry.status, entry if entry.starts_at is not None else None)
            for entry in entries
        ]
    }


@functools.cache
def _running() -> Select:
    """Seminars not over yet, or completed with sheets still to sign off, the newest first,
    with their sessions: built once per process (``now`` bound per call), each caller adding
    whom they are managed by."""
    unsigned_past = exists().where(
        SeminarSession.seminar_id == Seminar.id,
        SeminarSession.ends_at <= bindparam("now"),
        SeminarSession.signed_off_at.is_(None),
    )
    return (
        select(Seminar)
        .where(
            or_(
                Seminar.status.notin_([status.value for status in FINAL_STATUSES]),
                and_(Seminar.status == SeminarStatus.COMPLETED.value, unsigned_past),
            )
        )
        .options(selectinload(Seminar.sessions))
        .order_by(Seminar.id.desc())
    )


@functools.cache
def _running_for(kind: str) -> Select:
    """``_running`` of the seminars managed by a user of ``kind`` (``courses.permissions.
    scope``), the user bound when it runs: one statement per scope, built once."""
    return _running().where(manages_in(kind))


def running_panel(user: User) -> dict:
    """Staff: the seminars they run that are not over yet, or completed with sheets still to
    sign off (only signed-off sessions count towards certificates), each with its seats, its
    next session and those sheets."""
    now = utcnow()
    running = list(db.session.scalars(_running_for(scope(user)), {"now": now, **bound(user)}))
    seats = counts([seminar.id for seminar in running])
    preload_seminars(running, courses=False)
    rows = [
        {
            "seminar": seminar,
            "seats": seats[seminar.id]["seats"],
            "next": next((s for s in seminar.sessions if s.ends_at > now), None),
            "to_sign_off": [s for s in seminar.sessions if s.ends_at <= now and not s.signed_off],
        }
        for seminar in running
    ]
    # Sheets waiting for sign-off first: they are the trainer's next job.
    rows.sort(key=lambda row: (not row["to_sign_off"], row["next"] is None))
    return {"rows": rows}
