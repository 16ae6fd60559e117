"""A trainee's standing: quiz results and practical assessments under the demo rule
(must-pass C1/C3/C6; floor 60 and average 70 for C2/C4/C5/C7), in a fixed number of queries."""

from __future__ import annotations

import json
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import event

from assessments import combination, lifecycle, rubrics, scoring, standing
from assessments.results import Tally
from assessments.rubrics import LineSpec
from courses import learning
from lms.database import utcnow
from lms.extensions import db
from quizzes.grading import CriterionRule, Instrument
from quizzes.models import Attempt

Q, C = "quality", "checklist"

# The demo rule of shared/domain/qualification-criteria.md, as quizzes/demo.py seeds it.
RULES = [
    CriterionRule("C1-LAW", "Law", True, (Instrument("quiz", 80),)),
    CriterionRule(
        "C2-PROC", "Procedure", False, (Instrument("quiz", 70), Instrument("rubric", 70)), 60
    ),
    CriterionRule("C3-ETH", "Ethics", True, (Instrument("quiz", 90), Instrument("rubric", 75))),
    CriterionRule("C4-COMM", "Communication", False, (Instrument("rubric", 70),), 60),
    CriterionRule("C5-NEG", "Negotiation", False, (Instrument("rubric", 70),), 60),
    CriterionRule(
        "C6-DRAFT",
        "Drafting",
        True,
        (Instrument("quiz", 70), Instrument("rubric", 70), Instrument("checklist", 100)),
    ),
    CriterionRule("C7-CULT", "Culture", False, (Instrument("quiz", 70),), 60),
]  # fmt: skip

PASSING_QUIZ = {"C1-LAW": 85, "C2-PROC": 80, "C3-ETH": 95, "C6-DRAFT": 75, "C7-CULT": 75}


def _tallies(**overrides) -> list[Tally]:
    """Practical results that pass everything: (earned, possible) per criterion and kind."""
    points = {
        ("C2-PROC", "rubric"): (16, 20),
        ("C3-ETH", "rubric"): (13, 16),
        ("C4-COMM", "rubric"): (15, 20),
        ("C5-NEG", "rubric"): (15, 20),
        ("C6-DRAFT", "rubric"): (16, 20),
        ("C6-DRAFT", "checklist"): (8, 8),
    }
    tallies = {key: Tally(*key, *value) for key, value in points.items()}
    for name, tally in overrides.items():
        tallies[tuple(name.split("__"))] = tally
    return list(tallies.values())


def _evaluate(quiz=None, tallies=None, average=70):
    quiz = {code: Fraction(value) for code, value in (quiz or PASSING_QUIZ).items()}
    results = combination.combine(quiz, _tallies() if tallies is None else tallies)
    return combination.evaluate(RULES, results, compensable_average=average)


def _row(result, code):
    return next(row for row in result.criteria if row.rule.code == code)


# --- pure ------------------------------------------------------------------------------------


def test_quiz_rubric_and_checklist_together_meet_the_demo_rule():
    result = _evaluate()
    assert result.met and result.reasons == []
    assert all(row.met and not row.reasons for row in result.criteria)
    # C2's percent is its weaker instrument: the 80 % rubric, not the 80 % quiz.
    assert _row(result, "C2-PROC").outcome.percent == 80
    assert result.average == (80 + 75 + 75 + 75) / Fraction(4)
    assert result.average_met is True


def test_a_compensable_criterion_under_its_threshold_but_over_its_floor_is_compensated():
    assert _evaluate().met
    low = _tallies(**{"C5-NEG__rubric": Tally("C5-NEG", "rubric", 13, 20)})  # 65 %
    result = _evaluate(tallies=low)
    row = _row(result, "C5-NEG")
    assert row.met and row.outcome.compensated and row.reasons == []
    assert result.met  # average (80 + 75 + 65 + 75) / 4 = 73.75 ≥ 70


def test_under_the_floor_nothing_compensates():
    low = _tallies(**{"C5-NEG__rubric": Tally("C5-NEG", "rubric", 11, 20)})  # 55 %
    result = _evaluate(tallies=low)
    row = _row(result, "C5-NEG")
    assert not row.met and not result.met
    assert [r.kind for r in row.reasons] == ["below_threshold", "below_floor"]
    assert row.reasons[1].percent == 55 and row.reasons[1].limit == 60


