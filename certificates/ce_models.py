"""Continuing education (issue 21): what platform activity counts and the external
activities holders submit with evidence. The ledger itself is computed when read
(``certificates.continuing_education``): nothing here copies attendance or completions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certificates.models import HOURS, Qualification
from courses.models import Course
from lms.database import TimestampMixin, UTCDateTime
from lms.extensions import db
from lms.models import User
from seminars.models import Seminar


class CeCredit(TimestampMixin, db.Model):
    """How a course or a seminar counts. A course counts only with a row whose ``hours`` is
    above 0 (courses have no hours of their own); a seminar always counts the hours attended,
    and its row only says whether they are ethics hours. ``ethics``: every hour is also an
    ethics hour."""

    __tablename__ = "ce_credits"
    __table_args__ = (
        CheckConstraint("(course_id IS NULL) <> (seminar_id IS NULL)", name="one_target"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
    )

    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), unique=True
    )
    seminar_id: Mapped[int | None] = mapped_column(
        ForeignKey("seminars.id", ondelete="CASCADE"), unique=True
    )
    hours: Mapped[Decimal | None] = mapped_column(HOURS)
    ethics: Mapped[bool] = mapped_column(default=False)

    course: Mapped[Course | None] = relationship()
    seminar: Mapped[Seminar | None] = relationship()


class ActivityStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


ACTIVITY_STATUS_LABELS = {
    ActivityStatus.PENDING: _l("Waiting for review"),
    ActivityStatus.APPROVED: _l("Approved"),
    ActivityStatus.REJECTED: _l("Rejected"),
}


class CeActivity(TimestampMixin, db.Model):
    """An activity outside the platform that a holder submits for a qualification's
    continuing education, with an evidence file; staff approve it or reject it with a
    reason. A rejected one stays as it was; the holder submits a new one."""

    __tablename__ = "ce_activities"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status_known"),
        CheckConstraint("hours > 0 AND hours <= 80", name="hours_in_range"),
    )

    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    qualification_id: Mapped[int] = mapped_column(
        ForeignKey("qualifications.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(HOURS)
    ethics: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    # The evidence, stored through lms.file_storage (``uploads/<name>``).
    evidence_name: Mapped[str] = mapped_column(String(100))
    evidence_type: Mapped[str] = mapped_column(String(64))
    evidence_filename: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(
        String(16), default=ActivityStatus.PENDING.value, index=True
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str] = mapped_column(Text, default="")

    holder: Mapped[User] = relationship(foreign_keys=[holder_id])
    qualification: Mapped[Qualification] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def status_label(self) -> str:
        return str(ACTIVITY_STATUS_LABELS[ActivityStatus(self.status)])
