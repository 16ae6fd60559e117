"""Withdrawing, reinstating and fixing questions: results recomputed, an audit record each."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import event, func, select

from courses import learning
from lms.extensions import db
from lms.service_error import ServiceError
from lms.text_limits import REASON
from quizzes import attempts, bank, gradebook, marking, regrade
from quizzes.models import Attempt, AttemptStatus, Question, QuestionEvent, QuizQuestion
from quizzes.question_types import REGISTRY, get_type

from .versions import current_content

# --- helpers ---------------------------------------------------------------------------------


def _option(item, text: str) -> str:
    """The attempt's opaque id of the option with ``text``."""
    return next(o["id"] for o in item.presentation["options"] if o["text"] == text)


def _right(item) -> str:
    definition = item.version.definition
    return next(
        i
        for i, index in item.presentation["key"].items()
        if definition["options"][index].get("correct")
    )


def _wrong(item) -> str:
    return next(i for i in item.presentation["key"] if i != _right(item))


def _sit(quiz, user, right: list[bool]) -> Attempt:
    """A finished attempt answering each question (in position order) right or wrong."""
    attempt = attempts.start(quiz, user)
    for item, ok in zip(attempt.questions, right, strict=True):
        attempts.save_answer(attempt, item.position, [_right(item) if ok else _wrong(item)])
    return attempts.submit(attempt)


def _revise(question, definition, **changes):
    content = current_content(question, definition=definition, **changes)
    return bank.revise_question(question, **content)


def _fix_key(question, right: int = 1):
    """A corrected version: the same options, option ``right`` marked correct instead."""
    options = question.current.definition["options"]
    return _revise(
        question, {"options": [{**o, "correct": n == right} for n, o in enumerate(options)]}
    )


def _fresh(attempt_id: int) -> Attempt:
    db.session.expire_all()
    return db.session.get(Attempt, attempt_id)


def _essay(course, criteria, key="essay", points=(2, 2)):
    return bank.create_question(
        course,
        key=key,
        criterion=criteria["C6-DRAFT"],
        type="free_text",
        stem="Draft the clause.",
        definition={
            "rubric": [{"criterion": f"Line {n}", "points": p} for n, p in enumerate(points)],
            "model_answer": "Bolat pays ...",
        },
        points=4,
        difficulty=2,
        feedback="",
        source="Law Art. 27",
        fact_tag="V",
        verified_on="",
        possibly_amended=False,
    )


@pytest.fixture
def quiz(make_quiz):
    """Four C1-LAW questions (must-pass, 80 %), pass mark 70, in a fixed order."""
    return make_quiz(questions=4, shuffle_questions=False, pass_mark=70)


def _question(quiz, position: int) -> Question:
    return quiz.fixed_questions[position - 1].question


# --- withdraw and reinstate ------------------------------------------------------------------