def test_the_average_of_the_compensable_criteria_must_reach_70():
    quiz = {**PASSING_QUIZ, "C2-PROC": 62, "C7-CULT": 70}
    tallies = _tallies(
        **{
            "C2-PROC__rubric": Tally("C2-PROC", "rubric", 13, 20),  # 65 %, C2 takes the 62 % quiz
            "C4-COMM__rubric": Tally("C4-COMM", "rubric", 13, 20),
            "C5-NEG__rubric": Tally("C5-NEG", "rubric", 12, 20),  # 60 %
        }
    )
    result = _evaluate(quiz, tallies)
    assert result.average == Fraction(62 + 65 + 60 + 70, 4)  # 64.25
    assert result.average_met is False and not result.met
    assert any(reason.startswith("Average of the compensable") for reason in result.reasons)
    # Without an average rule, reaching each floor is enough.
    assert _evaluate(quiz, tallies, average=None).met


def test_must_pass_criteria_are_never_compensated():
    result = _evaluate({**PASSING_QUIZ, "C1-LAW": 79})
    row = _row(result, "C1-LAW")
    assert not row.met and not row.outcome.compensated and not result.met
    assert row.reasons[0].kind == "below_threshold" and row.reasons[0].limit == 80


def test_a_breach_fails_must_pass_ethics_whatever_the_scores():
    breach = _tallies(**{"C3-ETH__rubric": Tally("C3-ETH", "rubric", 16, 16, True)})
    result = _evaluate({**PASSING_QUIZ, "C3-ETH": 100}, breach)
    row = _row(result, "C3-ETH")
    assert not row.met and not result.met
    assert [r.kind for r in row.reasons] == ["breach"]


def test_a_line_under_its_minimum_fails_the_criterion():
    below = Tally("C3-ETH", "rubric", 14, 16, False, ("Disclosure",))  # 87.5 %
    result = _evaluate(tallies=_tallies(**{"C3-ETH__rubric": below}))
    row = _row(result, "C3-ETH")
    assert not row.met
    assert row.reasons == [combination.Reason("below_minimum", "rubric", line="Disclosure")]


def test_the_drafting_checklist_needs_every_element():
    result = _evaluate(
        tallies=_tallies(**{"C6-DRAFT__checklist": Tally("C6-DRAFT", "checklist", 7, 8)})
    )
    row = _row(result, "C6-DRAFT")
    assert not row.met
    assert row.reasons[0].percent == Fraction(175, 2) and row.reasons[0].limit == 100


def test_a_breach_on_a_criterion_without_a_practical_instrument_still_fails_it():
    breach = [*_tallies(), Tally("C1-LAW", "rubric", 0, 0, True)]
    result = _evaluate(tallies=breach)
    row = _row(result, "C1-LAW")
    assert not row.met and not result.met
    assert [r.kind for r in row.reasons] == ["breach_elsewhere"]
    assert any("serious breach" in reason for reason in result.reasons)


def test_missing_instruments_are_named():
    result = _evaluate({"C1-LAW": 90}, [])
    row = _row(result, "C6-DRAFT")
    assert [(r.kind, r.instrument) for r in row.reasons] == [
        ("missing", "quiz"),
        ("missing", "rubric"),
        ("missing", "checklist"),
    ]
    assert result.average is None


@pytest.mark.parametrize(
    "case",
    [
        {},
        {"quiz": {"C1-LAW": 10}},
        {"quiz": {**PASSING_QUIZ, "C2-PROC": 50, "C7-CULT": 59}},
        {
            "tallies": [
                Tally("C3-ETH", "rubric", 8, 16, True, ("A", "B")),
                Tally("C1-LAW", "rubric", 0, 0, True),
            ]
        },
    ],
)
def test_every_reason_of_evaluate_criteria_has_its_figures_for_the_page(case):
    result = _evaluate(case.get("quiz"), case.get("tallies"))
    for row in result.criteria:
        assert len(row.reasons) == (0 if row.met else len(row.outcome.reasons)), row.rule.code


def test_rubrics_on_the_same_criterion_are_combined_by_points_not_percents():
    results = combination.combine(
        {},
        [
            Tally("C4-COMM", "rubric", 4, 4),  # one line, 100 %
            Tally("C4-COMM", "rubric", 2, 8, False, ("Reframing",)),  # two lines, 25 %
            Tally("C4-COMM", "checklist", 1, 1),
        ],
    )
    by_kind = {r.kind: r for r in results}
    assert by_kind["rubric"].percent == 50  # 6 of 12 points, not (100 + 25) / 2
    assert by_kind["rubric"].lines_below_minimum == ("Reframing",)
    assert by_kind["checklist"].percent == 100


