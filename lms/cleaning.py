"""Text typed by a person, checked in a service before it is stored: one home for folding white
space, refusing what is too long and requiring what must be given. A refusal is a
``ServiceError`` naming the form field, in the reader's language.

- ``clean_line``: one line (titles, labels): every run of white space becomes one space.
- ``clean_text``: free text that keeps its line breaks (notes, guidance, instructions).
- ``clean_reason``: the reason an audit record keeps (a withdrawn question, a breach, a
  correction): required, and at most ``text_limits.REASON`` characters wherever it is asked.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.service_error import ServiceError
from lms.text_limits import REASON, too_long


def clean_line(value: str | None, *, field: str, limit: int, required: bool = False) -> str:
    """``value`` as one line, white space folded; refused when over ``limit`` characters
    (or, if ``required``, empty)."""
    text = " ".join((value or "").split())
    return _checked(text, field=field, limit=limit, required=required)


def clean_text(value: str | None, *, field: str, limit: int, required: bool = False) -> str:
    """``value`` with its line breaks (Windows ones made plain), stripped at both ends;
    refused when over ``limit`` characters (or, if ``required``, empty)."""
    text = (value or "").replace("\r\n", "\n").strip()
    return _checked(text, field=field, limit=limit, required=required)


def clean_reason(value: str | None, *, field: str = "reason") -> str:
    """The reason an audit record keeps: required, at most ``REASON`` characters."""
    text = clean_text(value, field=field, limit=REASON)
    if not text:
        raise ServiceError(_l("Give the reason: it is kept in the audit record."), field=field)
    return text


def _checked(text: str, *, field: str, limit: int, required: bool) -> str:
    if required and not text:
        raise ServiceError(_l("This field is required."), field=field)
    if len(text) > limit:
        raise ServiceError(too_long(limit), field=field)
    return text
