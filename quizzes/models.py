"""Criteria, the versioned question bank, quizzes and attempts."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from courses.models import Course, Module
from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db
from lms.markdown_rendering import render_markdown
from lms.models import User
from quizzes.question_texts import dumps, original_texts

SCORE = Numeric(10, 4)


class InstrumentKind(StrEnum):
    QUIZ = "quiz"
    RUBRIC = "rubric"
    CHECKLIST = "checklist"


class Criterion(TimestampMixin, db.Model):
    """A qualification criterion; what every question and rubric line measures."""

    __tablename__ = "criteria"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    must_pass: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    floor: Mapped[int | None]  # compensable criteria: lowest acceptable percent
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    instruments: Mapped[list[CriterionInstrument]] = relationship(
        back_populates="criterion", cascade="all, delete-orphan", passive_deletes=True
    )

    def threshold(self, kind: str) -> int | None:
        return next((i.threshold for i in self.instruments if i.kind == kind), None)


class CriterionInstrument(TimestampMixin, db.Model):
    __tablename__ = "criterion_instruments"
    __table_args__ = (
        UniqueConstraint("criterion_id", "kind"),
        CheckConstraint("threshold BETWEEN 0 AND 100", name="threshold_percent"),
    )

    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[int]

    criterion: Mapped[Criterion] = relationship(back_populates="instruments")


class Question(TimestampMixin, db.Model):
    """A question of a course's bank; its content lives in versions (attempts keep theirs)."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    current_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    criterion: Mapped[Criterion] = relationship()
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question",
        order_by="QuestionVersion.version",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def current(self) -> QuestionVersion:
        return next(v for v in self.versions if v.version == self.current_version)


