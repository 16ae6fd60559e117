"""Pure grading: properties with hypothesis, reasons, rounding, and the criteria rule."""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.grading import (
    CriterionRule,
    FrozenQuestion,
    Instrument,
    InstrumentResult,
    display_percent,
    evaluate_criteria,
    grade_attempt,
)
from quizzes.question_types import get_type

CRITERIA = ["C1-LAW", "C3-ETH", "C6-DRAFT"]


def _single(key: str, criterion: str, points: int, seed: int) -> FrozenQuestion:
    definition = {
        "options": [{"text": "right", "correct": True}, {"text": "wrong"}, {"text": "also wrong"}]
    }
    presentation = get_type("single_choice").present(definition, random.Random(seed), True)
    return FrozenQuestion(key, criterion, "single_choice", points, definition, presentation)


def _answer(question: FrozenQuestion, right: bool) -> str:
    wanted = 0 if right else 1
    return next(i for i, index in question.presentation["key"].items() if index == wanted)


quiz = st.lists(
    st.tuples(st.sampled_from(CRITERIA), st.integers(1, 4), st.booleans()),
    min_size=1,
    max_size=30,
)


def _build(spec, seed=0):
    questions = [_single(f"q{n}", c, p, seed + n) for n, (c, p, _) in enumerate(spec)]
    answers = {q.key: _answer(q, right) for q, (_, _, right) in zip(questions, spec, strict=True)}
    return questions, answers


@settings(max_examples=150, deadline=None)
@given(quiz)
def test_scores_stay_within_bounds(spec):
    questions, answers = _build(spec)
    result = grade_attempt(questions, answers, pass_mark=70, thresholds={"C3-ETH": 90})
    assert 0 <= result.earned <= result.possible
    assert result.possible == sum(p for _, p, _ in spec)
    for criterion in result.criteria:
        assert 0 <= criterion.percent <= 100


@settings(max_examples=100, deadline=None)
@given(quiz, st.randoms(use_true_random=False))
def test_the_order_of_questions_does_not_matter(spec, rnd):
    questions, answers = _build(spec)
    shuffled = list(questions)
    rnd.shuffle(shuffled)
    a = grade_attempt(questions, answers, pass_mark=70, thresholds={"C1-LAW": 80})
    b = grade_attempt(shuffled, answers, pass_mark=70, thresholds={"C1-LAW": 80})
    assert (a.earned, a.passed, a.reasons) == (b.earned, b.passed, b.reasons)


@settings(max_examples=100, deadline=None)
@given(quiz, st.data())
def test_more_correct_answers_never_lower_the_score(spec, data):
    wrong = [n for n, (_, _, right) in enumerate(spec) if not right]
    if not wrong:
        return
    flip = data.draw(st.sampled_from(wrong))
    better = [(c, p, True if n == flip else right) for n, (c, p, right) in enumerate(spec)]
    thresholds = {"C1-LAW": 80, "C3-ETH": 90}
    before = grade_attempt(*_build(spec), pass_mark=70, thresholds=thresholds)
    after = grade_attempt(*_build(better), pass_mark=70, thresholds=thresholds)
    assert after.earned > before.earned
    for old, new in zip(before.criteria, after.criteria, strict=True):
        assert new.percent >= old.percent
    assert not (before.passed and not after.passed)


@settings(max_examples=100, deadline=None)
@given(quiz)
def test_all_correct_passes_and_all_wrong_fails(spec):
    thresholds = {"C1-LAW": 80, "C3-ETH": 90, "C6-DRAFT": 70}
    right = [(c, p, True) for c, p, _ in spec]
    wrong = [(c, p, False) for c, p, _ in spec]
    assert grade_attempt(*_build(right), pass_mark=70, thresholds=thresholds).passed
    failed = grade_attempt(*_build(wrong), pass_mark=70, thresholds=thresholds)
    assert not failed.passed and failed.reasons


def test_reasons_name_the_criterion_its_percent_and_must_pass():
    spec = [("C3-ETH", 1, True)] * 7 + [("C3-ETH", 1, False)] * 2 + [("C1-LAW", 1, True)] * 10
    result = grade_attempt(
        *_build(spec),
        pass_mark=70,
        thresholds={"C3-ETH": 90, "C1-LAW": 80},
        names={"C3-ETH": "Professional ethics"},
        must_pass={"C3-ETH"},
    )
    assert result.reasons == ["Professional ethics 77.8% < 90% required (must-pass)"]
    assert not result.passed


def test_exact_comparison_never_rounds_a_fail_into_a_pass():
    # 89.95% shows as 90.0% but is below 90%.
    spec = [("C3-ETH", 1, True)] * 1799 + [("C3-ETH", 1, False)] * 201
    result = grade_attempt(*_build(spec), pass_mark=0, thresholds={"C3-ETH": 90})
    assert display_percent(result.criteria[0].percent) == display_percent(Fraction(8995, 100))
    assert not result.criteria[0].met


def test_display_rounding_is_half_up():
    assert str(display_percent(Fraction(8745, 100))) == "87.5"
    assert str(display_percent(Fraction(2, 3) * 100)) == "66.7"
    assert str(display_percent(Fraction(0))) == "0.0"


