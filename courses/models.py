"""Courses, their ordered modules and revisions, files, enrolments and completions."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db
from lms.models import User


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    CourseStatus.DRAFT: _l("Draft"),
    CourseStatus.PUBLISHED: _l("Published"),
    CourseStatus.ARCHIVED: _l("Archived"),
}
_STATUSES = ", ".join(f"'{status.value}'" for status in CourseStatus)


class Course(TimestampMixin, db.Model):
    __tablename__ = "courses"
    __table_args__ = (CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),)

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    cover_source: Mapped[str] = mapped_column(Text, default="")
    cover_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=CourseStatus.DRAFT.value)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The edition trainees see: 0 until first published, then 1, 2, ... (see "Editions").
    edition: Mapped[int] = mapped_column(default=0, server_default="0")
    # A published course's pending module order (JSON list of module ids), None if unchanged.
    draft_order: Mapped[str | None] = mapped_column(Text)

    # What trainees see: every module except those added in the pending draft.
    modules: Mapped[list[Module]] = relationship(
        primaryjoin="and_(Course.id == Module.course_id, Module.state != 'added')",
        order_by="Module.position",
        viewonly=True,
    )
    # Every module row, draft ones included (trainer pages, deletion).
    all_modules: Mapped[list[Module]] = relationship(
        back_populates="course",
        order_by="Module.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    ownerships: Mapped[list[CourseOwner]] = relationship(
        back_populates="course", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def status_label(self) -> str:
        return CourseStatus(self.status).label

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    @classmethod
    def by_slug(cls, slug: str) -> Course | None:
        return db.session.scalar(select(cls).where(cls.slug == slug))


class CourseOwner(TimestampMixin, db.Model):
    """A trainer who may edit a course (admins may edit every course)."""

    __tablename__ = "course_owners"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    course: Mapped[Course] = relationship(back_populates="ownerships")
    user: Mapped[User] = relationship()


class ModuleState(StrEnum):
    LIVE = "live"  # trainees see it
    ADDED = "added"  # added to a published course's draft: trainees see it from the next edition
    REMOVED = "removed"  # trainees still see it; the next edition deletes it


class Module(TimestampMixin, db.Model):
    """A chapter of a course. ``html`` and ``toc`` are rendered from ``source`` when saved.

    In a published course an edit of the title or text is a *pending* revision
    (``pending_version``): trainees keep seeing ``title``/``html`` until the next edition."""

    __tablename__ = "modules"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        UniqueConstraint("course_id", "position"),
    )

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    toc_json: Mapped[str] = mapped_column(Text, default="[]")
    minutes: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(16), default="live", server_default="live")
    pending_version: Mapped[int | None]
    edition: Mapped[int] = mapped_column(default=0, server_default="0")  # first shown in
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="all_modules")
    revisions: Mapped[list[ModuleRevision]] = relationship(
        back_populates="module",
        order_by="ModuleRevision.version.desc()",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def toc(self) -> list[dict]:
        return json.loads(self.toc_json or "[]")


class ModuleRevision(TimestampMixin, db.Model):
    """The content of one version of a module, with who saved it and when (``created_at``)."""

    __tablename__ = "module_revisions"
    __table_args__ = (UniqueConstraint("module_id", "version"),)

    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")

    module: Mapped[Module] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()


class CourseFile(TimestampMixin, db.Model):
    """An image used in modules or a methodological material attached to a course.

    The bytes live under the instance folder with a random ``stored_name``; ``filename`` is the
    safe public name (unique per course and kind) that Markdown and download links use.
    """

    __tablename__ = "course_files"
    __table_args__ = (
        UniqueConstraint("course_id", "kind", "filename"),
        CheckConstraint("kind IN ('image', 'material')", name="kind_known"),
    )

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()


class Enrolment(TimestampMixin, db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship()


class ModuleCompletion(TimestampMixin, db.Model):
    """A trainee marked a module as read; ``module_version`` is the version they read."""

    __tablename__ = "module_completions"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    module_version: Mapped[int]


class CourseCompletion(TimestampMixin, db.Model):
    """A trainee completed a course: every module it had was read at ``completed_at``.

    Recorded once, when the last module is marked read, and never undone by modules added
    later (or by un-marking one): eligibility reads this, so a course that grows does not
    take completion away from whoever already completed it. ``modules_total`` is how many
    modules the course had then, ``edition`` which edition of the course it was."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modules_total: Mapped[int]
    edition: Mapped[int] = mapped_column(default=1, server_default="1")  # the edition completed