def test_withdraw_recomputes_the_attempts_that_had_it_and_records_why(
    app, quiz, make_quiz, make_course, make_user, trainer
):
    wrong_first = _sit(quiz, make_user(), [False, True, True, True])  # 3/4 = 75 % < 80 %
    wrong_second = _sit(quiz, make_user(), [True, False, True, True])  # 3/4 = 75 %
    assert (wrong_first.percent, wrong_first.passed) == (Decimal("75.0"), False)
    other = make_quiz(questions=2, course=make_course("Other"), slug="other")
    untouched = _sit(other, make_user(), [False, True])
    untouched_before = (untouched.percent, untouched.passed, untouched.result_json)
    in_progress = attempts.start(quiz, make_user())
    first = _question(quiz, 1)

    record = regrade.withdraw(first, "  Art. 28 was misquoted in the key.  ", trainer)

    a, b = _fresh(wrong_first.id), _fresh(wrong_second.id)
    assert (a.percent, a.passed, a.earned, a.possible) == (Decimal("100.0"), True, 3, 3)
    assert (b.percent, b.passed, b.earned, b.possible) == (Decimal("66.7"), False, 2, 3)
    assert [c["percent"] for c in b.result["criteria"]] == ["66.7"]
    c = _fresh(untouched.id)
    assert (c.percent, c.passed, c.result_json) == untouched_before
    question = db.session.get(Question, first.id)
    assert question.active is False and question.withdrawn_at is not None
    # One audit record: who, why, and each finished attempt's figures before and after.
    assert db.session.scalar(select(func.count(QuestionEvent.id))) == 1
    record = db.session.get(QuestionEvent, record.id)
    assert (record.action, record.reason, record.by_id) == (
        "withdraw",
        "Art. 28 was misquoted in the key.",
        trainer.id,
    )
    assert record.attempts_affected == 2 and record.at is not None
    assert (record.from_version, record.to_version) == (None, None)
    changes = {c["attempt"]: c for c in record.changes}
    assert set(changes) == {a.id, b.id}  # not the other quiz's, not the one in progress
    assert changes[a.id]["before"] == {"percent": "75.0", "passed": False, "status": "graded"}
    assert changes[a.id]["after"] == {"percent": "100.0", "passed": True, "status": "graded"}
    assert changes[b.id]["after"]["percent"] == "66.7" and changes[a.id]["user"] == a.user_id
    # The attempt in progress keeps the question on screen; graded, it does not count.
    in_progress = _fresh(in_progress.id)
    assert len(in_progress.questions) == 4
    for item in in_progress.questions:
        attempts.save_answer(in_progress, item.position, [_right(item)])
    attempts.submit(in_progress)
    assert (in_progress.earned, in_progress.possible, in_progress.passed) == (3, 3, True)


def test_reinstate_restores_the_results_and_withdrawing_twice_is_refused(
    app, quiz, make_user, trainer
):
    attempt = _sit(quiz, make_user(), [False, True, True, True])
    first = _question(quiz, 1)
    regrade.withdraw(first, "Wrong key", trainer)
    with pytest.raises(ServiceError, match="already withdrawn"):
        regrade.withdraw(first, "Again", trainer)
    record = regrade.reinstate(first, "The key was right after all", trainer)
    fresh = _fresh(attempt.id)
    assert (fresh.percent, fresh.passed) == (Decimal("75.0"), False)
    question = db.session.get(Question, first.id)
    assert question.active is True and question.withdrawn_at is None
    record = db.session.get(QuestionEvent, record.id)
    assert record.action == "reinstate" and record.attempts_affected == 1
    assert record.changes[0]["before"]["percent"] == "100.0"
    assert record.changes[0]["after"]["percent"] == "75.0"
    with pytest.raises(ServiceError, match="not withdrawn"):
        regrade.reinstate(first, "Again", trainer)
    assert db.session.scalar(select(func.count(QuestionEvent.id))) == 2


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * (REASON + 1)])
def test_a_reason_is_required_and_nothing_changes_without_one(
    app, quiz, make_user, trainer, reason
):
    attempt = _sit(quiz, make_user(), [False, True, True, True])
    first = _question(quiz, 1)
    for action in (regrade.withdraw, regrade.regrade):
        with pytest.raises(ServiceError) as refused:
            action(first, reason, trainer)
        assert refused.value.field == "reason"
    assert db.session.get(Question, first.id).withdrawn_at is None
    assert _fresh(attempt.id).percent == Decimal("75.0")
    assert db.session.scalar(select(func.count(QuestionEvent.id))) == 0


