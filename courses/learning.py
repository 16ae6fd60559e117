"""What trainees do: find published courses, enrol, read modules and track their progress.

The page-level queries here run a fixed number of SQL statements however many courses,
modules or enrolments there are (tests count them).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import Select

from courses import translations
from courses.models import (
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    Module,
    ModuleCompletion,
    ModuleState,
)
from courses.permissions import can_edit
from lms.database import column_rows, utcnow
from lms.extensions import db
from lms.models import User


def catalogue_query(search: str = "", language: str = "") -> Select:
    """Published courses, optionally matching words of the title or summary (the original's or
    a translation's) and a language they are available in (original or complete translation)."""
    query = select(Course).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.title)
    search = " ".join((search or "").split())[:100]
    if search:
        query = query.where(
            or_(
                func.lower(Course.title).contains(search.lower(), autoescape=True),
                Course.title.contains(search, autoescape=True),
                func.lower(Course.summary).contains(search.lower(), autoescape=True),
                translations.matches_translation(search),
            )
        )
    if language:
        query = query.where(translations.available_in(language))
    return query


_MODULE_COUNTS = (
    select(Module.course_id, func.count(Module.id), func.coalesce(func.sum(Module.minutes), 0))
    .where(
        Module.course_id.in_(bindparam("course_ids", expanding=True)),
        Module.state != ModuleState.ADDED.value,
    )
    .group_by(Module.course_id)
)


def module_counts(course_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For each course id: (number of modules, total reading minutes), in one query (a
    statement built once: the catalogue runs it on every page)."""
    if not course_ids:
        return {}
    rows = db.session.execute(_MODULE_COUNTS, {"course_ids": list(course_ids)})
    return {course_id: (count, minutes) for course_id, count, minutes in rows}


# One statement for the course and its modules (joined: a second round trip cost more than
# the course's columns repeated per module). The modules' texts stay unread: a page shows one
# module's at most (``open_module``), and a course's ten texts weigh 100-300 KB (the demo's).
_COURSE_BY_SLUG = (
    select(Course)
    .where(Course.slug == bindparam("slug"))
    .options(
        joinedload(Course.modules).options(
            defer(Module.source), defer(Module.html), defer(Module.toc_json)
        )
    )
)
_OPENED = select(
    Module.source,
    Module.html,
    Module.toc_json,
    exists().where(Enrolment.course_id == Module.course_id, Enrolment.user_id == bindparam("user")),
).where(Module.id == bindparam("id"))


def viewable_course(slug: str, user: User) -> Course | None:
    """The course if ``user`` may see it: published, or one they may edit (preview). Its
    owners are loaded only when asked (``can_edit`` asks for trainers' only)."""
    course = db.session.execute(_COURSE_BY_SLUG, {"slug": slug}).unique().scalar_one_or_none()
    if course is None:
        return None
    _belong_to(course, course.modules)
    if course.status == CourseStatus.PUBLISHED or can_edit(user, course):
        return course
    return None


def open_module(module: Module, user: User) -> bool:
    """Load the texts of the module a page shows (``viewable_course`` reads the modules
    without them) and say whether ``user`` is enrolled in its course: what the module page
    needs besides the course, in one statement (three deferred columns read one by one
    would be three, the enrolment a fourth)."""
    user_id = user.id if user.is_authenticated else None
    source, html, toc_json, enrolled = column_rows(
        _OPENED, {"id": module.id, "user": user_id}
    ).one()
    for name, value in (("source", source), ("html", html), ("toc_json", toc_json)):
        set_committed_value(module, name, value)
    return bool(enrolled) and user_id is not None


def _belong_to(course: Course, modules: list[Module]) -> None:
    """Set each module's ``course`` to the one loaded with it. The modules come through
    ``Course.modules``, a view-only relationship that does not fill it, and a page asks for
    it about thirty times (each module's original language: ``courses.translations``), each
    time through the ORM's lazy loader and the session's identity map."""
    for module in modules:
        if "course" not in module.__dict__:
            set_committed_value(module, "course", course)


def is_enrolled(user: User, course: Course) -> bool:
    if not user.is_authenticated:
        return False
    return column_rows(_ENROLMENT_OF, {"user": user.id, "course": course.id}).first() is not None


_ENROLMENT_OF = select(Enrolment.id).where(
    Enrolment.user_id == bindparam("user"), Enrolment.course_id == bindparam("course")
)


def enrol(user: User, course: Course) -> Enrolment:
    """Enrol ``user`` (idempotent: enrolling twice, even at once, leaves one enrolment)."""
    existing = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    if existing is not None:
        return existing
    enrolment = Enrolment(user_id=user.id, course_id=course.id, enrolled_at=utcnow())
    db.session.add(enrolment)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(
            select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
        )
    return enrolment


def complete_module(user: User, module: Module) -> ModuleCompletion:
    """Mark a module read at its current version (again after it changed: the version moves).
    Reading the last unread module completes the course (see :func:`record_course_completion`)."""
    completion = db.session.scalar(
        select(ModuleCompletion).where(
            ModuleCompletion.user_id == user.id, ModuleCompletion.module_id == module.id
        )
    )
    if completion is None:
        completion = ModuleCompletion(
            user_id=user.id,
            module_id=module.id,
            module_version=module.version,
            completed_at=utcnow(),
        )
        db.session.add(completion)
    else:
        completion.module_version = module.version
        completion.completed_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # a double click raced us; the other request recorded it
        db.session.rollback()
    record_course_completion(user, module.course_id)
    return completion


def record_course_completion(user: User, course_id: int) -> CourseCompletion | None:
    """Record that ``user`` completed the course if they have read every module it has now
    (once: a completion stays, whatever is added to the course later) with the course's
    current edition; idempotent. Modules only in a pending draft do not count."""
    existing = db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course_id
        )
    )
    if existing is not None:
        return existing
    total, read = db.session.execute(
        select(func.count(Module.id), func.count(ModuleCompletion.id))
        .select_from(Module)
        .outerjoin(
            ModuleCompletion,
            (ModuleCompletion.module_id == Module.id) & (ModuleCompletion.user_id == user.id),
        )
        .where(Module.course_id == course_id, Module.state != ModuleState.ADDED.value)
    ).one()
    if not total or read < total:
        return None
    record = CourseCompletion(
        user_id=user.id,
        course_id=course_id,
        completed_at=utcnow(),
        modules_total=total,
        edition=max(db.session.get(Course, course_id).edition, 1),
    )
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:  # recorded by a request that raced us
        db.session.rollback()
        return db.session.scalar(
            select(CourseCompletion).where(
                CourseCompletion.user_id == user.id, CourseCompletion.course_id == course_id
            )
        )
    return record


