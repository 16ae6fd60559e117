"""Attendance per session, in academic hours: marked on a sheet, signed off, then only
corrected with a reason that is kept (who, when, before, after)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms import audit
from lms.cleaning import clean_line
from lms.database import utcnow
from lms.extensions import db
from lms.formatting import format_hours, format_short_datetime
from lms.models import User
from lms.service_error import ServiceError
from lms.text_limits import REASON
from seminars.audit import ATTENDANCE_CORRECTED
from seminars.authoring import parse_hours
from seminars.models import (
    Attendance,
    AttendanceCorrection,
    AttendanceStatus,
    Registration,
    RegistrationStatus,
    Seminar,
    SeminarSession,
)
from seminars.registration import participants

ZERO = Decimal("0")


@dataclass
class SheetRow:
    registration: Registration
    user: User
    attendance: Attendance | None


def sheet(session: SeminarSession) -> list[SheetRow]:
    """One row per participant of the seminar, with their attendance at this session if any."""
    marks = {
        mark.user_id: mark
        for mark in db.session.scalars(
            select(Attendance).where(Attendance.session_id == session.id)
        )
    }
    return [
        SheetRow(registration, registration.user, marks.get(registration.user_id))
        for registration in participants(session.seminar)
    ]


def hours_for(status: AttendanceStatus | str, hours, session: SeminarSession) -> Decimal:
    """The hours a mark counts: all of the session, none, or the part given (checked)."""

    status = AttendanceStatus(status)
    if status == AttendanceStatus.PRESENT:
        return session.academic_hours
    if status == AttendanceStatus.ABSENT:
        return ZERO
    value = parse_hours(hours if hours not in (None, "") else "x")
    if not ZERO < value < session.academic_hours:
        raise ServiceError(
            _l(
                "Partial hours must be more than 0 and less than %(hours)s.",
                hours=format_hours(session.academic_hours),
            ),
            field="hours",
        )
    return value


def save_sheet(session: SeminarSession, marks: dict[int, tuple[str, object]], by: User) -> int:
    """Record the sheet ``{user_id: (status, hours)}`` before sign-off; all rows or none."""
    if session.signed_off:
        raise ServiceError(_l("This sheet is signed off. Use a correction with a reason."))
    seated = {registration.user_id for registration in participants(session.seminar)}
    unknown = set(marks) - seated
    if unknown:
        raise ServiceError(_l("Some people on the sheet are not participants of the seminar."))
    existing = {
        mark.user_id: mark
        for mark in db.session.scalars(
            select(Attendance).where(Attendance.session_id == session.id)
        )
    }
    # Check every row before changing any, so a refused sheet leaves nothing pending.
    checked = []
    for user_id, (status, hours) in marks.items():
        try:
            status = AttendanceStatus(status)
        except ValueError:
            raise ServiceError(_l("Choose present, absent or partly present.")) from None
        checked.append((user_id, status, hours_for(status, hours, session)))
    now = utcnow()
    changed = 0
    for user_id, status, counted in checked:
        mark = existing.get(user_id)
        if mark is None:
            mark = Attendance(session_id=session.id, user_id=user_id)
            db.session.add(mark)
        elif mark.status == status and mark.hours == counted:
            continue
        mark.status, mark.hours = status.value, counted
        mark.marked_by_id, mark.marked_at, mark.self_checked_in = by.id, now, False
        changed += 1
    db.session.commit()
    return changed


def sign_off_problem(session: SeminarSession, now: datetime | None = None) -> str | None:
    """Why the sheet of ``session`` cannot be signed off at ``now``, or None. A sheet is
    signed off once the session has ended: before that, nobody knows who stayed."""
    if session.signed_off:
        return _l("This sheet is already signed off.")
    if (now or utcnow()) < session.ends_at:
        return _l(
            "This session ends at %(time)s; its attendance can be signed off after that.",
            time=format_short_datetime(session.ends_at),
        )
    return None


def sign_off(session: SeminarSession, by: User, *, now: datetime | None = None) -> None:
    """Lock the sheet. Everyone without a mark counts as absent, so nothing is left open."""
    now = now or utcnow()
    problem = sign_off_problem(session, now)
    if problem:
        raise ServiceError(problem)
    marked = set(
        db.session.scalars(select(Attendance.user_id).where(Attendance.session_id == session.id))
    )
    for registration in participants(session.seminar):
        if registration.user_id not in marked:
            db.session.add(
                Attendance(
                    session_id=session.id,
                    user_id=registration.user_id,
                    status=AttendanceStatus.ABSENT.value,
                    hours=ZERO,
                    marked_by_id=by.id,
                    marked_at=now,
                )
            )
    session.signed_off_at, session.signed_off_by_id = now, by.id
    _mark_attended(session.seminar)
    db.session.commit()


def _mark_attended(seminar: Seminar) -> None:
    """A participant with any attended hours counts as 'attended'; one whose hours were
    corrected down to none is 'registered' again."""
    attended = set(
        db.session.scalars(
            select(Attendance.user_id)
            .join(SeminarSession, Attendance.session_id == SeminarSession.id)
            .where(SeminarSession.seminar_id == seminar.id, Attendance.hours > 0)
        )
    )
    for registration in participants(seminar):
        if registration.user_id in attended:
            registration.status = RegistrationStatus.ATTENDED.value
        elif registration.status == RegistrationStatus.ATTENDED:
            registration.status = RegistrationStatus.REGISTERED.value


def correct(
    session: SeminarSession, user_id: int, status: str, hours, reason: str, by: User
) -> Attendance:
    """Change a signed-off mark; the reason and both values are kept as a correction."""
    if not session.signed_off:
        raise ServiceError(_l("The sheet is not signed off yet: change it on the sheet."))
    reason = clean_line(reason, field="reason", limit=REASON)
    if len(reason) < 5:
        raise ServiceError(
            _l("Give the reason for the correction (at least 5 characters)."), field="reason"
        )
    try:
        status = AttendanceStatus(status)
    except ValueError:
        raise ServiceError(
            _l("Choose present, absent or partly present."), field="status"
        ) from None
    counted = hours_for(status, hours, session)
    mark = db.session.scalar(
        select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id == user_id)
    )
    if mark is None:
        raise ServiceError(_l("This person is not on the sheet."))
    if mark.status == status and mark.hours == counted:
        raise ServiceError(_l("The new values are the same as the recorded ones."))
    old_status, old_hours = mark.status, mark.hours
    db.session.add(
        AttendanceCorrection(
            attendance_id=mark.id,
            old_status=mark.status,
            old_hours=mark.hours,
            new_status=status.value,
            new_hours=counted,
            reason=reason,
            changed_by_id=by.id,
        )
    )
    mark.status, mark.hours, mark.marked_by_id, mark.marked_at = (
        status.value,
        counted,
        by.id,
        utcnow(),
    )
    _mark_attended(session.seminar)
    audit.record(
        ATTENDANCE_CORRECTED,
        actor=by,
        subject=audit.Subject("attendance", mark.id, session.topic),
        details={
            "user_id": user_id,
            "session_id": session.id,
            "seminar_id": session.seminar_id,
            "from": [old_status, str(old_hours)],
            "to": [status.value, str(counted)],
            "reason": reason,
        },
    )
    db.session.commit()
    return mark


def corrections(session: SeminarSession) -> list[AttendanceCorrection]:
    return list(
        db.session.scalars(
            select(AttendanceCorrection)
            .join(Attendance, AttendanceCorrection.attendance_id == Attendance.id)
            .where(Attendance.session_id == session.id)
            .order_by(AttendanceCorrection.created_at)
        )
    )


@dataclass(frozen=True)
class AttendedHours:
    """One participant's hours in a seminar: only signed-off sessions count (``signed_off``);
    hours marked in sessions not signed off yet are ``pending``. ``topics``: the signed-off
    sessions with hours attended, in the order they were held."""

    signed_off: Decimal = ZERO
    pending: Decimal = ZERO
    topics: tuple[str, ...] = ()


NO_HOURS = AttendedHours()


def attended_hours(
    seminar: Seminar, user_ids: Iterable[int] | None = None
) -> dict[int, AttendedHours]:
    """Attended hours per participant (every id of ``user_ids``, else everyone with a mark),
    in one query with exact sums. The one counting rule: signed-off hours count."""
    query = (
        select(
            Attendance.user_id,
            SeminarSession.topic,
            SeminarSession.signed_off_at.is_not(None),
            Attendance.hours,
        )
        .join(SeminarSession, Attendance.session_id == SeminarSession.id)
        .where(SeminarSession.seminar_id == seminar.id)
        .order_by(SeminarSession.starts_at, SeminarSession.id)
    )
    wanted = None if user_ids is None else list(user_ids)
    if wanted is not None:
        query = query.where(Attendance.user_id.in_(wanted))
    sums: dict[int, list] = {user_id: [ZERO, ZERO, []] for user_id in wanted or ()}
    for user_id, topic, signed_off, hours in db.session.execute(query):
        hours = Decimal(hours or 0)
        totals = sums.setdefault(user_id, [ZERO, ZERO, []])
        if signed_off:
            totals[0] += hours
            if hours > 0:
                totals[2].append(topic)
        else:
            totals[1] += hours
    return {
        user_id: AttendedHours(signed, pending, tuple(topics))
        for user_id, (signed, pending, topics) in sums.items()
    }


def _marks(seminar: Seminar):
    return (
        select(Attendance)
        .join(SeminarSession, Attendance.session_id == SeminarSession.id)
        .where(SeminarSession.seminar_id == seminar.id)
    )


def marks_in(seminar: Seminar) -> list[Attendance]:
    """Every attendance mark of the seminar's sessions (one query)."""
    return list(db.session.scalars(_marks(seminar)))


def marks_of(seminar: Seminar, user: User) -> dict[int, Attendance]:
    """The user's attendance per session id of the seminar."""
    query = _marks(seminar).where(Attendance.user_id == user.id)
    return {mark.session_id: mark for mark in db.session.scalars(query)}