def test_a_criterion_whose_questions_are_all_withdrawn_is_no_longer_assessed(
    app, make_course, make_question, make_quiz, make_user, trainer
):
    quiz = make_quiz(questions=2, shuffle_questions=False, pass_mark=70)  # C1-LAW
    ethics = make_question(quiz.course, "C3-ETH")
    quiz.fixed_questions.append(QuizQuestion(question_id=ethics.id, position=3))
    db.session.commit()
    attempt = _sit(quiz, make_user(), [True, True, False])  # C3-ETH 0 % < 90 %: fails
    assert attempt.passed is False
    assert [c["code"] for c in attempt.result["criteria"]] == ["C1-LAW", "C3-ETH"]
    regrade.withdraw(ethics, "Scenario contradicts the Code", trainer)
    fresh = _fresh(attempt.id)
    assert [c["code"] for c in fresh.result["criteria"]] == ["C1-LAW"]
    assert (fresh.percent, fresh.passed) == (Decimal("100.0"), True)
    # With nothing left to count, the attempt has no score to pass with.
    for position in (1, 2):
        regrade.withdraw(_question(quiz, position), "Withdrawn too", trainer)
    fresh = _fresh(attempt.id)
    assert (fresh.possible, fresh.percent, fresh.passed) == (0, Decimal("0.0"), False)
    assert fresh.result["criteria"] == [] and fresh.status == AttemptStatus.GRADED


def test_a_pending_written_answer_stays_pending_unless_it_is_the_one_withdrawn(
    app, make_quiz, criteria, make_user, trainer
):
    quiz = make_quiz(questions=1, shuffle_questions=False)
    essay = _essay(quiz.course, criteria)
    quiz.fixed_questions.append(QuizQuestion(question_id=essay.id, position=2))
    db.session.commit()
    attempt = attempts.start(quiz, make_user())
    choice = attempt.questions[0]
    attempts.save_answer(attempt, choice.position, [_right(choice)])
    attempts.save_answer(attempt, 2, ["Bolat pays 900,000 tenge."])
    attempts.submit(attempt)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.passed is None
    regrade.withdraw(_question(quiz, 1), "Wrong", trainer)
    fresh = _fresh(attempt.id)
    assert fresh.status == AttemptStatus.SUBMITTED and fresh.passed is None
    assert fresh.result["pending"] is True
    regrade.reinstate(_question(quiz, 1), "Right after all", trainer)
    regrade.withdraw(essay, "The rubric rests on a repealed article", trainer)
    fresh = _fresh(attempt.id)
    assert fresh.status == AttemptStatus.GRADED and (fresh.percent, fresh.passed) == (100, True)
    # Reinstated, the unscored answer makes the result wait for a trainer again.
    regrade.reinstate(essay, "Article still in force", trainer)
    fresh = _fresh(attempt.id)
    assert fresh.status == AttemptStatus.SUBMITTED and fresh.passed is None


def test_withdrawn_questions_are_never_served_again(app, quiz, make_user, trainer):
    regrade.withdraw(_question(quiz, 2), "Wrong", trainer)
    attempt = attempts.start(quiz, make_user())
    served = {item.version.question_id for item in attempt.questions}
    assert len(served) == 3 and _question(quiz, 2).id not in served


def test_gradebook_and_item_analysis_see_the_new_figures(app, quiz, make_user, trainer):
    attempt = _sit(quiz, make_user(), [False, True, True, True])
    regrade.withdraw(_question(quiz, 1), "Wrong", trainer)
    _codes, rows = gradebook.rows(quiz)
    assert rows[0].best.percent == Decimal("100.0") and rows[0].best.passed is True
    stats = {version.question_id: item for version, item in gradebook.item_statistics(quiz)}
    assert stats[_question(quiz, 2).id].facility == 1
    assert _fresh(attempt.id).percent == 100


def test_a_failure_half_way_rolls_everything_back(app, quiz, make_user, trainer, monkeypatch):
    first_attempt = _sit(quiz, make_user(), [False, True, True, True])
    second_attempt = _sit(quiz, make_user(), [False, True, True, True])
    calls = []
    original = regrade.store_result

    def failing(attempt):
        calls.append(attempt.id)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return original(attempt)

    monkeypatch.setattr(regrade, "store_result", failing)
    with pytest.raises(RuntimeError):
        regrade.withdraw(_question(quiz, 1), "Wrong", trainer)
    assert calls == [first_attempt.id, second_attempt.id]
    assert db.session.get(Question, _question(quiz, 1).id).withdrawn_at is None
    for attempt in (first_attempt, second_attempt):
        fresh = _fresh(attempt.id)
        assert (fresh.percent, fresh.passed) == (Decimal("75.0"), False)
    assert db.session.scalar(select(func.count(QuestionEvent.id))) == 0


