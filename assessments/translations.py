"""Rubrics and their lines in several languages (lms.content_translations): the title and
the assessor's instructions of a rubric, the label and guidance of each line. Their original
language is their course's. Scores belong to the line, never to a language: a line marked in
Kazakh is the same line as in English."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, select

from assessments.models import Rubric, RubricLine
from courses.models import Course
from lms import content_translations as ct
from seminars.translations import load_courses

RUBRIC = ct.register_kind(
    "rubric",
    Rubric,
    (
        ct.Field("title", _l("Title"), 200, required=True),
        ct.Field("instructions", _l("Instructions for the assessor"), 5000, multiline=True),
    ),
    original_language=lambda rubric: rubric.course.language,
)

RUBRIC_LINE = ct.register_kind(
    "rubric_line",
    RubricLine,
    (
        ct.Field("label", _l("Line"), 300, required=True),
        ct.Field("guidance", _l("Guidance"), 2000, multiline=True),
    ),
    original_language=lambda line: line.rubric.course.language,
)


def _delete_where(connection, kind: ct.Kind, ids_query) -> None:
    connection.execute(
        delete(ct.ContentTranslation).where(
            ct.ContentTranslation.kind == kind.name,
            ct.ContentTranslation.object_id.in_(ids_query),
        )
    )


@event.listens_for(Rubric, "before_delete")
def _delete_line_translations(mapper, connection, rubric) -> None:
    """Lines go with their rubric by the database's cascade (no ORM delete event each)."""
    _delete_where(
        connection, RUBRIC_LINE, select(RubricLine.id).where(RubricLine.rubric_id == rubric.id)
    )


@event.listens_for(Course, "before_delete")
def _delete_rubric_translations(mapper, connection, course) -> None:
    rubric_ids = select(Rubric.id).where(Rubric.course_id == course.id)
    _delete_where(
        connection, RUBRIC_LINE, select(RubricLine.id).where(RubricLine.rubric_id.in_(rubric_ids))
    )
    _delete_where(connection, RUBRIC, rubric_ids)


def preload_rubrics(rubrics, locale: str | None = None) -> None:
    """The translations of ``rubrics`` and of their lines (when loaded), one query per kind
    (and one for their courses when not loaded yet)."""
    rubrics = [r for r in rubrics if r is not None]
    load_courses(rubrics)
    objects = []
    for rubric in rubrics:
        objects.append(rubric)
        if "lines" in rubric.__dict__:
            objects.extend(rubric.lines)
    ct.preload(objects, locale)


def preload_assessments(assessments, rubrics=(), seminars=()) -> None:
    """The translations of the rubrics (with their lines when loaded) and seminars that a
    page of assessments names, one query per kind."""
    from seminars.translations import preload_seminars

    preload_rubrics([*rubrics, *(a.rubric for a in assessments)])
    preload_seminars([*seminars, *(a.seminar for a in assessments)], courses=False)