class QuestionVersion(TimestampMixin, db.Model):
    __tablename__ = "question_versions"
    __table_args__ = (
        UniqueConstraint("question_id", "version"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty_range"),
    )

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    version: Mapped[int]
    stem_source: Mapped[str] = mapped_column(Text)
    stem_html: Mapped[str] = mapped_column(Text)
    definition_json: Mapped[str] = mapped_column(Text)
    points: Mapped[int] = mapped_column(default=1)
    difficulty: Mapped[int] = mapped_column(default=1)
    feedback_source: Mapped[str] = mapped_column(Text, default="")
    feedback_html: Mapped[str] = mapped_column(Text, default="")
    source_reference: Mapped[str] = mapped_column(String(300), default="")
    fact_tag: Mapped[str] = mapped_column(String(16), default="")
    verified_on: Mapped[str] = mapped_column(String(10), default="")  # ISO date
    possibly_amended: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    question: Mapped[Question] = relationship(back_populates="versions")

    @property
    def definition(self) -> dict:
        return json.loads(self.definition_json)

    @property
    def texts_json(self) -> str:
        """The definition's words a reader sees, as one translatable field
        (quizzes.question_texts); "" when there are none."""
        return dumps(original_texts(self.question.type, self.definition))


class QuestionEvent(TimestampMixin, db.Model):
    """The audit record of withdrawing, reinstating or fixing a question and regrading the
    attempts it touched: who, when, why, and every attempt's result before and after."""

    __tablename__ = "question_events"
    __table_args__ = (
        CheckConstraint("action IN ('withdraw', 'reinstate', 'regrade')", name="action_known"),
    )

    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    attempts_affected: Mapped[int] = mapped_column(default=0)
    # [{"attempt": id, "user": id, "before": {"percent", "passed"}, "after": {...}}, ...]
    changes_json: Mapped[str] = mapped_column(Text, default="[]")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship()
    by: Mapped[User | None] = relationship()

    @property
    def changes(self) -> list[dict]:
        return json.loads(self.changes_json or "[]")


class ReviewPolicy(StrEnum):
    SCORE = "score"
    CRITERIA = "criteria"
    ANSWERS = "answers"
    AFTER_CLOSE = "after_close"


class BankScope(StrEnum):
    COURSE = "course"  # draws from the quiz's own course bank
    ALL = "all"  # draws from every course's bank (a final exam across the programme)


class Quiz(TimestampMixin, db.Model):
    __tablename__ = "quizzes"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        CheckConstraint("selection IN ('fixed', 'draw')", name="selection_known"),
        CheckConstraint("bank_scope IN ('course', 'all')", name="bank_scope_known"),
    )

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"))
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    instructions_html: Mapped[str] = mapped_column(Text, default="")  # rendered when set
    pass_mark: Mapped[int] = mapped_column(default=70)
    time_limit_minutes: Mapped[int | None]
    attempts_allowed: Mapped[int | None]
    wait_minutes: Mapped[int] = mapped_column(default=0)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    review_policy: Mapped[str] = mapped_column(String(16), default=ReviewPolicy.CRITERIA.value)
    selection: Mapped[str] = mapped_column(String(8), default="fixed")
    bank_scope: Mapped[str] = mapped_column(String(8), default=BankScope.COURSE.value)
    published: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()
    module: Mapped[Module | None] = relationship()
    fixed_questions: Mapped[list[QuizQuestion]] = relationship(
        order_by="QuizQuestion.position", cascade="all, delete-orphan", passive_deletes=True
    )
    draw_rules: Mapped[list[DrawRule]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @validates("instructions")
    def _render_instructions(self, key: str, value: str) -> str:
        """Markdown is rendered once, when stored, wherever the instructions come from."""
        self.instructions_html = render_markdown(value or "").html
        return value


class QuizQuestion(TimestampMixin, db.Model):
    __tablename__ = "quiz_questions"
    __table_args__ = (UniqueConstraint("quiz_id", "question_id"),)

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    position: Mapped[int]

    question: Mapped[Question] = relationship()


class DrawRule(TimestampMixin, db.Model):
    """Draw ``count`` active questions of a criterion (optionally of one difficulty)."""

    __tablename__ = "quiz_draw_rules"
    __table_args__ = (
        UniqueConstraint("quiz_id", "criterion_id", "difficulty"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    count: Mapped[int]
    difficulty: Mapped[int | None]

    criterion: Mapped[Criterion] = relationship()


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"  # graded, or waiting for a trainer to score written answers
    GRADED = "graded"


class Attempt(TimestampMixin, db.Model):
    """One sitting of a quiz. ``open_slot`` equals the user id while the attempt is in
    progress and NULL after, so the unique (quiz, open_slot) constraint allows one open
    attempt per trainee and quiz on every database (NULLs never collide)."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("quiz_id", "open_slot"),
        UniqueConstraint("quiz_id", "user_id", "number"),
        CheckConstraint("status IN ('in_progress', 'submitted', 'graded')", name="status_known"),
        # The attempts waiting for marking (status 'submitted': few, whatever the history),
        # found without reading every attempt of a quiz (quizzes.marking, the dashboard).
        Index("ix_attempts_status_quiz_id", "status", "quiz_id"),
    )

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.IN_PROGRESS.value)
    open_slot: Mapped[int | None]
    seed: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    earned: Mapped[Decimal | None] = mapped_column(SCORE)
    possible: Mapped[Decimal | None] = mapped_column(SCORE)
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    passed: Mapped[bool | None]
    result_json: Mapped[str] = mapped_column(Text, default="{}")
    # The trainee's language at the start: questions are shown in it where translated
    # (quizzes.translations); None for attempts started before, shown in the original.
    language: Mapped[str | None] = mapped_column(String(8))

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        order_by="AttemptQuestion.position", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def result(self) -> dict:
        return json.loads(self.result_json or "{}")


class AttemptQuestion(TimestampMixin, db.Model):
    """A question as frozen in an attempt: its version and presentation, and the answer."""

    __tablename__ = "attempt_questions"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    presentation_json: Mapped[str] = mapped_column(Text)
    answer_json: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The trainee's "come back to this" mark (navigator and summary before hand-in).
    flagged: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A trainer's marks of a written answer: points per rubric line, and their sum.
    rubric_points_json: Mapped[str | None] = mapped_column(Text)
    manual_points: Mapped[int | None]
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    version: Mapped[QuestionVersion] = relationship()

    @property
    def presentation(self) -> dict:
        return json.loads(self.presentation_json)

    @property
    def answer(self):
        return None if self.answer_json is None else json.loads(self.answer_json)
