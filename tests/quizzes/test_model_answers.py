"""Model answers: for every question of the demo bank and every type, the values built for a
frozen presentation parse and grade to all the points (right) or none (wrong)."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import yaml

from quizzes.demo import QUESTION_FIELDS, QUESTIONS_FILE
from quizzes.model_answers import WRONG_TEXT, answer_values
from quizzes.question_types import REGISTRY, get_type


def _demo_questions() -> list[tuple[str, str, dict]]:
    items = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]
    return [
        (item["key"], item["type"], {k: v for k, v in item.items() if k not in QUESTION_FIELDS})
        for item in items
    ]


def _graded(name: str, definition: dict, presentation: dict, values: list[str]):
    question_type = get_type(name)
    answer = question_type.parse(presentation, values)
    return answer, question_type.grade(definition, presentation, answer)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_demo_question_is_answered_right_and_wrong(seed):
    questions = _demo_questions()
    assert {name for _, name, _ in questions} == set(REGISTRY)
    rng = random.Random(seed)
    for key, name, definition in questions:
        presentation = get_type(name).present(definition, rng, True)
        right, score = _graded(
            name, definition, presentation, answer_values(name, definition, presentation)
        )
        wrong, zero = _graded(
            name,
            definition,
            presentation,
            answer_values(name, definition, presentation, right=False),
        )
        if name == "free_text":
            assert score is None and zero is None, key  # a trainer scores written answers
            assert right == definition["model_answer"].strip() and wrong == WRONG_TEXT, key
        else:
            assert (score, zero) == (Fraction(1), Fraction(0)), key


def test_the_presentation_decides_not_the_definition_order():
    definition = {"items": ["Proposal", "Contract", "Sessions", "Settlement"]}
    for seed in range(10):
        presentation = get_type("ordering").present(definition, random.Random(seed), True)
        values = answer_values("ordering", definition, presentation)
        assert [presentation["key"][v] for v in values] == [0, 1, 2, 3]


def test_edge_cases():
    every_option_right = {
        "options": [{"text": "A", "correct": True}, {"text": "B", "correct": True}]
    }
    presentation = get_type("multiple_choice").present(every_option_right, random.Random(1), True)
    assert answer_values("multiple_choice", every_option_right, presentation, right=False) == []
    numeric = {"answer": "10", "tolerance": "0.5", "unit": "days"}
    assert answer_values("numeric", numeric, {"key": {}}) == ["10"]
    wrong = answer_values("numeric", numeric, {"key": {}}, right=False)
    assert get_type("numeric").grade(numeric, {"key": {}}, wrong[0]) == 0
    no_model = {
        "rubric": [
            {"criterion": "Names the article", "points": 2},
            {"criterion": "Is polite", "points": 1},
        ]
    }
    assert answer_values("free_text", no_model, {"key": {}}) == ["Names the article\nIs polite"]
    true_false = {"answer": False}
    assert answer_values("true_false", true_false, {"key": {}}) == ["false"]
    assert answer_values("true_false", true_false, {"key": {}}, right=False) == ["true"]
    with pytest.raises(ValueError, match="essay"):
        answer_values("essay", {}, {})