def test_recomputing_loads_attempts_in_bulk(app, quiz, make_user, trainer):
    """Statements grow by a small constant per attempt (its UPDATE and the criteria), never
    by a query per frozen question."""
    for _ in range(2):
        _sit(quiz, make_user(), [False, True, True, True])
    counts, statements = [], []

    def count(*args, **kwargs):
        statements.append(1)

    for extra in (0, 4):
        for _ in range(extra):
            _sit(quiz, make_user(), [False, True, True, True])
        db.session.expire_all()
        question = db.session.get(Question, _question(quiz, 1).id)
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            regrade.withdraw(question, "Wrong", trainer)
            regrade.reinstate(question, "Right", trainer)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        counts.append(len(statements))
    per_attempt = (counts[1] - counts[0]) / (2 * 4)
    assert per_attempt <= 6, counts


# --- regrade after a corrected key ------------------------------------------------------------


def test_regrade_with_a_corrected_key_flips_the_right_answers(app, quiz, make_user, trainer):
    first = _question(quiz, 1)
    old_options = first.current.definition["options"]
    chose_old_key = _sit(quiz, make_user(), [True, True, True, True])  # 100 %
    shown = chose_old_key.questions[0].presentation["options"]
    chose_fixed = attempts.start(quiz, make_user())
    fixed_text = old_options[1]["text"]
    for item in chose_fixed.questions:
        value = _option(item, fixed_text) if item.position == 1 else _right(item)
        attempts.save_answer(chose_fixed, item.position, [value])
    attempts.submit(chose_fixed)  # 75 %: the option that is really right was marked wrong
    assert (chose_fixed.percent, chose_fixed.passed) == (Decimal("75.0"), False)
    # The trainer corrects the key (same options, reordered) in a new version.
    new_options = [  # every option moves, so ids must be re-pointed, not kept
        {"text": fixed_text, "correct": True},
        {"text": old_options[0]["text"], "correct": False},
        {"text": old_options[2]["text"], "correct": False},
    ]
    version = _revise(first, {"options": new_options})
    record = regrade.regrade(first, "Key fixed: option B is right (Art. 28)", trainer)

    a, b = _fresh(chose_old_key.id), _fresh(chose_fixed.id)
    assert (a.percent, a.passed) == (Decimal("75.0"), False)
    assert (b.percent, b.passed) == (Decimal("100.0"), True)
    assert [item.question_version_id for item in (a.questions[0], b.questions[0])] == [
        version.id,
        version.id,
    ]
    # What the trainee saw is unchanged: the same texts under the same ids.
    assert a.questions[0].presentation["options"] == shown
    record = db.session.get(QuestionEvent, record.id)
    assert (record.action, record.from_version, record.to_version) == ("regrade", 1, 2)
    assert record.attempts_affected == 2
    flips = {c["attempt"]: (c["before"]["passed"], c["after"]["passed"]) for c in record.changes}
    assert flips == {a.id: (True, False), b.id: (False, True)}
    # Regrading again finds nothing older to move: an empty, but recorded, regrade.
    again = regrade.regrade(first, "Checked again", trainer)
    assert again.attempts_affected == 0 and again.from_version is None


def test_regrade_is_refused_when_the_options_changed_and_nothing_changes(
    app, quiz, make_user, trainer
):
    first = _question(quiz, 1)
    attempt = _sit(quiz, make_user(), [True, True, True, True])
    versions_before = [item.question_version_id for item in attempt.questions]
    _revise(first, {"options": [{"text": "A new option", "correct": True}, {"text": "Other"}]})
    with pytest.raises(ServiceError, match="attempts keep the version they saw"):
        regrade.regrade(first, "New options", trainer)
    fresh = _fresh(attempt.id)
    assert [item.question_version_id for item in fresh.questions] == versions_before
    assert (fresh.percent, fresh.passed) == (Decimal("100.0"), True)
    assert db.session.scalar(select(func.count(QuestionEvent.id))) == 0


