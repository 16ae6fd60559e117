"""The seminars feature's dashboard cards: the trainee's seminars, the seminars staff run."""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.database import utcnow
from lms.extensions import db
from lms.models import Role, User
from seminars.authoring import FINAL_STATUSES
from seminars.models import Registration, Seminar, SeminarSession, SeminarStatus
from seminars.permissions import managed_query
from seminars.registration import ACTIVE, counts
from seminars.translations import preload_seminars


def seminars_panel(user: User) -> dict | None:
    """The trainee's seminars (registered, waiting or attended) with the next session."""

    entries = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.user_id == user.id, Registration.status.in_(ACTIVE))
            # The seminar in the same row (one statement fewer), its sessions after.
            .options(joinedload(Registration.seminar).selectinload(Seminar.sessions))
            .order_by(Registration.registered_at.desc())
        )
    )
    if not entries and user.role != Role.TRAINEE:
        return None
    preload_seminars([entry.seminar for entry in entries], courses=False)
    now = utcnow()
    rows = [
        (entry, next((s for s in entry.seminar.sessions if s.ends_at > now), None))
        for entry in entries
    ]
    return {"rows": rows}


def running_panel(user: User) -> dict:
    """Staff: the seminars they run that are not over yet, or completed with sheets still to
    sign off (only signed-off sessions count towards certificates), each with its seats, its
    next session and those sheets."""
    now = utcnow()
    unsigned_past = exists().where(
        SeminarSession.seminar_id == Seminar.id,
        SeminarSession.ends_at <= now,
        SeminarSession.signed_off_at.is_(None),
    )
    running = list(
        db.session.scalars(
            managed_query(user)
            .options(selectinload(Seminar.sessions))
            .where(
                or_(
                    Seminar.status.notin_([status.value for status in FINAL_STATUSES]),
                    and_(Seminar.status == SeminarStatus.COMPLETED.value, unsigned_past),
                )
            )
        )
    )
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
