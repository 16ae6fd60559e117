"""A marked written answer: the trainee's message; attempts whose time ran out, closed by the
schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from courses import learning
from lms.database import utcnow
from lms.extensions import db
from quizzes import attempts
from quizzes.models import Attempt, AttemptStatus


def _right(question):
    key = question.presentation["key"]
    return next(
        i
        for i, index in key.items()
        if question.version.definition["options"][index].get("correct")
    )


# --- attempts whose time ran out ------------------------------------------------------------


@pytest.fixture
def timed_quiz(make_quiz, trainee):
    quiz = make_quiz(questions=2, time_limit_minutes=10)
    learning.enrol(trainee, quiz.course)
    return quiz


def test_the_schedule_finishes_expired_attempts_only_and_once(app, timed_quiz, trainee, make_user):
    late = make_user("trainee")
    learning.enrol(late, timed_quiz.course)
    start = utcnow()
    expired = attempts.start(timed_quiz, trainee, now=start)
    first = expired.questions[0]
    attempts.save_answer(expired, first.position, [_right(first)], now=start)
    running = attempts.start(timed_quiz, late, now=start + timedelta(minutes=8))
    grace = timedelta(seconds=app.config.get("QUIZ_GRACE_SECONDS", 30))
    now = start + timedelta(minutes=10) + grace + timedelta(seconds=1)

    assert attempts.finish_expired(now=now) == 1
    db.session.expire_all()
    closed = db.session.get(Attempt, expired.id)
    assert closed.status == AttemptStatus.GRADED and closed.open_slot is None
    assert closed.submitted_at == now and closed.earned == 1  # what was saved in time
    assert db.session.get(Attempt, running.id).status == AttemptStatus.IN_PROGRESS

    assert attempts.finish_expired(now=now) == 0  # a second run changes nothing
    db.session.expire_all()
    again = db.session.get(Attempt, expired.id)
    assert again.submitted_at == now and again.earned == 1
    assert db.session.get(Attempt, running.id).status == AttemptStatus.IN_PROGRESS


def test_an_attempt_within_its_grace_is_left_open(app, timed_quiz, trainee):
    start = utcnow()
    attempt = attempts.start(timed_quiz, trainee, now=start)
    assert attempts.finish_expired(now=start + timedelta(minutes=10, seconds=5)) == 0
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == AttemptStatus.IN_PROGRESS


def test_an_attempt_handed_in_meanwhile_is_not_graded_again(app, timed_quiz, trainee):
    """The trainee's hand-in and the schedule race: whoever moves it out of 'in progress'
    grades it; the other changes nothing."""
    start = utcnow()
    attempt = attempts.start(timed_quiz, trainee, now=start)
    attempts.submit(attempt, now=start + timedelta(minutes=9))
    assert attempts.finish_expired(now=start + timedelta(hours=1)) == 0
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).submitted_at == start + timedelta(minutes=9)
