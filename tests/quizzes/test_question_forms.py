"""The per-type question forms: text boxes to definitions and back, and the registry's
problems placed beside their fields. Pure functions, no database."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from lms.service_error import ServiceError
from quizzes.demo import QUESTION_FIELDS
from quizzes.question_forms import problem_messages
from quizzes.question_types import REGISTRY
from quizzes.type_forms import FORMS, canonical

DEMO = Path(__file__).resolve().parents[2] / "quizzes" / "demo_content" / "questions.yml"


def test_every_registered_type_has_a_form():
    assert set(FORMS) == set(REGISTRY)


def test_choice_lines_with_a_star_are_the_correct_options():
    form = FORMS["single_choice"]
    definition = form.definition(
        {"options": "  * Law No. 401-IV \r\n\nFederal Law 193-FZ\n\\*starred but wrong\n"}
    )
    assert definition == {
        "options": [
            {"text": "Law No. 401-IV", "correct": True},
            {"text": "Federal Law 193-FZ", "correct": False},
            {"text": "*starred but wrong", "correct": False},
        ]
    }
    # Back to text and again: the same definition (the escaped star survives).
    assert form.definition(form.data(definition)) == definition
    assert form.data(definition)["options"].splitlines()[2] == "\\*starred but wrong"


def test_multiple_choice_accepts_several_correct_options():
    definition = FORMS["multiple_choice"].definition({"options": "*a\n*b\nc"})
    assert [o["correct"] for o in definition["options"]] == [True, True, False]
    assert REGISTRY["multiple_choice"].validate(definition) == []
    assert REGISTRY["single_choice"].validate(definition) != []


def test_true_false_needs_a_choice():
    form = FORMS["true_false"]
    assert form.definition({"answer": "false"}) == {"answer": False}
    assert form.data({"answer": True}) == {"answer": "true"}
    with pytest.raises(ServiceError) as refused:
        form.definition({"answer": None})
    assert refused.value.field == "answer"


def test_numbers_accept_a_decimal_comma_and_stay_exact():
    form = FORMS["numeric"]
    assert form.definition({"answer": "2,5", "tolerance": "", "unit": ""}) == {
        "answer": "2.5",
        "tolerance": 0,
    }
    assert form.definition({"answer": " 11 ", "tolerance": "0,10", "unit": "days"}) == {
        "answer": 11,
        "tolerance": "0.1",
        "unit": "days",
    }
    assert form.data({"answer": 11, "tolerance": 0}) == {
        "answer": "11",
        "tolerance": "0",
        "unit": "",
    }


@pytest.mark.parametrize(
    ("answer", "tolerance", "field"),
    [
        ("eleven", "0", "answer"),
        ("", "0", "answer"),
        ("1e400", "0", "answer"),
        ("1", "x", "tolerance"),
    ],
)
def test_a_number_that_is_not_one_is_refused_beside_its_field(answer, tolerance, field):
    with pytest.raises(ServiceError) as refused:
        FORMS["numeric"].definition({"answer": answer, "tolerance": tolerance, "unit": ""})
    assert refused.value.field == field


def test_matching_pairs_need_an_equals_sign_and_name_the_line():
    form = FORMS["matching"]
    assert form.definition({"pairs": "a = A\nb=B = still B"}) == {
        "pairs": [{"left": "a", "right": "A"}, {"left": "b", "right": "B = still B"}]
    }
    with pytest.raises(ServiceError) as refused:
        form.definition({"pairs": "a = A\n\nno separator"})
    assert refused.value.field == "pairs" and "Line 3" in str(refused.value.message)


def test_ordering_and_short_text_read_one_item_per_line():
    assert FORMS["ordering"].definition({"items": "first\n\n second \nthird"}) == {
        "items": ["first", "second", "third"]
    }
    assert FORMS["short_text"].definition({"accepted": "mediation contract\nдоговор"}) == {
        "accepted": ["mediation contract", "договор"]
    }


def test_rubric_lines_start_with_their_points():
    form = FORMS["free_text"]
    definition = form.definition(
        {
            "rubric": "1 | Refuses the hint\n2) Explains Art. 8\n3 Offers choices",
            "model_answer": " I refuse. ",
        }
    )
    assert definition == {
        "rubric": [
            {"criterion": "Refuses the hint", "points": 1},
            {"criterion": "Explains Art. 8", "points": 2},
            {"criterion": "Offers choices", "points": 3},
        ],
        "model_answer": "I refuse.",
    }
    assert form.definition(form.data(definition)) == definition
    with pytest.raises(ServiceError) as refused:
        form.definition({"rubric": "1 | ok\nno points here", "model_answer": ""})
    assert refused.value.field == "rubric" and "Line 2" in str(refused.value.message)


def test_canonical_ignores_how_a_stored_definition_is_spelt():
    written_by_hand = {"options": [{"text": "Right", "correct": True}, {"text": "Wrong"}]}
    saved_by_form = {
        "options": [{"text": "Right", "correct": True}, {"text": "Wrong", "correct": False}]
    }
    assert canonical("single_choice", written_by_hand) == canonical("single_choice", saved_by_form)
    assert canonical("numeric", {"answer": 11, "tolerance": 0}) == canonical(
        "numeric", {"answer": "11.0", "tolerance": "0"}
    )
    assert canonical("numeric", {"answer": 11}) != canonical("numeric", {"answer": 12})


def test_every_demo_question_survives_the_form_unchanged():
    """Opening a demo question in the form and saving it must give the same question."""
    for item in yaml.safe_load(DEMO.read_text(encoding="utf-8"))["questions"]:
        definition = {k: v for k, v in item.items() if k not in QUESTION_FIELDS}
        form = FORMS[item["type"]]
        again = form.definition(form.data(definition))
        assert REGISTRY[item["type"]].validate(again) == [], item["key"]
        assert form.definition(form.data(again)) == again, item["key"]  # stable
        assert canonical(item["type"], definition) == again
        # Grading sees the same question: the same answer key, item for item.
        assert _graded_the_same(item["type"], definition, again), item["key"]


def _graded_the_same(type_name: str, old: dict, new: dict) -> bool:
    question_type = REGISTRY[type_name]
    if question_type.manual:
        return [line["points"] for line in old["rubric"]] == [
            line["points"] for line in new["rubric"]
        ]
    presentation = question_type.present(old, random.Random(1), False)
    if type_name in ("single_choice", "multiple_choice"):
        answers = [[option_id] for option_id in presentation["key"]]
        answers = [a[0] for a in answers] if type_name == "single_choice" else answers
    elif type_name == "true_false":
        answers = [True, False]
    elif type_name == "numeric":
        answers = [str(old["answer"]), "0", "12345"]
    elif type_name == "short_text":
        answers = [*old["accepted"], "something else"]
    elif type_name == "ordering":
        answers = [sorted(presentation["key"], key=presentation["key"].get)]
    else:  # matching
        key = presentation["key"]
        by_index = {index: right for right, index in key["right"].items()}
        answers = [{left: by_index[index] for left, index in key["left"].items()}]
    return all(
        question_type.grade(old, presentation, answer)
        == question_type.grade(new, presentation, answer)
        for answer in answers
    )


def test_registry_problems_go_beside_their_fields_with_the_item_named():
    placed = problem_messages(
        "single_choice",
        [
            "options[2].text: must be non-empty text",
            "options: exactly one option must be correct",
            "stem: must be non-empty text",
            "definition: must be a mapping",
        ],
    )
    assert placed[0] == ("options", "Option 2: must not be empty")
    assert placed[1][0] == "options" and "exactly one option" in placed[1][1]
    assert placed[2] == ("stem", "must not be empty")
    assert placed[3][0] == "definition"  # no such field: shown above the form
    assert problem_messages(
        "free_text", ["rubric[3].points: must be a whole number from 1 to 20"]
    ) == [("rubric", "Rubric line 3: points must be a whole number from 1 to 20")]
    assert problem_messages("ordering", ["items[4]: is longer than 500 characters"]) == [
        ("items", "Item 4: is longer than 500 characters")
    ]