def uncomplete_module(user: User, module: Module) -> None:
    completion = db.session.scalar(
        select(ModuleCompletion).where(
            ModuleCompletion.user_id == user.id, ModuleCompletion.module_id == module.id
        )
    )
    if completion is not None:
        db.session.delete(completion)
        db.session.commit()


@dataclass
class Progress:
    """How far one trainee is in one course."""

    total: int
    completed: dict[int, int] = field(default_factory=dict)  # module id -> version read
    next_module: Module | None = None
    completed_at: datetime | None = None  # when they completed the course (recorded)
    completed_edition: int | None = None  # which edition they completed
    new_since: list[Module] = field(default_factory=list)  # unread, added after that

    @property
    def done(self) -> int:
        return len(self.completed)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        """Every module the course has now is read."""
        return self.total > 0 and self.done >= self.total

    @property
    def course_completed(self) -> bool:
        """Completed once (recorded) or every module read now: what eligibility counts."""
        return self.completed_at is not None or self.finished


@dataclass(frozen=True)
class Completed:
    at: datetime
    edition: int


def _progress(
    modules: list[Module], completed: dict[int, int], done: Completed | None = None
) -> Progress:
    mine = {module.id: completed[module.id] for module in modules if module.id in completed}
    upcoming = next((module for module in modules if module.id not in mine), None)
    new_since = (
        [
            m
            for m in modules
            if m.id not in mine and (m.edition > done.edition or m.created_at > done.at)
        ]
        if done is not None
        else []
    )
    return Progress(
        total=len(modules),
        completed=mine,
        next_module=upcoming,
        completed_at=done.at if done else None,
        completed_edition=done.edition if done else None,
        new_since=new_since,
    )


def course_completions(
    user_ids: list[int], course_ids: list[int]
) -> dict[tuple[int, int], Completed]:
    """(user id, course id) -> when that user completed which edition, in one query."""
    if not user_ids or not course_ids:
        return {}
    rows = column_rows(_completions_statement(), {"users": user_ids, "courses": course_ids})
    return {(user_id, course_id): Completed(at, ed) for user_id, course_id, at, ed in rows}