def test_regrade_needs_a_corrected_version(app, quiz, trainer):
    with pytest.raises(ServiceError, match="one version only"):
        regrade.regrade(_question(quiz, 1), "Nothing fixed yet", trainer)


def test_regrade_moves_attempts_in_progress_to_the_corrected_version(app, quiz, make_user, trainer):
    first = _question(quiz, 1)
    attempt = attempts.start(quiz, make_user())
    options = first.current.definition["options"]
    version = _fix_key(first, right=2)
    record = regrade.regrade(first, "Key fixed", trainer)
    assert record.attempts_affected == 0  # no result to recompute yet
    fresh = _fresh(attempt.id)
    item = fresh.questions[0]
    assert item.question_version_id == version.id
    attempts.save_answer(fresh, 1, [_option(item, options[2]["text"])])
    for other in fresh.questions[1:]:
        attempts.save_answer(fresh, other.position, [_right(other)])
    attempts.submit(fresh)
    assert fresh.percent == 100


def test_regrade_keeps_a_trainers_marks_of_written_answers(
    app, make_quiz, criteria, make_user, trainer
):
    quiz = make_quiz(questions=1, shuffle_questions=False, course=None)
    essay = _essay(quiz.course, criteria)
    quiz.fixed_questions.append(QuizQuestion(question_id=essay.id, position=2))
    db.session.commit()
    attempt = attempts.start(quiz, make_user())
    attempts.save_answer(attempt, 1, [_right(attempt.questions[0])])
    attempts.save_answer(attempt, 2, ["Bolat pays."])
    attempts.submit(attempt)
    marking.score(attempt.questions[1], [1, 2], trainer)  # 3 of 4
    before = _fresh(attempt.id)
    figures = (before.percent, before.passed)
    assert figures == (Decimal("80.0"), True)
    # The rubric's wording is clarified (same points per line): the marks stay.
    _revise(
        essay,
        {
            "rubric": [
                {"criterion": "Amount, dates", "points": 2},
                {"criterion": "Late", "points": 2},
            ],
            "model_answer": "Bolat pays 900,000 tenge ...",
        },
    )
    regrade.regrade(essay, "Rubric wording clarified", trainer)
    fresh = _fresh(attempt.id)
    item = fresh.questions[1]
    assert item.version.version == 2 and item.manual_points == 3
    assert (fresh.percent, fresh.passed) == figures
    # Changing the points of the lines would change what the marks mean: refused.
    _revise(essay, {"rubric": [{"criterion": "All", "points": 4}], "model_answer": ""})
    with pytest.raises(ServiceError, match="attempts keep the version they saw"):
        regrade.regrade(essay, "Rubric rebuilt", trainer)


# --- each type says whether a frozen presentation still fits ---------------------------------

CHOICE = {"options": [{"text": "A", "correct": True}, {"text": "B"}, {"text": "C"}]}
CHOICE_FIXED = {"options": [{"text": "C"}, {"text": "A"}, {"text": "B", "correct": True}]}
MULTI = {"options": [{"text": "A", "correct": True}, {"text": "B", "correct": True}, {"text": "C"}]}
MULTI_FIXED = {
    "options": [{"text": "A", "correct": True}, {"text": "B"}, {"text": "C", "correct": True}]
}
PAIRS = {
    "pairs": [
        {"left": "L1", "right": "R1"},
        {"left": "L2", "right": "R2"},
        {"left": "L3", "right": "R3"},
    ]
}
PAIRS_FIXED = {
    "pairs": [
        {"left": "L2", "right": "R1"},
        {"left": "L1", "right": "R2"},
        {"left": "L3", "right": "R3"},
    ]
}
ITEMS = {"items": ["Proposal", "Sessions", "Contract", "Settlement"]}
ITEMS_FIXED = {"items": ["Proposal", "Contract", "Sessions", "Settlement"]}

