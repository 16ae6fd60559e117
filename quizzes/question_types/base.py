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


class AnswerError(ValueError):
    """An answer that does not fit the question (tampering or a broken form): HTTP 400."""


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


def plain_form_values(presentation: dict, getlist, prefix: str) -> list[str]:
    """The usual case: the field named ``prefix`` holds the answer (one or more values)."""
    return [value for value in getlist(prefix) if isinstance(value, str)]


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
