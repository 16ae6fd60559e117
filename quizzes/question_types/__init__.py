"""The registry of question types. Each type is one small module that knows how to validate
its definition, freeze a presentation for an attempt, parse an answer and grade it.

Adding a type touches only its own module and the ``TYPES`` tuple below.
"""

from __future__ import annotations

from quizzes.question_types import (
    free_text,
    matching,
    multiple_choice,
    numeric,
    ordering,
    short_text,
    single_choice,
    true_false,
)
from quizzes.question_types.base import AnswerError, QuestionType

TYPES: tuple[QuestionType, ...] = (
    single_choice.TYPE,
    multiple_choice.TYPE,
    true_false.TYPE,
    short_text.TYPE,
    numeric.TYPE,
    matching.TYPE,
    ordering.TYPE,
    free_text.TYPE,
)
REGISTRY: dict[str, QuestionType] = {question_type.name: question_type for question_type in TYPES}


def get_type(name: str) -> QuestionType:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown question type {name!r}") from None


__all__ = ["REGISTRY", "TYPES", "AnswerError", "QuestionType", "get_type"]
