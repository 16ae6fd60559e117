"""Self check-in: a short-lived signed token for one session, shown to the room as a QR code."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from courses.attendance import participants
from courses.seminar_models import Attendance, AttendanceStatus, SeminarSession
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError

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


def check_in(token: str, user: User) -> SeminarSession:
    """Mark ``user`` present at the token's session; they must be one of its participants."""

    session = session_for(token)
    if session.signed_off:
        raise ServiceError(
            _l(
                "The attendance of this session is already signed off; ask the "
                "trainer to correct it."
            )
        )
    if user.id not in {r.user_id for r in participants(session.seminar)}:
        raise ServiceError(
            _l("You are not a participant of this seminar, so you cannot check in to it.")
        )
    mark = db.session.query(Attendance).filter_by(session_id=session.id, user_id=user.id).first()
    if mark is None:
        mark = Attendance(session_id=session.id, user_id=user.id)
        db.session.add(mark)
    mark.status = AttendanceStatus.PRESENT.value
    mark.hours = session.academic_hours
    mark.marked_by_id, mark.marked_at, mark.self_checked_in = user.id, utcnow(), True
    db.session.commit()
    return session
