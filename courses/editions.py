"""Editions of a published course (issue 20): changes are prepared as a draft and published
together as the next edition.

While a course is published, trainers' structural edits wait (``courses.authoring``): a new
module has state ``added`` (trainees do not see it), a deleted one ``removed`` (they still
do), a changed title or text is a pending revision (``Module.pending_version``), a new order
is ``Course.draft_order``. ``publish_edition`` applies them all in one transaction and counts
the edition up; ``discard_draft`` drops them. Module ids stay, so read marks of unchanged
modules, translations and quiz links stay; a changed module's mark shows "updated since you
read it"; a ``CourseCompletion`` keeps the edition it was of and is never undone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from courses import authoring
from courses.models import (
    Course,
    CourseCompletion,
    Enrolment,
    Module,
    ModuleCompletion,
    ModuleRevision,
    ModuleState,
)
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError


@dataclass
class Changes:
    """What the next edition changes for trainees."""

    added: list[Module] = field(default_factory=list)
    removed: list[Module] = field(default_factory=list)
    changed: list[Module] = field(default_factory=list)
    reordered: bool = False

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.reordered)


def pending_changes(course: Course) -> Changes:
    modules = authoring.draft_modules(course)
    changes = Changes(
        added=[m for m in modules if m.state == ModuleState.ADDED],
        removed=[m for m in modules if m.state == ModuleState.REMOVED],
        changed=[
            m for m in modules if m.pending_version is not None and m.state == ModuleState.LIVE
        ],
    )
    kept = [m.id for m in modules if m.state == ModuleState.LIVE]
    by_position = [m.id for m in course.all_modules if m.state == ModuleState.LIVE]
    changes.reordered = kept != by_position
    return changes


@dataclass(frozen=True)
class Learner:
    user: User
    read: int  # modules of the current edition read
    completed: CourseCompletion | None


@dataclass
class Affected:
    """Whom publishing the next edition affects."""

    in_progress: list[Learner]  # enrolled, not completed: they see the new edition
    completed: list[Learner]  # completed an edition: they keep it

    @property
    def count(self) -> int:
        return len(self.in_progress) + len(self.completed)


def affected_people(course: Course) -> Affected:
    """Everyone enrolled, with what they read and whether they completed: three queries."""
    live_ids = [m.id for m in course.modules]
    enrolled = list(
        db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == course.id)
            .order_by(User.full_name, User.id)
        )
    )
    ids = [user.id for user in enrolled]
    reads = (
        dict(
            db.session.execute(
                select(ModuleCompletion.user_id, func.count(ModuleCompletion.id))
                .where(ModuleCompletion.user_id.in_(ids), ModuleCompletion.module_id.in_(live_ids))
                .group_by(ModuleCompletion.user_id)
            ).all()
        )
        if ids and live_ids
        else {}
    )
    completions = (
        {
            c.user_id: c
            for c in db.session.scalars(
                select(CourseCompletion).where(
                    CourseCompletion.course_id == course.id, CourseCompletion.user_id.in_(ids)
                )
            )
        }
        if ids
        else {}
    )
    learners = [Learner(u, reads.get(u.id, 0), completions.get(u.id)) for u in enrolled]
    return Affected(
        in_progress=[x for x in learners if x.completed is None],
        completed=[x for x in learners if x.completed is not None],
    )


def publish_edition(course: Course) -> int:
    """Publish the pending changes as the next edition; returns its number."""
    if not course.is_published:
        raise ServiceError(_l("Only a published course has editions; edit it directly."))
    changes = pending_changes(course)
    if changes.empty:
        raise ServiceError(_l("There are no changes to publish."))
    order = [m.id for m in authoring.draft_modules(course) if m.state != ModuleState.REMOVED]
    if not order:
        raise ServiceError(_l("An edition needs at least one module."))
    edition = course.edition + 1
    for module in changes.changed:
        pending = authoring.pending_revision(module)
        module.title, module.source = pending.title, pending.source
        module.version, module.pending_version = pending.version, None
        authoring.render_into(module, course.language)
    for module in changes.added:
        module.state, module.edition = ModuleState.LIVE.value, edition
    for module in changes.removed:
        db.session.delete(module)
    db.session.flush()
    authoring.apply_order(course, order)
    course.draft_order = None
    course.edition = edition
    db.session.commit()
    db.session.expire(course)
    return edition


def discard_draft(course: Course) -> None:
    """Drop every pending change: trainees' edition stays as it is."""
    if not authoring.has_draft(course):
        raise ServiceError(_l("There are no changes to discard."))
    for module in list(course.all_modules):
        if module.state == ModuleState.ADDED:
            db.session.delete(module)
        elif module.pending_version is not None:
            db.session.execute(
                delete(ModuleRevision).where(
                    ModuleRevision.module_id == module.id,
                    ModuleRevision.version == module.pending_version,
                )
            )
            module.pending_version = None
        if module.state == ModuleState.REMOVED:
            module.state = ModuleState.LIVE.value
    course.draft_order = None
    db.session.commit()
    db.session.expire(course)
