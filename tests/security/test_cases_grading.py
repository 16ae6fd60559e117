"""Exact pass-mark arithmetic (issue 18, "not yet tried"): 7 of 10 passes a 70 % mark, 2 of 3
is 66.67 % and never rounds up to a 67 % mark, and partial credit counts exactly."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest

from quizzes.grading import FrozenQuestion, display_percent, grade_attempt
from quizzes.question_types import get_type

SINGLE = {"options": [{"text": "right", "correct": True}, {"text": "wrong"}]}
MULTIPLE = {
    "options": [
        {"text": "a", "correct": True},
        {"text": "b", "correct": True},
        {"text": "c", "correct": True},
        {"text": "d"},
    ]
}


def _question(key: str, type_: str, definition: dict, points: int = 1) -> FrozenQuestion:
    presentation = get_type(type_).present(definition, random.Random(key), True)
    return FrozenQuestion(key, "C1", type_, points, definition, presentation)


def _shown(question: FrozenQuestion, indexes: set[int]) -> list[str]:
    return [value for value, index in question.presentation["key"].items() if index in indexes]


def _singles(right: int, total: int):
    questions = [_question(f"q{n}", "single_choice", SINGLE) for n in range(total)]
    answers = {q.key: _shown(q, {0 if n < right else 1})[0] for n, q in enumerate(questions)}
    return questions, answers


@pytest.mark.parametrize(
    ("right", "total", "pass_mark", "passed"),
    [
        (7, 10, 70, True),  # exactly at the mark passes
        (7, 10, 71, False),
        (69, 100, 70, False),
        (2, 3, 66, True),
        (2, 3, 67, False),  # 66.67 % shows as 66.7 and is not 67 %
        (1, 3, 34, False),
        (1, 3, 33, True),
    ],
)
def test_the_pass_mark_is_compared_exactly(right, total, pass_mark, passed):
    questions, answers = _singles(right, total)
    result = grade_attempt(questions, answers, pass_mark=pass_mark, thresholds={})
    assert result.percent == Fraction(100 * right, total)
    assert result.passed is passed


def test_two_of_three_is_66_67_percent_exactly_and_shown_half_up():
    questions, answers = _singles(2, 3)
    result = grade_attempt(questions, answers, pass_mark=60, thresholds={"C1": 67})
    assert result.percent == Fraction(200, 3)
    assert display_percent(result.percent) == Decimal("66.7")
    assert not result.passed  # the criterion's 67 % is not met by 66.666…
    assert result.reasons == ["C1 66.7% < 67% required"]


@pytest.mark.parametrize(
    ("chosen", "earned"),
    [
        ({0, 1, 2}, Fraction(3)),
        ({0, 1}, Fraction(2)),  # two of the three right options: 2 of 3 points
        ({0, 1, 3}, Fraction(1)),  # a wrong choice takes one right one back
        ({0, 3}, Fraction(0)),
        ({3}, Fraction(0)),  # never below zero
    ],
)
def test_partial_credit_counts_exactly_towards_the_mark(chosen, earned):
    multiple = _question("m", "multiple_choice", MULTIPLE, points=3)
    singles, answers = _singles(5, 7)  # 5 of 7 single points
    answers["m"] = _shown(multiple, chosen)
    result = grade_attempt([multiple, *singles], answers, pass_mark=70, thresholds={})
    assert result.questions[0].earned == earned
    assert result.earned == 5 + earned and result.possible == 10
    # 7 of 10 (partial 2 of 3 points) passes at 70 exactly; 6 of 10 does not.
    assert result.passed is (5 + earned >= 7)