def test_the_best_quiz_percent_counts_per_criterion():
    best = combination.best_quiz_percents(
        [
            {
                "criteria": [
                    {"code": "C1-LAW", "percent": "70.0"},
                    {"code": "C3-ETH", "percent": "95.0"},
                ]
            },
            {
                "criteria": [
                    {"code": "C1-LAW", "percent": "85.0"},
                    {"code": "C3-ETH", "percent": "80.0"},
                ]
            },
            # Exact points win over the rounded display: 179.9 / 200 is 89.95 %, not 90.0 %.
            {
                "criteria": [
                    {"code": "C7-CULT", "percent": "90.0", "earned": "179.9", "possible": "200"}
                ]
            },
            {"criteria": [{"code": "C2-PROC", "percent": "junk"}, {"percent": "99"}, "junk"]},
            {"criteria": "junk"},
        ]
    )
    assert best == {"C1-LAW": 85, "C3-ETH": 95, "C7-CULT": Fraction(8995, 100)}


# --- from the database -----------------------------------------------------------------------


@pytest.fixture
def course(make_course):
    return make_course("Practice")


@pytest.fixture
def learner(trainee, course):
    learning.enrol(trainee, course)
    return trainee


def _rubric(course, criteria, title, lines):
    return rubrics.create_rubric(
        course,
        title=title,
        kind="role_play",
        lines=[
            LineSpec(label, criteria[code].id, kind, minimum)
            for label, code, kind, minimum in lines
        ],
    )


def _assess(rubric, learner, trainer, points, *, breach=None, sign=True, when=None):
    assessment = lifecycle.start_assessment(rubric, learner, trainer)
    scoring.score_lines(
        assessment,
        {line.id: value for line, value in zip(rubric.lines, points, strict=True)},
        trainer,
    )
    if breach:
        scoring.mark_breach(assessment, breach.id, "Took sides", trainer)
    if sign:
        lifecycle.sign_off(assessment, trainer, now=when)
    return assessment


_numbers = iter(range(1, 100_000))


def _attempt(quiz, user, status="graded", **percents):
    criteria = [
        {"code": code.replace("_", "-"), "percent": str(value)} for code, value in percents.items()
    ]
    db.session.add(
        Attempt(
            quiz_id=quiz.id,
            user_id=user.id,
            number=next(_numbers),
            status=status,
            seed=1,
            result_json=json.dumps({"criteria": criteria}),
        )
    )
    db.session.commit()


ROLE_PLAY = [
    ("Opening", "C2-PROC", Q, None),
    ("Closing", "C2-PROC", Q, None),
    ("Neutral", "C3-ETH", Q, 3),
    ("Disclosure", "C3-ETH", Q, 3),
    ("Listening", "C4-COMM", Q, None),
    ("Interests", "C5-NEG", Q, None),
]
DRAFTING = [
    ("Written", "C6-DRAFT", C, None),
    ("Signed", "C6-DRAFT", C, None),
    ("Wording", "C6-DRAFT", Q, None),
]


def test_standing_gathers_quizzes_and_the_latest_signed_off_assessments(
    criteria, course, learner, trainer, make_quiz, make_user
):
    role_play = _rubric(course, criteria, "Role-play", ROLE_PLAY)
    drafting = _rubric(course, criteria, "Drafting", DRAFTING)
    quiz = make_quiz(course=course, slug="one")
    other_quiz = make_quiz(course=course, slug="two")
    _attempt(quiz, learner, C1_LAW=85, C2_PROC=60, C3_ETH=95)
    _attempt(quiz, learner, C2_PROC=80, C6_DRAFT="75.0", C7_CULT=75)
    _attempt(quiz, learner, status="submitted", C1_LAW=100)  # waiting for a trainer: not counted
    _attempt(other_quiz, learner, C1_LAW=99)
    _attempt(quiz, make_user(), C4_COMM=100)  # someone else's
    earlier = utcnow() - timedelta(days=2)
    _assess(
        role_play, learner, trainer, [4, 4, 4, 4, 4, 4], breach=criteria["C3-ETH"], when=earlier
    )
    retake = _assess(role_play, learner, trainer, [3, 3, 3, 3, 3, 3])  # replaces the breach
    _assess(drafting, learner, trainer, [1, 1, 3])
    draft = lifecycle.start_assessment(drafting, learner, trainer)  # a draft never counts
    scoring.score_lines(
        draft, {line.id: 0 if line.kind == C else 1 for line in drafting.lines}, trainer
    )

    result = standing.standing(learner, compensable_average=70)
    assert result.met, result.reasons
    assert result.assessments[0].id == retake.id
    by_key = {(r.criterion, r.kind): r.percent for r in result.results}
    assert by_key[("C1-LAW", "quiz")] == 99
    assert by_key[("C2-PROC", "quiz")] == 80
    assert by_key[("C3-ETH", "rubric")] == 75
    assert by_key[("C6-DRAFT", "checklist")] == 100 and by_key[("C6-DRAFT", "rubric")] == 75
    assert ("C4-COMM", "quiz") not in by_key
    # Only the first quiz: C1 falls back to 85 %.
    only_first = standing.standing(learner, quiz_ids=[quiz.id], compensable_average=70)
    assert {(r.criterion, r.kind): r.percent for r in only_first.results}[("C1-LAW", "quiz")] == 85
    assert standing.standing(learner, quiz_ids=[]).criteria[0].outcome.reasons  # no quizzes at all


