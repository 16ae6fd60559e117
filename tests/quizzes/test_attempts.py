"""Attempts: frozen questions, one open attempt, exactly-once submit, deadline, tampering."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from lms.database import utcnow
from lms.extensions import db
from lms.service_error import ServiceError
from quizzes import attempts, bank, selection
from quizzes.models import Attempt, AttemptStatus, Quiz
from quizzes.question_types import AnswerError


def _right(question):
    key = question.presentation["key"]
    return next(
        i
        for i, index in key.items()
        if question.version.definition["options"][index].get("correct")
    )


def _answer_all(attempt, right=True, now=None):
    for question in attempt.questions:
        value = (
            _right(question)
            if right
            else next(i for i in question.presentation["key"] if i != _right(question))
        )
        attempts.save_answer(attempt, question.position, [value], now=now)


def test_start_freezes_versions_and_option_order_and_resumes(app, make_quiz, trainee, trainer):
    quiz = make_quiz(questions=3)
    attempt = attempts.start(quiz, trainee)
    again = attempts.start(quiz, trainee)  # a lost connection, or another device
    assert again.id == attempt.id
    frozen = [(q.question_version_id, q.presentation_json) for q in attempt.questions]
    assert len(frozen) == 3
    # Editing a question after the start makes a new version; the attempt keeps its own.
    question = attempt.questions[0].version.question
    bank.revise_question(
        question,
        author=trainer,
        stem="Changed?",
        definition={"options": [{"text": "new", "correct": True}, {"text": "x"}]},
        points=1,
        difficulty=1,
        feedback="",
        source="",
        fact_tag="V",
        verified_on="",
        possibly_amended=False,
    )
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert [(q.question_version_id, q.presentation_json) for q in attempt.questions] == frozen
    _answer_all(attempt)
    attempts.submit(attempt)
    assert attempt.passed is True and attempt.percent == 100


def test_presentations_hide_the_answer_and_ids_are_per_attempt(app, make_quiz, make_user):
    quiz = make_quiz(questions=1)
    first = attempts.start(quiz, make_user())
    second = attempts.start(quiz, make_user())
    ids_a = {o["id"] for o in first.questions[0].presentation["options"]}
    ids_b = {o["id"] for o in second.questions[0].presentation["options"]}
    assert ids_a.isdisjoint(ids_b)
    assert all(set(o) == {"id", "text"} for o in first.questions[0].presentation["options"])
    with pytest.raises(AnswerError):  # an option of another attempt
        attempts.save_answer(first, 1, [next(iter(ids_b))])
    with pytest.raises(AnswerError):  # a question that is not in the attempt
        attempts.save_answer(first, 99, ["x"])


def test_the_database_allows_one_open_attempt_per_trainee_and_quiz(app, make_quiz, trainee):
    quiz = make_quiz()
    attempt = attempts.start(quiz, trainee)
    db.session.add(
        Attempt(
            quiz_id=quiz.id,
            user_id=trainee.id,
            number=2,
            seed=1,
            open_slot=trainee.id,
            status="in_progress",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    attempts.submit(attempt)
    assert attempt.open_slot is None  # the slot frees once submitted


def test_two_simultaneous_submits_grade_once(app, make_quiz, trainee, monkeypatch):
    quiz = make_quiz(questions=2)
    attempt = attempts.start(quiz, trainee)
    _answer_all(attempt)
    attempt_id = attempt.id
    graded = []
    original = attempts.store_result
    monkeypatch.setattr(attempts, "store_result", lambda a: graded.append(a.id) or original(a))
    barrier = threading.Barrier(2)
    errors = []

    def submit():
        with app.app_context():
            try:
                mine = db.session.get(Attempt, attempt_id)
                barrier.wait(timeout=10)
                attempts.submit(mine)
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert graded == [attempt_id]
    db.session.expire_all()
    fresh = db.session.get(Attempt, attempt_id)
    assert fresh.status == AttemptStatus.GRADED and fresh.passed is True
    attempts.submit(fresh)  # a replay later changes nothing
    assert graded == [attempt_id]


def test_the_deadline_is_enforced_on_the_server(app, make_quiz, trainee):
    quiz = make_quiz(questions=2, time_limit_minutes=10)
    start = utcnow()
    attempt = attempts.start(quiz, trainee, now=start)
    assert attempt.deadline_at == start + timedelta(minutes=10)
    first, second = attempt.questions
    attempts.save_answer(attempt, first.position, [_right(first)], now=start + timedelta(minutes=9))
    # Within the grace period (latency) an answer is still taken.
    attempts.save_answer(
        attempt, second.position, [_right(second)], now=start + timedelta(minutes=10, seconds=20)
    )
    with pytest.raises(ServiceError, match="Time is up"):
        attempts.save_answer(attempt, second.position, ["x"], now=start + timedelta(minutes=11))
    assert attempt.status == AttemptStatus.GRADED and attempt.percent == 100


def test_an_attempt_left_open_past_the_deadline_is_finished_with_what_was_saved(
    app, make_quiz, trainee
):
    quiz = make_quiz(questions=2, time_limit_minutes=5)
    start = utcnow()
    attempt = attempts.start(quiz, trainee, now=start)
    first = attempt.questions[0]
    attempts.save_answer(attempt, first.position, [_right(first)], now=start)
    later = start + timedelta(hours=1)
    assert attempts.finish_if_expired(attempt, now=later)
    assert attempt.status == AttemptStatus.GRADED and attempt.percent == 50
    assert attempt.submitted_at == later


def test_attempt_limit_and_waiting_time(app, make_quiz, trainee):
    quiz = make_quiz(questions=1, attempts_allowed=2, wait_minutes=60 * 24)
    now = utcnow()
    attempts.submit(attempts.start(quiz, trainee, now=now), now=now)
    with pytest.raises(ServiceError, match="try again in"):
        attempts.start(quiz, trainee, now=now + timedelta(hours=1))
    later = now + timedelta(days=1, minutes=1)
    attempts.submit(attempts.start(quiz, trainee, now=later), now=later)
    with pytest.raises(ServiceError, match="used all 2 attempts"):
        attempts.start(quiz, trainee, now=later + timedelta(days=2))


def test_closed_and_unpublished_quizzes_cannot_start(app, make_quiz, trainee):
    quiz = make_quiz(closes_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(ServiceError, match="closed"):
        attempts.start(quiz, trainee)
    quiz.closes_at, quiz.published = None, False
    db.session.commit()
    with pytest.raises(ServiceError, match="not open"):
        attempts.start(quiz, trainee)


def test_reasons_name_a_failed_must_pass_criterion(app, make_quiz, trainee):
    quiz = make_quiz(questions=2, criterion="C3-ETH")
    attempt = attempts.start(quiz, trainee)
    first = attempt.questions[0]
    attempts.save_answer(attempt, first.position, [_right(first)])
    attempts.submit(attempt)
    assert attempt.passed is False
    assert attempt.result["reasons"][0] == ("Professional ethics 50.0% < 90% required (must-pass)")


def test_a_draw_covers_every_criterion_and_an_impossible_rule_is_refused(
    app, criteria, make_course, make_question, add_draw_rule, trainee
):
    course = make_course("Bank")
    for _ in range(4):
        make_question(course, "C1-LAW", difficulty=1)
    for _ in range(3):
        make_question(course, "C3-ETH", difficulty=2)
    quiz = Quiz(course_id=course.id, slug="exam", title="Exam", published=True)
    db.session.add(quiz)
    db.session.commit()
    add_draw_rule(quiz, criteria["C1-LAW"], 2)
    add_draw_rule(quiz, criteria["C3-ETH"], 2, difficulty=2)
    assert selection.draw_problems(quiz) == []
    attempt = attempts.start(quiz, trainee)
    codes = sorted(q.version.question.criterion.code for q in attempt.questions)
    assert codes == ["C1-LAW", "C1-LAW", "C3-ETH", "C3-ETH"]
    attempts.submit(attempt)
    add_draw_rule(quiz, criteria["C7-CULT"], 1)
    assert selection.draw_problems(quiz) == ["C7-CULT: 1 questions wanted, the bank has 0."]
    with pytest.raises(ServiceError, match="the bank has 0"):
        attempts.start(quiz, trainee)