REGRADABLE = [
    ("single_choice", CHOICE, CHOICE_FIXED, True),
    ("single_choice", CHOICE, {"options": [{"text": "A", "correct": True}, {"text": "B"}]}, False),
    (
        "single_choice",
        CHOICE,
        {"options": [{"text": "A"}, {"text": "B!", "correct": True}, {"text": "C"}]},
        False,
    ),
    ("multiple_choice", MULTI, MULTI_FIXED, True),
    ("multiple_choice", MULTI, {"options": [{"text": "A", "correct": True}, {"text": "D"}]}, False),
    ("true_false", {"answer": True}, {"answer": False}, True),
    ("short_text", {"accepted": ["60 days"]}, {"accepted": ["30 days", "thirty days"]}, True),
    (
        "numeric",
        {"answer": 60, "unit": "days"},
        {"answer": 30, "tolerance": 1, "unit": "days"},
        True,
    ),
    ("numeric", {"answer": 60, "unit": "days"}, {"answer": 2, "unit": "months"}, False),
    ("matching", PAIRS, PAIRS_FIXED, True),
    (
        "matching",
        PAIRS,
        {"pairs": [{"left": "L1", "right": "R1"}, {"left": "L2", "right": "R9"}]},
        False,
    ),
    ("ordering", ITEMS, ITEMS_FIXED, True),
    ("ordering", ITEMS, {"items": ["Proposal", "Contract", "Sessions"]}, False),
    (
        "free_text",
        {"rubric": [{"criterion": "Parties", "points": 2}]},
        {"rubric": [{"criterion": "Parties named in full", "points": 2}], "model_answer": "x"},
        True,
    ),
    (
        "free_text",
        {"rubric": [{"criterion": "Parties", "points": 2}]},
        {"rubric": [{"criterion": "Parties", "points": 3}]},
        False,
    ),
]


def test_every_type_says_whether_it_can_be_regraded():
    assert {name for name, *_ in REGRADABLE} == set(REGISTRY)


@pytest.mark.parametrize(("name", "old", "new", "expected"), REGRADABLE)
def test_regradable(name, old, new, expected):
    question_type = get_type(name)
    assert question_type.validate(old) == [] and question_type.validate(new) == []
    assert question_type.regradable(old, new) is expected


def _texts_answer(name, presentation, wanted):
    """The answer a trainee gives, in this presentation's ids, naming things by their text."""
    if name in ("single_choice", "multiple_choice"):
        ids = [o["id"] for o in presentation["options"] if o["text"] in wanted]
        return ids[0] if name == "single_choice" else ids
    if name == "ordering":
        by_text = {item["text"]: item["id"] for item in presentation["items"]}
        return [by_text[text] for text in wanted]
    lefts = {item["text"]: item["id"] for item in presentation["lefts"]}
    rights = {item["text"]: item["id"] for item in presentation["rights"]}
    return {lefts[left]: rights[right] for left, right in wanted}


@pytest.mark.parametrize(
    ("name", "old", "new", "answer", "before", "after"),
    [
        ("single_choice", CHOICE, CHOICE_FIXED, ["B"], 0, 1),
        ("single_choice", CHOICE, CHOICE_FIXED, ["A"], 1, 0),
        ("multiple_choice", MULTI, MULTI_FIXED, ["A", "C"], 0, 1),
        (
            "matching",
            PAIRS,
            PAIRS_FIXED,
            [("L1", "R2"), ("L2", "R1"), ("L3", "R3")],
            Fraction(1, 3),
            1,
        ),
        (
            "ordering",
            ITEMS,
            ITEMS_FIXED,
            ["Proposal", "Contract", "Sessions", "Settlement"],
            0,  # against the wrong key no adjacent pair is in order
            1,
        ),
    ],
)
def test_rekey_grades_what_the_trainee_saw_against_the_corrected_key(
    name, old, new, answer, before, after
):
    question_type = get_type(name)
    for seed in range(5):
        presentation = question_type.present(old, random.Random(seed), True)
        given = _texts_answer(name, presentation, answer)
        assert question_type.grade(old, presentation, given) == before
        rekeyed = question_type.rekey(old, new, presentation)
        assert {k: v for k, v in rekeyed.items() if k != "key"} == {
            k: v for k, v in presentation.items() if k != "key"
        }
        assert question_type.grade(new, rekeyed, given) == after


