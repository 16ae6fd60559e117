"""The record of a background job: who started it, its state, progress, result and error."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db
from lms.models import User


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    JobState.QUEUED: _l("Waiting"),
    JobState.RUNNING: _l("Running"),
    JobState.DONE: _l("Done"),
    JobState.FAILED: _l("Failed"),
}

_STATE_VALUES = ", ".join(f"'{state.value}'" for state in JobState)


class JobRecord(TimestampMixin, db.Model):
    """One background job. ``args_json`` is what the job needs; ``result_path`` is relative to
    the instance folder; ``error`` is in words, for the person who started it."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATE_VALUES})", name="state_known"),
        Index("ix_jobs_state_updated", "state", "updated_at"),
    )

    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    args_json: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED.value)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    result_path: Mapped[str | None] = mapped_column(String(255))
    result_name: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship()

    @property
    def state_label(self) -> str:
        return JobState(self.state).label

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class OnceMark(TimestampMixin, db.Model):
    """Work that must happen once however many workers run a schedule: a reminder for one
    registration, one stage of a certificate's expiry, one trainer's digest of one day."""

    __tablename__ = "once_marks"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_once_marks_kind_key"),)

    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
