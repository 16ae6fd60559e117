"""What the site search (``lms.search``) finds in courses: courses and modules, in their
original and in their translations, as the course pages show them: published courses to
everyone, drafts to those who may edit them; a module's text only to who may read it
(enrolled in its course, or editing it), its title to whoever sees the course."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager

from courses.models import Course, CourseStatus, Enrolment, Module
from courses.permissions import owns_course
from courses.translations import COURSE, MODULE
from lms import content_translations as ct
from lms.search import Hit, contains, snippet, translated_ids


def _visible(user) -> object:
    return or_(Course.status == CourseStatus.PUBLISHED.value, owns_course(user, Course.id))


def course_query(user, words: str) -> Select:
    return (
        select(Course)
        .where(
            _visible(user),
            or_(
                contains(Course.title, words),
                contains(Course.summary, words),
                Course.id.in_(translated_ids(COURSE.name, ("title", "summary"), words)),
            ),
        )
        .order_by(Course.title, Course.id)
    )


def course_hits(courses: list[Course]) -> list[Hit]:
    ct.preload(courses)
    return [
        Hit(
            ct.text(course, "title"),
            url_for("courses.course_page", slug=course.slug),
            snippet(ct.text(course, "summary"), ""),
        )
        for course in courses
    ]


def module_query(user, words: str) -> Select:
    titles = or_(
        contains(Module.title, words),
        Module.id.in_(translated_ids(MODULE.name, ("title",), words)),
    )
    readable = (
        Module.course_id.in_(select(Enrolment.course_id).where(Enrolment.user_id == user.id))
        if user.is_authenticated
        else None
    )
    if readable is not None:
        readable = or_(readable, owns_course(user, Module.course_id))
        texts = readable & or_(
            contains(Module.source, words),
            Module.id.in_(translated_ids(MODULE.name, ("source",), words)),
        )
        matches = or_(titles, texts)
    else:
        matches = titles
    return (
        select(Module)
        .join(Course, Module.course_id == Course.id)
        .where(_visible(user), matches)
        .options(contains_eager(Module.course))
        .order_by(Course.title, Course.id, Module.position)
    )


def module_hits(modules: list[Module]) -> list[Hit]:
    ct.preload([*{m.course_id: m.course for m in modules}.values(), *modules])
    return [
        Hit(
            ct.text(module, "title"),
            url_for("courses.module_page", slug=module.course.slug, module_slug=module.slug),
            ct.text(module.course, "title"),
        )
        for module in modules
    ]