def test_a_written_answer_keeps_the_result_pending_until_scored():
    definition = {
        "rubric": [{"criterion": "Parties", "points": 2}, {"criterion": "Terms", "points": 2}]
    }
    essay = FrozenQuestion("essay", "C6-DRAFT", "free_text", 1, definition, {"key": {}})
    questions, answers = _build([("C6-DRAFT", 1, True)])
    pending = grade_attempt([*questions, essay], answers, pass_mark=70, thresholds={})
    assert pending.pending and not pending.passed and pending.possible == 5
    scored = grade_attempt(
        [*questions, essay],
        answers,
        pass_mark=70,
        thresholds={},
        manual_scores={"essay": Fraction(3, 4)},
    )
    assert not scored.pending and scored.earned == 4 and scored.passed


# --- the demo certification rule of shared/domain/qualification-criteria.md ----------------

RULES = [
    CriterionRule("C1-LAW", "Legal framework", True, (Instrument("quiz", 80),)),
    CriterionRule(
        "C2-PROC",
        "Procedure",
        False,
        (Instrument("quiz", 70), Instrument("rubric", 70, "role-play")),
        floor=60,
    ),
    CriterionRule(
        "C3-ETH",
        "Professional ethics",
        True,
        (Instrument("quiz", 90), Instrument("rubric", 75, "role-play")),
    ),
    CriterionRule(
        "C4-COMM", "Communication", False, (Instrument("rubric", 70, "role-play"),), floor=60
    ),
    CriterionRule(
        "C5-NEG", "Negotiation", False, (Instrument("rubric", 70, "role-play"),), floor=60
    ),
    CriterionRule(
        "C6-DRAFT",
        "Drafting",
        True,
        (Instrument("checklist", 100), Instrument("rubric", 70, "quality"), Instrument("quiz", 70)),
    ),
    CriterionRule("C7-CULT", "Cultural competence", False, (Instrument("quiz", 70),), floor=60),
]


def _results(**overrides):
    base = {
        ("C1-LAW", "quiz"): 85,
        ("C2-PROC", "quiz"): 75,
        ("C2-PROC", "rubric"): 80,
        ("C3-ETH", "quiz"): 95,
        ("C3-ETH", "rubric"): 90,
        ("C4-COMM", "rubric"): 75,
        ("C5-NEG", "rubric"): 75,
        ("C6-DRAFT", "checklist"): 100,
        ("C6-DRAFT", "rubric"): 80,
        ("C6-DRAFT", "quiz"): 80,
        ("C7-CULT", "quiz"): 80,
    }
    for key, value in overrides.items():
        code, kind = key.rsplit("__", 1)
        base[(code.replace("_", "-"), kind)] = value
    return [
        InstrumentResult(code, kind, None if v is None else Fraction(v))
        for (code, kind), v in base.items()
    ]


def test_everything_met_qualifies():
    outcome = evaluate_criteria(RULES, _results(), compensable_average=70)
    assert outcome.met and outcome.reasons == []


def test_a_must_pass_criterion_is_never_compensated():
    outcome = evaluate_criteria(RULES, _results(C3_ETH__quiz=78), compensable_average=70)
    assert not outcome.met
    assert outcome.reasons == ["Professional ethics: quiz 78.0% < 90% required (must-pass)"]


def test_a_weak_compensable_criterion_is_carried_by_the_others():
    outcome = evaluate_criteria(
        RULES, _results(C4_COMM__rubric=65, C5_NEG__rubric=85), compensable_average=70
    )
    assert outcome.met
    communication = next(c for c in outcome.criteria if c.code == "C4-COMM")
    assert communication.met and communication.compensated


def test_below_the_floor_fails_even_with_a_high_average():
    outcome = evaluate_criteria(
        RULES, _results(C4_COMM__rubric=55, C5_NEG__rubric=100), compensable_average=70
    )
    assert not outcome.met
    assert "Communication 55.0% < floor 60%" in outcome.reasons


def test_the_average_of_compensable_criteria_must_reach_the_level():
    outcome = evaluate_criteria(
        RULES,
        _results(C2_PROC__quiz=62, C4_COMM__rubric=65, C5_NEG__rubric=65, C7_CULT__quiz=66),
        compensable_average=70,
    )
    assert not outcome.met
    assert outcome.reasons[-1] == "Average of the compensable criteria 64.5% < 70% required"


def test_a_serious_breach_fails_the_criterion_whatever_the_scores():
    results = [
        r
        if (r.criterion, r.kind) != ("C3-ETH", "rubric")
        else InstrumentResult("C3-ETH", "rubric", Fraction(100), serious_breach=True)
        for r in _results()
    ]
    outcome = evaluate_criteria(RULES, results, compensable_average=70)
    assert not outcome.met
    assert outcome.reasons == ["Professional ethics: serious breach recorded in the role-play"]


def test_missing_instruments_are_reported_as_not_completed():
    outcome = evaluate_criteria(RULES, _results(C6_DRAFT__checklist=None), compensable_average=70)
    assert "Drafting: checklist not completed yet" in outcome.reasons
    assert not outcome.met
