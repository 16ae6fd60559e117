"""Seminars of a course: sessions, trainers, registrations (with a waitlist) and attendance."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Course
from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db
from lms.models import User

HOURS = Numeric(6, 2)


class SeminarStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(SEMINAR_STATUS_LABELS[self])


SEMINAR_STATUS_LABELS = {
    SeminarStatus.DRAFT: _l("Draft"),
    SeminarStatus.OPEN: _l("Registration open"),
    SeminarStatus.CLOSED: _l("Registration closed"),
    SeminarStatus.COMPLETED: _l("Completed"),
    SeminarStatus.CANCELLED: _l("Cancelled"),
}


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"

    @property
    def label(self) -> str:
        return str(REGISTRATION_STATUS_LABELS[self])


REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.REGISTERED: _l("Registered"),
    RegistrationStatus.WAITLISTED: _l("On the waitlist"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
    RegistrationStatus.ATTENDED: _l("Attended"),
}


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    PARTIAL = "partial"

    @property
    def label(self) -> str:
        return str(ATTENDANCE_STATUS_LABELS[self])


ATTENDANCE_STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.ABSENT: _l("Absent"),
    AttendanceStatus.PARTIAL: _l("Partly present"),
}


def _values(enum) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


def paragraphs(text: str | None) -> list[str]:
    """``text`` split at blank lines (the ``paragraphs`` Jinja filter, for translations too)."""
    text = (text or "").replace("\r\n", "\n")
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


class Seminar(TimestampMixin, db.Model):
    __tablename__ = "seminars"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(SeminarStatus)})", name="status_known"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(8), default="ru")
    capacity: Mapped[int]
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=SeminarStatus.DRAFT.value)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()
    sessions: Mapped[list[SeminarSession]] = relationship(
        back_populates="seminar",
        order_by="SeminarSession.starts_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    trainer_links: Mapped[list[SeminarTrainer]] = relationship(
        back_populates="seminar", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def status_label(self) -> str:
        return SeminarStatus(self.status).label

    @property
    def description_paragraphs(self) -> list[str]:
        """The description split at blank lines (a paragraph per language, for example)."""
        return paragraphs(self.description)


class SeminarTrainer(TimestampMixin, db.Model):
    __tablename__ = "seminar_trainers"
    __table_args__ = (UniqueConstraint("seminar_id", "user_id"),)

    seminar_id: Mapped[int] = mapped_column(ForeignKey("seminars.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    seminar: Mapped[Seminar] = relationship(back_populates="trainer_links")
    user: Mapped[User] = relationship()


class SeminarSession(TimestampMixin, db.Model):
    """One meeting of a seminar. Times are stored in UTC and shown in the site's time zone."""

    __tablename__ = "seminar_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("academic_hours > 0", name="hours_positive"),
    )

    seminar_id: Mapped[int] = mapped_column(
        ForeignKey("seminars.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str] = mapped_column(String(300))
    academic_hours: Mapped[Decimal] = mapped_column(HOURS)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    seminar: Mapped[Seminar] = relationship(back_populates="sessions")
    trainer: Mapped[User | None] = relationship(foreign_keys=[trainer_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None


class Registration(TimestampMixin, db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("seminar_id", "user_id"),
        CheckConstraint(f"status IN ({_values(RegistrationStatus)})", name="status_known"),
    )

    seminar_id: Mapped[int] = mapped_column(
        ForeignKey("seminars.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    waitlist_position: Mapped[int | None]
    organisation: Mapped[str] = mapped_column(String(200), default="")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    seminar: Mapped[Seminar] = relationship()
    user: Mapped[User] = relationship()

    @property
    def status_label(self) -> str:
        return RegistrationStatus(self.status).label


class Attendance(TimestampMixin, db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint(f"status IN ({_values(AttendanceStatus)})", name="status_known"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
    )

    session_id: Mapped[int] = mapped_column(
        ForeignKey("seminar_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    hours: Mapped[Decimal] = mapped_column(HOURS)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    self_checked_in: Mapped[bool] = mapped_column(default=False)

    session: Mapped[SeminarSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    marked_by: Mapped[User | None] = relationship(foreign_keys=[marked_by_id])

    @property
    def status_label(self) -> str:
        return AttendanceStatus(self.status).label


class AttendanceCorrection(TimestampMixin, db.Model):
    """A change to attendance after sign-off: who, when, why, and the values before and after."""

    __tablename__ = "attendance_corrections"

    attendance_id: Mapped[int] = mapped_column(
        ForeignKey("attendance.id", ondelete="CASCADE"), index=True
    )
    old_status: Mapped[str | None] = mapped_column(String(16))
    old_hours: Mapped[Decimal | None] = mapped_column(HOURS)
    new_status: Mapped[str] = mapped_column(String(16))
    new_hours: Mapped[Decimal] = mapped_column(HOURS)
    reason: Mapped[str] = mapped_column(String(500))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    changed_by: Mapped[User | None] = relationship()
