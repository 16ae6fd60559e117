"""Self check-in: a short-lived signed token for one session, shown to the room as a QR code.

Check-in is open only in the session's window: from ``CHECKIN_OPENS_MINUTES`` before it
starts until it ends. Every function that depends on the clock takes ``now`` (tests move
it; pages pass nothing)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.database import utcnow
from lms.extensions import db
from lms.formatting import format_short_datetime
from lms.models import User
from lms.service_error import ServiceError
from seminars.models import Attendance, AttendanceStatus, SeminarSession
from seminars.registration import holds_a_seat

SALT = "lms.seminar-check-in"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(session: SeminarSession) -> str:
    return _serializer().dumps({"session": session.id})


def session_for(token: str) -> SeminarSession:
    """The session a token is for; expired or forged tokens are refused with a message."""
    max_age = current_app.config["CHECKIN_TOKEN_MINUTES"] * 60
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ServiceError(
            _l("This check-in code has expired. Ask the trainer to show the current one.")
        ) from None
    except BadSignature:
        raise ServiceError(_l("This is not a valid check-in code.")) from None
    session = db.session.get(SeminarSession, data.get("session") if isinstance(data, dict) else 0)
    if session is None:
        raise ServiceError(_l("This is not a valid check-in code."))
    return session


def window(session: SeminarSession) -> tuple[datetime, datetime]:
    """When self check-in to ``session`` opens and closes."""
    early = timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES"])
    return session.starts_at - early, session.ends_at


def window_problem(session: SeminarSession, now: datetime | None = None) -> str | None:
    """Why nobody can check in to ``session`` at ``now`` (a translated sentence), or None."""
    now = now or utcnow()
    opens, closes = window(session)
    if now < opens:
        return _l(
            "Check-in for this session opens at %(time)s, %(n)d minutes before it starts.",
            time=format_short_datetime(opens),
            n=current_app.config["CHECKIN_OPENS_MINUTES"],
        )
    if now >= closes:
        return _l(
            "Check-in for this session closed at %(time)s, when it ended. Ask the trainer to "
            "mark you on the attendance sheet.",
            time=format_short_datetime(closes),
        )
    return None


def check_in(token: str, user: User, *, now: datetime | None = None) -> SeminarSession:
    """Mark ``user`` present at the token's session; they must be one of its participants,
    and it must be the session's check-in window."""

    now = now or utcnow()
    session = session_for(token)
    problem = window_problem(session, now)
    if problem:
        raise ServiceError(problem)
    if session.signed_off:
        raise ServiceError(
            _l(
                "The attendance of this session is already signed off; ask the "
                "trainer to correct it."
            )
        )
    if not holds_a_seat(user, session.seminar):
        raise ServiceError(
            _l("You are not a participant of this seminar, so you cannot check in to it.")
        )
    mark = db.session.query(Attendance).filter_by(session_id=session.id, user_id=user.id).first()
    if mark is None:
        mark = Attendance(session_id=session.id, user_id=user.id)
        db.session.add(mark)
    mark.status = AttendanceStatus.PRESENT.value
    mark.hours = session.academic_hours
    mark.marked_by_id, mark.marked_at, mark.self_checked_in = user.id, now, True
    db.session.commit()
    return session