def test_a_later_poorer_retake_replaces_a_better_result(criteria, course, learner, trainer):
    role_play = _rubric(course, criteria, "Role-play", ROLE_PLAY)
    _assess(role_play, learner, trainer, [4, 4, 4, 4, 4, 4], when=utcnow() - timedelta(days=1))
    _assess(role_play, learner, trainer, [4, 4, 2, 4, 4, 4])
    result = standing.standing(learner)
    ethics = _row(result, "C3-ETH")
    rubric_result = next(i for i in ethics.instruments if i.kind == "rubric").result
    assert rubric_result.lines_below_minimum == ("Neutral",)
    assert not ethics.met


def test_a_breach_in_the_latest_assessment_fails_ethics(
    criteria, course, learner, trainer, make_quiz
):
    role_play = _rubric(course, criteria, "Role-play", ROLE_PLAY)
    quiz = make_quiz(course=course)
    _attempt(quiz, learner, C3_ETH=100)
    _assess(role_play, learner, trainer, [4, 4, 4, 4, 4, 4], breach=criteria["C3-ETH"])
    ethics = _row(standing.standing(learner), "C3-ETH")
    assert not ethics.met and [r.kind for r in ethics.reasons] == ["breach"]


def test_two_rubrics_on_one_criterion_are_summed(criteria, course, learner, trainer):
    first = _rubric(course, criteria, "Day 2", [("Listening", "C4-COMM", Q, None)])
    second = _rubric(
        course,
        criteria,
        "Day 4",
        [("Summarising", "C4-COMM", Q, None), ("Reframing", "C4-COMM", Q, None)],
    )
    _assess(first, learner, trainer, [4])
    _assess(second, learner, trainer, [1, 1])
    result = standing.standing(learner)
    assert {(r.criterion, r.kind): r.percent for r in result.results}[("C4-COMM", "rubric")] == 50


def test_inactive_criteria_are_left_out(criteria, learner):
    criteria["C7-CULT"].active = False
    db.session.commit()
    assert "C7-CULT" not in [row.rule.code for row in standing.standing(learner).criteria]


def _queries(function) -> int:
    statements = []

    def count(*args, **kwargs):
        statements.append(1)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        function()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_standing_runs_a_constant_number_of_queries(
    criteria, make_course, make_user, trainer, make_quiz
):
    counts = []
    for size in (1, 6):
        course = make_course(f"Course {size}")
        person = make_user()
        learning.enrol(person, course)
        for number in range(size):
            quiz = make_quiz(course=course, slug=f"quiz-{number}", questions=1)
            _attempt(quiz, person, C1_LAW=80 + number, C3_ETH=90)
            rubric = _rubric(course, criteria, f"Role-play {number}", ROLE_PLAY)
            _assess(rubric, person, trainer, [3, 3, 3, 3, 3, 3])
        counts.append(
            _queries(lambda person=person: standing.standing(person, compensable_average=70))
        )
    assert counts[0] == counts[1], f"{counts[0]} queries for 1, {counts[1]} for 6"


def test_a_qualification_may_judge_only_its_own_criteria(criteria, learner, make_quiz, course):
    _attempt(make_quiz(course=course), learner, C1_LAW=85, C7_CULT=10)
    result = standing.standing(learner, criteria=["C1-LAW", "C3-ETH"], compensable_average=70)
    assert [row.code for row in result.criteria] == ["C1-LAW", "C3-ETH"]
    law = result.criteria[0]
    assert (law.title, law.percent, law.met, law.must_pass) == (
        "Knowledge of the legal framework",
        85,
        True,
        True,
    )
    assert not result.met and result.average is None  # C3 not completed; no compensable ones
    assert all("C7" not in reason and "Cultural" not in reason for reason in result.reasons)
