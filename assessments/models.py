"""Practical assessments: rubrics for role-plays and drafting tasks, and trainees' scores.

A rubric has lines, each tied to one criterion. A *quality* line is scored 1–4 (1 not shown,
2 partly, 3 competent, 4 strong) and may require a minimum (e.g. every ethics line at least 3);
a *checklist* line is a required element, present (1) or absent (0). Quality lines are the
``rubric`` instrument of their criterion, checklist lines its ``checklist`` instrument.

An assessment is one trainee scored on one rubric (optionally in a seminar). Scores are kept
per line with who gave them and when; every change is an :class:`AssessmentEvent` until the
assessment is signed off, after which it is read-only. ``open_slot`` holds the trainee's id
while the assessment is a draft and NULL after sign-off, so the unique (rubric, open_slot)
constraint allows one draft per trainee and rubric on every database.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Course
from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db
from lms.models import User
from quizzes.models import Criterion, InstrumentKind
from seminars.models import Seminar


class RubricKind(StrEnum):
    ROLE_PLAY = "role_play"
    DRAFTING = "drafting"


class LineKind(StrEnum):
    QUALITY = "quality"  # scored 1–4
    CHECKLIST = "checklist"  # required element: present 1 / absent 0


QUALITY_SCALE = (1, 2, 3, 4)
CHECKLIST_SCALE = (0, 1)
# The instrument of a criterion that each kind of line measures.
LINE_INSTRUMENT = {
    LineKind.QUALITY.value: InstrumentKind.RUBRIC.value,
    LineKind.CHECKLIST.value: InstrumentKind.CHECKLIST.value,
}


class Rubric(TimestampMixin, db.Model):
    __tablename__ = "rubrics"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("kind IN ('role_play', 'drafting')", name="kind_known"),
    )

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    instructions: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship()
    lines: Mapped[list[RubricLine]] = relationship(
        back_populates="rubric",
        order_by="RubricLine.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class RubricLine(TimestampMixin, db.Model):
    __tablename__ = "rubric_lines"
    __table_args__ = (
        UniqueConstraint("rubric_id", "position"),
        CheckConstraint("kind IN ('quality', 'checklist')", name="kind_known"),
        CheckConstraint("minimum IS NULL OR minimum BETWEEN 1 AND 4", name="minimum_on_scale"),
    )

    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="CASCADE"))
    position: Mapped[int]
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(300))
    guidance: Mapped[str] = mapped_column(Text, default="")
    minimum: Mapped[int | None]  # quality lines only: the lowest acceptable score

    rubric: Mapped[Rubric] = relationship(back_populates="lines")
    criterion: Mapped[Criterion] = relationship()

    @property
    def max_points(self) -> int:
        return 1 if self.kind == LineKind.CHECKLIST else max(QUALITY_SCALE)


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SIGNED_OFF = "signed_off"


class Assessment(TimestampMixin, db.Model):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("rubric_id", "open_slot"),
        CheckConstraint("status IN ('draft', 'signed_off')", name="status_known"),
    )

    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    seminar_id: Mapped[int | None] = mapped_column(
        ForeignKey("seminars.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=AssessmentStatus.DRAFT.value)
    open_slot: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    # A serious breach fails this criterion whatever the scores (e.g. C3-ETH).
    breach_criterion_id: Mapped[int | None] = mapped_column(ForeignKey("criteria.id"))
    breach_note: Mapped[str] = mapped_column(Text, default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_off_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    rubric: Mapped[Rubric] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    seminar: Mapped[Seminar | None] = relationship()
    breach_criterion: Mapped[Criterion | None] = relationship()
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    scores: Mapped[list[AssessmentScore]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", passive_deletes=True
    )
    events: Mapped[list[AssessmentEvent]] = relationship(
        order_by="AssessmentEvent.id", cascade="all, delete-orphan", passive_deletes=True
    )


class AssessmentScore(TimestampMixin, db.Model):
    """The current score of one line, with who gave it and when."""

    __tablename__ = "assessment_scores"
    __table_args__ = (
        UniqueConstraint("assessment_id", "line_id"),
        CheckConstraint("points BETWEEN 0 AND 4", name="points_on_scale"),
    )

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(ForeignKey("rubric_lines.id", ondelete="CASCADE"))
    points: Mapped[int]
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="scores")
    line: Mapped[RubricLine] = relationship()
    assessed_by: Mapped[User | None] = relationship()


class AssessmentEvent(TimestampMixin, db.Model):
    """The audit trail: every score, breach mark, note and the sign-off, before and after."""

    __tablename__ = "assessment_events"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("rubric_lines.id", ondelete="SET NULL"))
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship()
    line: Mapped[RubricLine | None] = relationship()