def test_repeated_texts_only_regrade_in_the_same_order():
    old = {"items": ["A", "B", "C"]}
    assert get_type("ordering").regradable(old, old)
    same = {"options": [{"text": "Yes", "correct": True}, {"text": "Yes"}]}
    swapped = {"options": [{"text": "Yes"}, {"text": "Yes", "correct": True}]}
    assert get_type("single_choice").regradable(same, swapped)  # same order: indexes hold
    moved = {"options": [{"text": "Yes"}, {"text": "No"}, {"text": "Yes", "correct": True}]}
    assert not get_type("single_choice").regradable(
        {"options": [{"text": "Yes", "correct": True}, {"text": "Yes"}, {"text": "No"}]}, moved
    )


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def owned(quiz, make_user):
    """The quiz's first question and a trainee's finished attempt (75 %, not passed)."""
    attempt = _sit(quiz, make_user(), [False, True, True, True])
    return _question(quiz, 1), attempt


ROUTES = ["withdraw", "reinstate", "regrade"]


def _state(question_id, attempt_id):
    db.session.expire_all()
    question = db.session.get(Question, question_id)
    attempt = db.session.get(Attempt, attempt_id)
    return (
        question.active,
        question.withdrawn_at,
        [item.question_version_id for item in attempt.questions],
        attempt.percent,
        attempt.passed,
        db.session.scalar(select(func.count(QuestionEvent.id))),
    )


@pytest.mark.parametrize("who", ["other_trainer", "trainee"])
def test_only_owners_and_admins_reach_the_pages(app, owned, make_user, login, who):
    question, attempt = owned
    _fix_key(question)  # so that a regrade would otherwise be possible
    stranger = login(make_user("trainer" if who == "other_trainer" else "trainee"))
    before = _state(question.id, attempt.id)
    base = f"/manage/quizzes/questions/{question.id}"
    assert stranger.get(f"{base}/audit").status_code == 403
    for route in ROUTES:
        response = stranger.post_form(f"{base}/{route}", {"reason": "Wrong key"})
        assert response.status_code == 403, route
        assert stranger.get(f"{base}/{route}").status_code == 405
    assert _state(question.id, attempt.id) == before


