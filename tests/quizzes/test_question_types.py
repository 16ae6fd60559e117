"""Each question type: definition checks, frozen presentations, parsing, exact grading."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from quizzes.question_types import REGISTRY, AnswerError, get_type

SINGLE = {
    "options": [{"text": "Law No. 401-IV", "correct": True}, {"text": "CPC"}, {"text": "193-FZ"}]
}
MULTI = {
    "options": [
        {"text": "Voluntariness", "correct": True},
        {"text": "Confidentiality", "correct": True},
        {"text": "Equality of the parties", "correct": True},
        {"text": "Publicity"},
        {"text": "Cooperation"},
    ]
}
MATCH = {
    "pairs": [
        {"left": "Mediation contract", "right": "Signed before mediation starts"},
        {"left": "Settlement agreement", "right": "The written result"},
        {"left": "Participatory procedure", "right": "Advocates, no judge"},
    ]
}
ORDER = {"items": ["Proposal", "Mediation contract", "Sessions", "Settlement", "Termination"]}


def present(name, definition, seed=1, shuffle=True):
    return get_type(name).present(definition, random.Random(seed), shuffle)


def grade(name, definition, presentation, answer):
    return get_type(name).grade(definition, presentation, answer)


def test_every_type_is_registered_once():
    assert set(REGISTRY) == {
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_text",
        "numeric",
        "matching",
        "ordering",
        "free_text",
    }
    with pytest.raises(KeyError):
        get_type("regex")


# --- single and multiple choice ---------------------------------------------------------


def test_single_choice_ids_are_opaque_and_per_attempt():
    first, second = present("single_choice", SINGLE, 1), present("single_choice", SINGLE, 1)
    first_ids = {o["id"] for o in first["options"]}
    assert first_ids.isdisjoint({o["id"] for o in second["options"]})
    assert all(len(i) >= 8 and i not in {"0", "1", "2"} for i in first_ids)
    right = next(i for i, index in first["key"].items() if index == 0)
    assert grade("single_choice", SINGLE, first, right) == 1
    wrong = next(i for i, index in first["key"].items() if index == 1)
    assert grade("single_choice", SINGLE, first, wrong) == 0
    with pytest.raises(AnswerError):  # an option id of another attempt
        get_type("single_choice").parse(first, [next(iter(second["key"]))])
    with pytest.raises(AnswerError):
        get_type("single_choice").parse(first, [right, wrong])
    assert get_type("single_choice").parse(first, [""]) is None
    assert grade("single_choice", SINGLE, first, None) == 0


def test_unshuffled_presentation_keeps_the_authors_order():
    presentation = present("single_choice", SINGLE, shuffle=False)
    assert [o["text"] for o in presentation["options"]] == [o["text"] for o in SINGLE["options"]]


def test_single_choice_needs_exactly_one_correct_option():
    assert get_type("single_choice").validate(SINGLE) == []
    both = {"options": [{"text": "a", "correct": True}, {"text": "b", "correct": True}]}
    assert "options: exactly one option must be correct" in get_type("single_choice").validate(both)
    assert get_type("single_choice").validate({"options": [{"text": ""}]}) != []


@pytest.mark.parametrize(
    ("chosen", "score"),
    [
        ([0, 1, 2], Fraction(1)),
        ([0, 1], Fraction(2, 3)),
        ([0, 1, 2, 3], Fraction(2, 3)),
        ([0, 3], Fraction(0)),
        ([0, 1, 2, 3, 4], Fraction(1, 3)),
        ([3, 4], Fraction(0)),
        ([], Fraction(0)),
    ],
)
def test_multiple_choice_partial_credit_rule(chosen, score):
    presentation = present("multiple_choice", MULTI)
    by_index = {index: i for i, index in presentation["key"].items()}
    answer = get_type("multiple_choice").parse(presentation, [by_index[c] for c in chosen])
    assert grade("multiple_choice", MULTI, presentation, answer) == score


# --- true/false, short text, numeric -----------------------------------------------------


def test_true_false():
    definition = {"answer": False}
    presentation = present("true_false", definition)
    parse = get_type("true_false").parse
    assert grade("true_false", definition, presentation, parse(presentation, ["false"])) == 1
    assert grade("true_false", definition, presentation, parse(presentation, ["true"])) == 0
    assert grade("true_false", definition, presentation, None) == 0
    with pytest.raises(AnswerError):
        parse(presentation, ["maybe"])
    assert get_type("true_false").validate({"answer": "no"}) == ["answer: must be true or false"]


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("договор о медиации", 1),
        ("  Договор   о  МЕДИАЦИИ. ", 1),
        ("«договор о медиации»", 1),
        ("(договор медиации)", 1),
        ("медиация туралы шарт!", 1),
        ("соглашение об урегулировании спора", 0),
        ("договор", 0),
        ("", 0),
    ],
)
def test_short_text_variants(answer, score):
    definition = {"accepted": ["договор о медиации", "договор медиации", "медиация туралы шарт"]}
    presentation = present("short_text", definition)
    parsed = get_type("short_text").parse(presentation, [answer])
    assert grade("short_text", definition, presentation, parsed) == score


def test_short_text_has_no_patterns_and_limits_length():
    definition = {"accepted": [".*"]}
    presentation = present("short_text", definition)
    assert grade("short_text", definition, presentation, "anything") == 0  # literal, not a regex
    with pytest.raises(AnswerError):
        get_type("short_text").parse(presentation, ["x" * 301])
    assert get_type("short_text").validate({"accepted": []}) != []


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("60", 1),
        ("60.0", 1),
        ("59,5", 1),
        ("60.5", 1),
        ("61", 0),
        ("58", 0),
        (" 6 0 ", 1),
    ],
)
def test_numeric_with_tolerance(answer, score):
    definition = {"answer": 60, "tolerance": "0.5", "unit": "days"}
    presentation = present("numeric", definition)
    parsed = get_type("numeric").parse(presentation, [answer])
    assert grade("numeric", definition, presentation, parsed) == score


def test_numeric_refuses_non_numbers():
    presentation = present("numeric", {"answer": 10, "tolerance": 0})
    for bad in ("ten", "NaN", "Infinity", "1e999999999999"):
        with pytest.raises(AnswerError):
            get_type("numeric").parse(presentation, [bad])
    assert get_type("numeric").validate({"answer": True, "tolerance": -1}) == [
        "answer: must be a number",
        "tolerance: must be a number of at least 0",
    ]


# --- matching and ordering -----------------------------------------------------------------


def _match_answer(presentation, correct_for):
    key = presentation["key"]
    left_by_index = {index: i for i, index in key["left"].items()}
    right_by_index = {index: i for i, index in key["right"].items()}
    return [f"{left_by_index[left]}:{right_by_index[right]}" for left, right in correct_for]


def test_matching_scores_the_share_of_right_pairs():
    presentation = present("matching", MATCH)
    parse = get_type("matching").parse
    all_right = parse(presentation, _match_answer(presentation, [(0, 0), (1, 1), (2, 2)]))
    assert grade("matching", MATCH, presentation, all_right) == 1
    one_right = parse(presentation, _match_answer(presentation, [(0, 0), (1, 2), (2, 1)]))
    assert grade("matching", MATCH, presentation, one_right) == Fraction(1, 3)
    partial = parse(presentation, _match_answer(presentation, [(0, 0)]))
    assert grade("matching", MATCH, presentation, partial) == Fraction(1, 3)
    with pytest.raises(AnswerError):
        parse(presentation, ["forged:ids"])


def test_ordering_counts_adjacent_pairs_in_order():
    presentation = present("ordering", ORDER)
    ids_by_index = {index: i for i, index in presentation["key"].items()}
    shown = [item["id"] for item in presentation["items"]]
    assert shown != [ids_by_index[i] for i in range(5)]  # never starts solved
    parse = get_type("ordering").parse

    def score(order):
        return grade(
            "ordering", ORDER, presentation, parse(presentation, [ids_by_index[i] for i in order])
        )

    assert score([0, 1, 2, 3, 4]) == 1
    assert score([4, 3, 2, 1, 0]) == 0
    assert score([1, 2, 3, 4, 0]) == Fraction(3, 4)
    assert score([0, 1, 3, 2, 4]) == Fraction(1, 4)
    with pytest.raises(AnswerError):
        parse(presentation, [ids_by_index[0], ids_by_index[0]])


# --- free text ------------------------------------------------------------------------------


def test_free_text_waits_for_a_trainer_and_its_points_come_from_the_rubric():
    definition = {
        "rubric": [
            {"criterion": "Parties named", "points": 1},
            {"criterion": "Deadlines of performance", "points": 2},
        ]
    }
    free_text = get_type("free_text")
    assert free_text.manual and free_text.validate(definition) == []
    assert free_text.max_points(definition, 1) == 3
    presentation = present("free_text", definition)
    assert free_text.grade(definition, presentation, "Bolat pays 900,000 tenge ...") is None
    assert free_text.validate({"rubric": [{"criterion": "x", "points": 0}]}) != []


@pytest.mark.parametrize(
    ("name", "definition"),
    [
        ("single_choice", SINGLE),
        ("multiple_choice", MULTI),
        ("true_false", {"answer": True}),
        ("short_text", {"accepted": ["договор"]}),
        ("numeric", {"answer": 60, "tolerance": "0.5"}),
        ("matching", MATCH),
        ("ordering", ORDER),
        ("free_text", {"rubric": [{"criterion": "Parties named", "points": 1}]}),
    ],
)
def test_reading_an_answer_leaves_the_presentation_as_it_was(name, definition):
    """The autosave keeps each parsed presentation for the next save of the same attempt
    (quizzes.attempts): reading a form's answer must never change it, right or wrong."""
    import copy

    from werkzeug.datastructures import MultiDict

    question_type = get_type(name)
    presentation = present(name, definition)
    before = copy.deepcopy(presentation)
    ids = [entry["id"] for entry in presentation.get("options") or presentation.get("items") or []]
    lefts = [entry["id"] for entry in presentation.get("lefts") or []]
    rights = [entry["id"] for entry in presentation.get("rights") or []]
    forms = [
        {"q1": ids[:1] or ["60"]},
        {"q1": ["forged", "two"]},
        {f"q1-{item}": [str(place)] for place, item in enumerate(ids, start=1)},
        {f"q1-{left}": [right] for left, right in zip(lefts, rights, strict=False)},
        {f"q1-{left}": ["forged"] for left in lefts},
    ]
    for form in forms:
        try:
            values = question_type.form_values(presentation, MultiDict(form).getlist, "q1")
            question_type.parse(presentation, values)
        except AnswerError:
            pass
        assert presentation == before
