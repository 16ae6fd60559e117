"""Seminars and their sessions in several languages (lms.content_translations): which of
their texts are translated.

A seminar's ``language`` is the language it is *held* in; its texts (title, description,
venue, session topics) are written in its course's language, their original. Code that
matches session topics on words (``certificates`` required topics such as "Day 4: ethics")
reads the original attribute, never a translation.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, select
from sqlalchemy.orm.util import identity_key

from courses.models import Course
from lms import content_translations as ct
from lms.extensions import db
from lms.text_limits import SEMINAR_DESCRIPTION
from seminars.models import Seminar, SeminarSession

SEMINAR = ct.register_kind(
    "seminar",
    Seminar,
    (
        ct.Field("title", _l("Title"), 200, required=True),
        ct.Field("description", _l("Description"), SEMINAR_DESCRIPTION, multiline=True),
        ct.Field("venue", _l("Venue"), 300),
    ),
    original_language=lambda seminar: seminar.course.language,
)

SESSION = ct.register_kind(
    "seminar_session",
    SeminarSession,
    (ct.Field("topic", _l("Topic"), 300, required=True),),
    original_language=lambda session: session.seminar.course.language,
)


def _delete_where(connection, kind: ct.Kind, ids_query) -> None:
    connection.execute(
        delete(ct.ContentTranslation).where(
            ct.ContentTranslation.kind == kind.name,
            ct.ContentTranslation.object_id.in_(ids_query),
        )
    )


@event.listens_for(Seminar, "before_delete")
def _delete_session_translations(mapper, connection, seminar) -> None:
    """Sessions go with their seminar by the database's cascade (no ORM delete event each)."""
    _delete_where(
        connection,
        SESSION,
        select(SeminarSession.id).where(SeminarSession.seminar_id == seminar.id),
    )


@event.listens_for(Course, "before_delete")
def _delete_seminar_translations(mapper, connection, course) -> None:
    """A course's seminars and their sessions go by the database's cascade."""
    seminar_ids = select(Seminar.id).where(Seminar.course_id == course.id)
    _delete_where(
        connection,
        SESSION,
        select(SeminarSession.id).where(SeminarSession.seminar_id.in_(seminar_ids)),
    )
    _delete_where(connection, SEMINAR, seminar_ids)


def load_courses(objects) -> list[Course]:
    """The courses of ``objects`` (anything with ``course_id``), in one query for those not
    yet in the session: reading an original's language then costs nothing per row."""
    objects = [o for o in objects if o is not None]
    # A course already in the session (another panel's) is found there without a query.
    loaded = db.session.identity_map
    missing = {
        o.course_id
        for o in objects
        if "course" not in o.__dict__ and identity_key(Course, o.course_id) not in loaded
    }
    # Held until each object's course is read below: the identity map keeps no object alive
    # by itself, and a course collected in between would be read again, one query each.
    held = []
    if missing:
        held = list(db.session.scalars(select(Course).where(Course.id.in_(missing))))
    courses = list({o.course_id: o.course for o in objects}.values())
    del held  # each object holds its course now
    return courses


def preload_seminars(
    seminars, locale: str | None = None, *, courses: bool = True, sessions: bool = False
) -> None:
    """The translations of ``seminars``, of their sessions (when loaded, or loaded now with
    ``sessions``) and of their courses' titles, one query per kind: lists call it before
    rendering titles and topics."""
    seminars = [s for s in seminars if s is not None]
    objects: list = load_courses(seminars) if courses else []
    if not courses:
        load_courses(seminars)
    for seminar in seminars:
        objects.append(seminar)
        if sessions or "sessions" in seminar.__dict__:
            objects.extend(seminar.sessions)
    ct.preload(objects, locale)


def untranslated(*groups) -> str | None:
    """The original language of the first text of ``groups`` (each ``(objects, fields)``; an
    object may be None, a field it lacks is skipped) that the reader sees untranslated, or
    None when every non-empty one is in the reader's language. Pages say so discreetly."""
    locale = ct.current_locale()
    for objects, fields in groups:
        if not isinstance(objects, list | tuple):
            objects = [objects]
        for obj in objects:
            if obj is None:
                continue
            for name in fields:
                if not (getattr(obj, name, None) or "").strip():
                    continue
                shown = ct.shown_language(obj, name, locale)
                if shown != locale:
                    return shown
    return None


def preload_in_template(objects) -> str:
    """``{{ tr_preload(objects) }}``: load their translations in the language being rendered
    (an e-mail's recipient's) with one query per kind; writes nothing."""
    ct.preload(objects)
    return ""