def test_strangers_are_sent_to_log_in_and_unknown_questions_are_404(
    app, owned, client, trainer_client
):
    question, _attempt = owned
    response = client.get(f"/manage/quizzes/questions/{question.id}/audit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert trainer_client.get("/manage/quizzes/questions/999999/audit").status_code == 404
    for route in ROUTES:
        response = trainer_client.post_form(
            f"/manage/quizzes/questions/999999/{route}", {"reason": "x"}
        )
        assert response.status_code == 404


def test_the_owner_withdraws_and_reinstates_through_the_pages(app, owned, trainer, trainer_client):
    question, attempt = owned
    base = f"/manage/quizzes/questions/{question.id}"
    page = trainer_client.get(f"{base}/audit").get_data(as_text=True)
    assert f'action="{base}/withdraw"' in page and "data-confirm=" in page
    assert f"{base}/reinstate" not in page and f"{base}/regrade" not in page  # one version
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and 'style="' not in page
    response = trainer_client.post_form(
        f"{base}/withdraw", {"reason": "Cites the repealed wording", "next": f"{base}/audit"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/audit")
    page = trainer_client.get(f"{base}/audit").get_data(as_text=True)
    assert "results changed: 1" in page
    assert "Cites the repealed wording" in page and trainer.full_name in page
    assert attempt.user.full_name in page and "75%" in page and "100%" in page
    assert "flipped" in page
    assert f"{base}/reinstate" in page and f'action="{base}/withdraw"' not in page
    assert _fresh(attempt.id).passed is True
    response = trainer_client.post_form(
        f"{base}/reinstate", {"reason": "Checked: still in force", "next": "https://evil.example/"}
    )
    assert response.headers["Location"].endswith(f"{base}/audit")  # never off the site
    assert _fresh(attempt.id).passed is False


def test_an_admin_may_act_on_any_question(app, owned, admin_client):
    question, attempt = owned
    response = admin_client.post_form(
        f"/manage/quizzes/questions/{question.id}/withdraw", {"reason": "Wrong"}
    )
    assert response.status_code == 302
    assert _fresh(attempt.id).percent == 100


def test_a_missing_reason_or_a_refused_regrade_is_a_400_with_its_message(
    app, owned, trainer_client
):
    question, attempt = owned
    base = f"/manage/quizzes/questions/{question.id}"
    before = _state(question.id, attempt.id)
    for route in ROUTES:
        response = trainer_client.post_form(f"{base}/{route}", {"reason": "  "})
        assert response.status_code == 400, route
        assert "Give the reason" in response.get_data(as_text=True)
    response = trainer_client.post_form(f"{base}/withdraw", {"reason": "x" * (REASON + 1)})
    assert response.status_code == 400
    assert f"Use at most {REASON} characters" in response.get_data(as_text=True)
    response = trainer_client.post_form(f"{base}/reinstate", {"reason": "Why not"})
    assert response.status_code == 400 and "not withdrawn" in response.get_data(as_text=True)
    _revise(question, {"options": [{"text": "New", "correct": True}, {"text": "Other"}]})
    db.session.commit()
    before = _state(question.id, attempt.id)
    response = trainer_client.post_form(f"{base}/regrade", {"reason": "New options"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "attempts keep the version they saw" in page
    assert "New options</textarea>" in page  # what was typed is kept
    assert _state(question.id, attempt.id) == before


def test_the_results_page_says_a_question_was_withdrawn(
    app, make_quiz, trainee, trainee_client, trainer
):
    quiz = make_quiz(questions=2, shuffle_questions=False, review_policy="answers")
    learning.enrol(trainee, quiz.course)
    attempt = _sit(quiz, trainee, [False, True])
    url = f"/quizzes/attempts/{attempt.id}/result"
    page = trainee_client.get(url).get_data(as_text=True)
    assert "Not correct" in page and "withdrawn" not in page
    regrade.withdraw(_question(quiz, 1), "Wrong key", trainer)
    page = trainee_client.get(url).get_data(as_text=True)
    assert "Withdrawn — not counted" in page and "Not correct" not in page
    assert "1 question of this attempt was withdrawn" in page
    assert "Passed" in page and "100%" in page


def test_withdrawing_and_reinstating_are_in_the_audit_log_with_the_change(
    app, quiz, make_user, trainer
):
    from lms.models import AuditEvent

    _sit(quiz, make_user(), [False, True, True, True])
    first = _question(quiz, 1)
    regrade.withdraw(first, "Art. 28 was misquoted in the key.", trainer)
    regrade.reinstate(first, "The key was right after all.", trainer)
    with pytest.raises(ServiceError):
        regrade.reinstate(first, "Once more", trainer)  # refused: nothing recorded
    db.session.rollback()
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(r.action, r.actor_id, r.subject_id) for r in rows] == [
        ("quiz.question_withdrawn", trainer.id, first.id),
        ("quiz.question_reinstated", trainer.id, first.id),
    ]
    assert rows[0].details["attempts_affected"] == 1
    assert rows[0].details["reason"] == "Art. 28 was misquoted in the key."