# The statements of the progress every course page shows, built once per process.
@functools.cache
def _completions_statement():
    return select(
        CourseCompletion.user_id,
        CourseCompletion.course_id,
        CourseCompletion.completed_at,
        CourseCompletion.edition,
    ).where(
        CourseCompletion.user_id.in_(bindparam("users", expanding=True)),
        CourseCompletion.course_id.in_(bindparam("courses", expanding=True)),
    )


@functools.cache
def _reads_statement():
    return select(
        ModuleCompletion.user_id, ModuleCompletion.module_id, ModuleCompletion.module_version
    ).where(
        ModuleCompletion.user_id.in_(bindparam("users", expanding=True)),
        ModuleCompletion.module_id.in_(bindparam("modules", expanding=True)),
    )


def module_reads(user_ids: list[int], module_ids: list[int]) -> dict[int, dict[int, int]]:
    """user id -> {module id: version read}, for many users at once (one query)."""
    found: dict[int, dict[int, int]] = {user_id: {} for user_id in user_ids}
    if not user_ids or not module_ids:
        return found
    for user_id, module_id, version in column_rows(
        _reads_statement(), {"users": user_ids, "modules": module_ids}
    ):
        found[user_id][module_id] = version
    return found


def course_progress(user: User, course: Course) -> Progress:
    if not user.is_authenticated:
        return _progress(list(course.modules), {})
    return progress_of_many([user], course)[user.id]


def progress_of_many(users: list[User], course: Course) -> dict[int, Progress]:
    """Each user's progress in ``course`` in a fixed number of queries, however many users."""
    modules = list(course.modules)
    ids = [user.id for user in users]
    reads = module_reads(ids, [m.id for m in modules])
    done = course_completions(ids, [course.id])
    return {
        user_id: _progress(modules, reads[user_id], done.get((user_id, course.id)))
        for user_id in ids
    }


@dataclass(frozen=True)
class LearningRow:
    course: Course
    enrolled_at: object
    progress: Progress
    minutes_left: int


def my_learning(user: User) -> list[LearningRow]:
    """Every course ``user`` is enrolled in, with progress and the next module: one query."""
    enrolled: dict[int, tuple[Course, datetime, Completed | None]] = {}
    modules_by_course: dict[int, list[Module]] = {}
    completed: dict[int, int] = {}
    for course, enrolled_at, done_at, done_edition, module, version in db.session.execute(
        _my_learning_statement(), {"user": user.id}
    ):
        if course.id not in enrolled:
            done = Completed(done_at, done_edition) if done_at is not None else None
            enrolled[course.id] = (course, enrolled_at, done)
            modules_by_course[course.id] = []
        if module is not None:
            modules_by_course[course.id].append(module)
            if version is not None:
                completed[module.id] = version
    rows = []
    for course, enrolled_at, done in enrolled.values():
        modules = modules_by_course[course.id]
        _belong_to(course, modules)
        progress = _progress(modules, completed, done)
        minutes_left = sum(m.minutes for m in modules if m.id not in progress.completed)
        rows.append(LearningRow(course, enrolled_at, progress, minutes_left))
    return rows


@functools.cache
def _my_learning_statement():
    """Each published course ``user`` is enrolled in, most recent enrolment first, with when
    they completed it (if so) and each module trainees see, in order, with the version the
    user read (if any): one statement, built once, instead of four. The course's columns
    repeat per module, which costs less than a round trip each for the modules, the reads
    and the completions."""
    user = bindparam("user")
    return (
        select(
            Course,
            Enrolment.enrolled_at,
            CourseCompletion.completed_at,
            CourseCompletion.edition,
            Module,
            ModuleCompletion.module_version,
        )
        .select_from(Enrolment)
        .join(Course, Enrolment.course_id == Course.id)
        .outerjoin(
            CourseCompletion,
            (CourseCompletion.course_id == Course.id) & (CourseCompletion.user_id == user),
        )
        .outerjoin(
            Module,
            (Module.course_id == Course.id) & (Module.state != ModuleState.ADDED.value),
        )
        .outerjoin(
            ModuleCompletion,
            (ModuleCompletion.module_id == Module.id) & (ModuleCompletion.user_id == user),
        )
        .where(Enrolment.user_id == user, Course.status == CourseStatus.PUBLISHED.value)
        # Titles, slugs and minutes make a row; the texts (kilobytes each) stay unread.
        .options(defer(Module.source), defer(Module.html), defer(Module.toc_json))
        .order_by(Enrolment.enrolled_at.desc(), Course.id, Module.position)
    )
