"""Seminars and their sessions: what trainers create, edit, open, close and complete."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from courses.models import Course, CourseStatus
from lms import text_limits
from lms.extensions import db
from lms.models import Role, User
from lms.service_error import ServiceError
from seminars.models import Seminar, SeminarSession, SeminarStatus, SeminarTrainer
from seminars.signals import seminar_cancelled

MAX_SESSION_HOURS = Decimal("12")
FINAL_STATUSES = (SeminarStatus.COMPLETED, SeminarStatus.CANCELLED)  # no way back from these


def trainer_choices() -> list[User]:
    """Who may lead a session: active trainers and administrators, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.TRAINER.value, Role.ADMIN.value]), User.active.is_(True))
            .order_by(User.full_name)
        )
    )


def upcoming_query() -> Select:
    """Seminars trainees can see: open or closed for registration, of published courses."""
    return (
        select(Seminar)
        .join(Course)
        .where(
            Seminar.status.in_([SeminarStatus.OPEN.value, SeminarStatus.CLOSED.value]),
            Course.status == CourseStatus.PUBLISHED.value,
        )
        .options(selectinload(Seminar.sessions), selectinload(Seminar.course))
        .order_by(Seminar.id)
    )


def check_capacity(capacity: int) -> int:
    """Seats a seminar may offer: at least 1 and at most ``SEMINAR_MAX_CAPACITY`` (the 2025
    training rules for professional mediators train in groups of at most 10)."""
    if capacity < 1:
        raise ServiceError(_l("Capacity must be at least 1."), field="capacity")
    most = current_app.config["SEMINAR_MAX_CAPACITY"]
    if capacity > most:
        raise ServiceError(
            _l("A seminar group may have at most %(n)d participants.", n=most), field="capacity"
        )
    return capacity


def _text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_l("This field is required."), field=field)
    if len(value) > max_length:
        raise ServiceError(_l("Use at most %(n)d characters.", n=max_length), field=field)
    return value


def _window(opens: datetime | None, closes: datetime | None) -> None:
    if opens and closes and closes <= opens:
        raise ServiceError(
            _l("Registration must close after it opens."), field="registration_closes_at"
        )


def _link(value: str) -> str:
    value = _text(value, field="online_link", max_length=500)
    if value and not value.startswith(("https://", "http://")):
        raise ServiceError(_l("The link must start with https://"), field="online_link")
    return value


def create_seminar(
    course: Course,
    trainers: list[User],
    *,
    title: str,
    capacity: int,
    language: str = "ru",
    description: str = "",
    venue: str = "",
    online_link: str = "",
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
) -> Seminar:
    check_capacity(capacity)
    if language not in current_app.config["LANGUAGES"]:
        raise ServiceError(_l("Choose one of the offered languages."), field="language")
    _window(registration_opens_at, registration_closes_at)
    seminar = Seminar(
        course_id=course.id,
        title=_text(title, field="title", max_length=200, required=True),
        description=_text(
            description, field="description", max_length=text_limits.SEMINAR_DESCRIPTION
        ),
        venue=_text(venue, field="venue", max_length=300),
        online_link=_link(online_link),
        language=language,
        capacity=capacity,
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        status=SeminarStatus.DRAFT.value,
    )
    for trainer in trainers:
        seminar.trainer_links.append(SeminarTrainer(user_id=trainer.id))
    db.session.add(seminar)
    db.session.commit()
    return seminar


def update_seminar(
    seminar: Seminar,
    *,
    title: str,
    language: str,
    description: str,
    venue: str,
    online_link: str,
    registration_opens_at: datetime | None,
    registration_closes_at: datetime | None,
) -> Seminar:
    if language not in current_app.config["LANGUAGES"]:
        raise ServiceError(_l("Choose one of the offered languages."), field="language")
    _window(registration_opens_at, registration_closes_at)
    values = {
        "title": _text(title, field="title", max_length=200, required=True),
        "description": _text(
            description, field="description", max_length=text_limits.SEMINAR_DESCRIPTION
        ),
        "venue": _text(venue, field="venue", max_length=300),
        "online_link": _link(online_link),
    }
    for name, value in values.items():
        setattr(seminar, name, value)
    seminar.language = language
    seminar.registration_opens_at = registration_opens_at
    seminar.registration_closes_at = registration_closes_at
    db.session.commit()
    return seminar


