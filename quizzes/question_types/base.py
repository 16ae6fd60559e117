"""What every question type provides, and helpers they share.

Scores are exact ``Fraction``s between 0 and 1 (the share of the question's points earned);
``None`` means a trainer must grade the answer. Presentations are what an attempt freezes
when it starts: shuffled options with opaque, per-attempt identifiers. The ``key`` part of
a presentation maps those identifiers back and is never sent to the trainee.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l


class AnswerError(ValueError):
    """An answer that does not fit its question (two items in one place, a word where a
    number belongs, an option of another attempt). ``message`` (lazily translated) says what
    to fix; ``fields`` names the form fields concerned, as suffixes of the question's field
    name (``q3-<item id>``), for the page to mark. Saving keeps the trainee's other answers
    and shows this one as typed beside its question (``attempts.save_form``)."""

    def __init__(self, message, fields: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.fields = tuple(fields)

    def __str__(self) -> str:
        return str(self.message)


class QuestionType(Protocol):
    name: str
    label: str
    manual: bool  # graded by a trainer

    def validate(self, definition: dict) -> list[str]: ...

    def present(self, definition: dict, rng: random.Random, shuffle: bool) -> dict: ...

    def parse(self, presentation: dict, values: list[str]) -> Any: ...

    def grade(self, definition: dict, presentation: dict, answer: Any) -> Fraction | None: ...

    def max_points(self, definition: dict, points: int) -> int: ...

    def form_values(self, presentation: dict, getlist, prefix: str) -> list[str]: ...

    # Regrading after a trainer corrected a question (a new version, e.g. a wrong key):
    # ``regradable`` says whether every presentation frozen from ``old_definition`` still fits
    # ``new_definition`` (the same options, items or pairs; only the key changed), and
    # ``rekey`` returns such a presentation with its ``key`` pointing into the new definition
    # (options may have moved). The texts the trainee saw never change.

    def regradable(self, old_definition: dict, new_definition: dict) -> bool: ...

    def rekey(self, old_definition: dict, new_definition: dict, presentation: dict) -> dict: ...


def too_long(text: str, limit: int) -> AnswerError:
    """The error for a typed answer over ``limit`` characters (short and written answers)."""
    return AnswerError(
        _l(
            "Keep the answer to %(limit)d characters or fewer; it has %(count)d.",
            limit=limit,
            count=len(text),
        )
    )


def plain_form_values(presentation: dict, getlist, prefix: str) -> list[str]:
    """The usual case: the field named ``prefix`` holds the answer (one or more values)."""
    return [value for value in getlist(prefix) if isinstance(value, str)]


def always_regradable(old_definition: dict, new_definition: dict) -> bool:
    """For types whose presentation holds nothing of the definition (the key is all)."""
    return True


def same_presentation(old_definition: dict, new_definition: dict, presentation: dict) -> dict:
    """For types whose presentation does not point into the definition."""
    return presentation


def moved(old: list, new: list) -> dict[int, int] | None:
    """Where each item of ``old`` stands in ``new``, by index; None unless both list the same
    items (in any order; repeated items only in the same order, or the move is ambiguous)."""
    if old == new:
        return {index: index for index in range(len(old))}
    keys_old, keys_new = [repr(item) for item in old], [repr(item) for item in new]
    if len(set(keys_old)) != len(keys_old) or sorted(keys_old) != sorted(keys_new):
        return None
    where = {key: index for index, key in enumerate(keys_new)}
    return {index: where[key] for index, key in enumerate(keys_old)}


@dataclass
class Problems:
    """Collects definition problems with the field they concern."""

    items: list[str] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.items.append(f"{field_name}: {message}")


def opaque_ids(count: int) -> list[str]:
    """Fresh identifiers for one attempt; they reveal nothing about the options' order."""
    ids: set[str] = set()
    while len(ids) < count:
        ids.add(secrets.token_urlsafe(6))
    return list(ids)


def texts(definition: dict, key: str) -> list[str]:
    value = definition.get(key)
    return value if isinstance(value, list) else []


def check_text(problems: Problems, name: str, value: Any, max_length: int = 2000) -> None:
    if not isinstance(value, str) or not value.strip():
        problems.add(name, "must be non-empty text")
    elif len(value) > max_length:
        problems.add(name, f"is longer than {max_length} characters")


def clamp(score: Fraction) -> Fraction:
    return min(max(score, Fraction(0)), Fraction(1))
