"""The longest text each long-text field takes: the one place these limits are defined.

Forms (``Length``), services and importers all read them, so a text refused in a form is
refused the same way when it arrives through a service call or an import. The longest demo
module is about 7,000 characters; a module may hold fourteen times that. Rendering costs a
fixed multiple of the length (see ``lms.markdown_rendering``), so these caps also bound the
time one save or preview can take.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.service_error import ServiceError

MODULE_SOURCE = 100_000  # a module's Markdown (also the live preview's limit)
COURSE_COVER = 20_000  # a course's cover page
QUESTION_TEXT = 20_000  # a question's stem and its feedback
QUESTION_LIST = 20_000  # options, accepted answers, pairs, items, rubric lines
MODEL_ANSWER = 10_000
QUIZ_INSTRUCTIONS = 20_000
SEMINAR_DESCRIPTION = 5_000
REASON = 2_000  # the reason an audit record keeps (lms.cleaning.clean_reason)


def too_long(limit: int):
    """The message for a text over ``limit`` characters, in the reader's language."""
    return _l("Use at most %(n)d characters.", n=limit)


def render_within(field, limit: int) -> str:
    """A form field's Markdown as HTML for a preview, or "" with an error on the field when
    it is longer than ``limit`` (a preview never renders what could not be saved)."""
    text = field.data or ""
    if len(text) > limit:
        field.errors = [*field.errors, too_long(limit)]
        return ""
    from lms.markdown_rendering import render_markdown

    return render_markdown(text).html


def check_length(text: str, limit: int, field: str) -> str:
    """``text`` if it has at most ``limit`` characters, else ServiceError on ``field``."""
    if len(text) > limit:
        raise ServiceError(too_long(limit), field=field)
    return text