def set_status(seminar: Seminar, status: SeminarStatus | str) -> Seminar:
    status = SeminarStatus(status)
    if seminar.status in FINAL_STATUSES and status != seminar.status:
        raise ServiceError(_l("A completed or cancelled seminar keeps its status."))
    if status == SeminarStatus.OPEN and not seminar.sessions:
        raise ServiceError(_l("Add at least one session before opening registration."))
    if status == SeminarStatus.OPEN and seminar.course.status != CourseStatus.PUBLISHED:
        raise ServiceError(_l("Publish the course before opening its seminar."))
    cancelled_now = status == SeminarStatus.CANCELLED and seminar.status != status.value
    seminar.status = status.value
    db.session.commit()
    if cancelled_now:
        seminar_cancelled.send(current_app._get_current_object(), seminar=seminar)
    return seminar


def parse_hours(value) -> Decimal:
    """Academic hours as a Decimal with at most two places (never a float)."""
    try:
        hours = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(_l("Enter hours as a number, e.g. 3 or 1.5."), field="hours") from None
    if not hours.is_finite() or hours < 0 or hours != hours.quantize(Decimal("0.01")):
        raise ServiceError(_l("Enter hours as a number, e.g. 3 or 1.5."), field="hours")
    return hours


def _check_session(starts_at: datetime, ends_at: datetime, hours: Decimal) -> None:
    if ends_at <= starts_at:
        raise ServiceError(_l("A session must end after it starts."), field="ends_at")
    if hours <= 0 or hours > MAX_SESSION_HOURS:
        raise ServiceError(
            _l("Academic hours must be more than 0 and at most %(n)d.", n=int(MAX_SESSION_HOURS)),
            field="academic_hours",
        )


def add_session(
    seminar: Seminar,
    *,
    starts_at: datetime,
    ends_at: datetime,
    topic: str,
    academic_hours: Decimal,
    trainer: User | None = None,
) -> SeminarSession:
    hours = parse_hours(academic_hours)
    _check_session(starts_at, ends_at, hours)
    session = SeminarSession(
        seminar_id=seminar.id,
        starts_at=starts_at,
        ends_at=ends_at,
        topic=_text(topic, field="topic", max_length=300, required=True),
        academic_hours=hours,
        trainer_id=trainer.id if trainer else None,
    )
    db.session.add(session)
    db.session.commit()
    db.session.expire(seminar, ["sessions"])
    return session


def update_session(
    session: SeminarSession,
    *,
    starts_at: datetime,
    ends_at: datetime,
    topic: str,
    academic_hours: Decimal,
    trainer: User | None,
) -> SeminarSession:
    if session.signed_off:
        raise ServiceError(_l("The attendance of this session is signed off; it cannot change."))
    hours = parse_hours(academic_hours)
    _check_session(starts_at, ends_at, hours)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.topic = _text(topic, field="topic", max_length=300, required=True)
    session.academic_hours = hours
    session.trainer_id = trainer.id if trainer else None
    db.session.commit()
    return session


def delete_session(session: SeminarSession) -> None:
    if session.signed_off:
        raise ServiceError(_l("The attendance of this session is signed off; it cannot change."))
    seminar = session.seminar
    db.session.delete(session)
    db.session.commit()
    db.session.expire(seminar, ["sessions"])


def total_hours(seminar: Seminar) -> Decimal:
    return sum((s.academic_hours for s in seminar.sessions), Decimal("0"))
