"""Courses and modules in several languages (lms.content_translations): which of their fields
are translated. A course's ``language`` is its original's; its modules share it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, select

from courses.models import Course, Module
from lms import content_translations as ct
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
