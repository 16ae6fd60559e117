"""Courses and modules in several languages (lms.content_translations): which of their fields
are translated. A course's ``language`` is its original's; its modules share it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    String,
    bindparam,
    delete,
    event,
    func,
    literal,
    select,
    union_all,
)

from courses.models import Course, Module, ModuleState
from lms import content_translations as ct
from lms.extensions import db
from lms.markdown_rendering import render_markdown
from lms.text_limits import COURSE_COVER, MODULE_SOURCE


def _render(obj, source: str):
    # Stored HTML keeps relative links relative, as the original's does (courses.authoring).
    return render_markdown(source)


COURSE = ct.register_kind(
    "course",
    Course,
    (
        ct.Field("title", _l("Title"), 200, required=True),
        ct.Field("summary", _l("Summary"), 500),
        ct.Field("cover_source", _l("Cover page"), COURSE_COVER, markdown=True),
    ),
    original_language=lambda course: course.language,
    render=_render,
    original_html=lambda course, field: course.cover_html,
)

MODULE = ct.register_kind(
    "module",
    Module,
    (
        ct.Field("title", _l("Title"), 200, required=True),
        ct.Field("source", _l("Text"), MODULE_SOURCE, markdown=True),
    ),
    original_language=lambda module: module.course.language,
    render=_render,
    original_html=lambda module, field: module.html,
)


@event.listens_for(Course, "before_delete")
def _delete_module_translations(mapper, connection, course) -> None:
    """Modules go with their course by the database's cascade (no ORM delete event for each),
    so their translations are removed here."""
    connection.execute(
        delete(ct.ContentTranslation).where(
            ct.ContentTranslation.kind == MODULE.name,
            ct.ContentTranslation.object_id.in_(
                select(Module.id).where(Module.course_id == course.id)
            ),
        )
    )


# --- which languages a course is available in ---------------------------------------------


def _needed_fields(course_ids=None):
    """SQL: one row (course_id, kind, object_id, field) for each non-empty translatable field
    of the courses (``course_ids``, or all) and their modules."""
    parts = []
    for f in COURSE.fields:
        column = getattr(Course, f.name)
        query = select(
            Course.id.label("course_id"),
            literal(COURSE.name, String).label("kind"),
            Course.id.label("object_id"),
            literal(f.name, String).label("field"),
        ).where(column != "")
        if course_ids is not None:
            query = query.where(Course.id.in_(course_ids))
        parts.append(query)
    for f in MODULE.fields:
        column = getattr(Module, f.name)
        query = select(
            Module.course_id,
            literal(MODULE.name, String),
            Module.id,
            literal(f.name, String),
        ).where(column != "", Module.state != ModuleState.ADDED.value)
        if course_ids is not None:
            query = query.where(Module.course_id.in_(course_ids))
        parts.append(query)
    return union_all(*parts).subquery("needed")


def _complete_translations(course_ids=None):
    """SQL: (course_id, locale) for each language in which every non-empty field of the course
    and of its modules has a translation. Out-of-date translations still count here (they are
    text in that language; the trainers' overview marks them): whether one is out of date needs
    the original's SHA-256, which SQL does not compute."""
    needed = _needed_fields(course_ids)
    totals = (
        select(needed.c.course_id, func.count().label("n"))
        .group_by(needed.c.course_id)
        .subquery("totals")
    )
    row = ct.ContentTranslation
    done = (
        select(needed.c.course_id, row.locale, func.count().label("n"))
        .join(
            row,
            (row.kind == needed.c.kind)
            & (row.object_id == needed.c.object_id)
            & (row.field == needed.c.field),
        )
        .group_by(needed.c.course_id, row.locale)
        .subquery("done")
    )
    return select(done.c.course_id, done.c.locale).join(
        totals, (totals.c.course_id == done.c.course_id) & (totals.c.n == done.c.n)
    )


_COMPLETE_BY_COURSE = None


def _complete_by_course():
    """``_complete_translations`` for the courses of the ``course_ids`` parameter, built once
    per process: building this union anew cost more than running it (SQLAlchemy then finds
    its compiled form in the engine's cache)."""
    global _COMPLETE_BY_COURSE
    if _COMPLETE_BY_COURSE is None:
        _COMPLETE_BY_COURSE = _complete_translations(bindparam("course_ids", expanding=True))
    return _COMPLETE_BY_COURSE


def available_languages(courses) -> dict[int, list[str]]:
    """For each course: its original's language, then each language its translation is
    complete in (in the site's order). One query, however many courses."""
    courses = list(courses)
    found = {course.id: {course.language} for course in courses}
    if courses:
        for course_id, locale in db.session.execute(
            _complete_by_course(), {"course_ids": list(found)}
        ):
            found[course_id].add(locale)
    order = ct.languages()
    return {
        course.id: [course.language]
        + [loc for loc in order if loc in found[course.id] and loc != course.language]
        for course in courses
    }


def available_in(locale: str) -> ColumnElement[bool]:
    """SQL: the course is available in ``locale`` (its original, or a complete translation)."""
    complete = _complete_translations().subquery("complete")
    return (Course.language == locale) | Course.id.in_(
        select(complete.c.course_id).where(complete.c.locale == locale)
    )


def matches_translation(search: str) -> ColumnElement[bool]:
    """SQL: a translation of the course's title or summary contains ``search``."""
    row = ct.ContentTranslation
    return Course.id.in_(
        select(row.object_id).where(
            row.kind == COURSE.name,
            row.field.in_(("title", "summary")),
            func.lower(row.text).contains(search.lower(), autoescape=True)
            | row.text.contains(search, autoescape=True),
        )
    )


def preload_course(course: Course) -> None:
    """A course and its modules' translations in the reader's language: two queries at most."""
    ct.preload([course, *course.modules])


# --- the trainers' side-by-side editor -----------------------------------------------------


def other_languages(course: Course) -> list[str]:
    """The languages a course may be translated into: the site's, but its original's."""
    return [locale for locale in ct.languages() if locale != course.language]


@dataclass(frozen=True)
class ObjectCoverage:
    obj: object
    kind: ct.Kind
    coverage: dict[str, ct.Coverage]


def overview(course: Course) -> tuple[dict[str, ct.Coverage], list[ObjectCoverage]]:
    """Per language: the coverage of the whole course (course and modules), and of each object
    (the course first, then its modules in order). One query per object and kind."""
    locales = other_languages(course)
    objects = [course, *course.modules]
    total = ct.coverage(objects, locales)
    rows = [ObjectCoverage(obj, ct.kind_of(obj), ct.coverage([obj], locales)) for obj in objects]
    return total, rows
