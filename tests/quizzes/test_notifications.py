"""A marked written answer: the trainee's message; attempts whose time ran out, closed by the
schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from courses import learning
from lms.database import utcnow
from lms.extensions import db
from lms.models import OutboxMessage
from quizzes import attempts, bank
from quizzes.models import Attempt, AttemptStatus, QuizQuestion


def _right(question):
    key = question.presentation["key"]
    return next(
        i
        for i, index in key.items()
        if question.version.definition["options"][index].get("correct")
    )


def _messages(kind="work_marked"):
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def _path(app, url: str) -> str:
    """The page a link in a message points to, as the test client asks for it."""
    assert url.startswith(app.config["PUBLIC_URL"] + "/"), url
    return url.removeprefix(app.config["PUBLIC_URL"])


def _link(app, message, start: str) -> str:
    """The absolute link in the message's text that leads to a path starting with ``start``."""
    base = app.config["PUBLIC_URL"]
    for word in message.text.split():
        if word.startswith(base + start):
            return _path(app, word)
    raise AssertionError(f"no link to {start} in {message.text}")


# --- a marked written answer ----------------------------------------------------------------


@pytest.fixture
def pupil(make_user):
    return make_user(full_name="Айгерім Серікқызы", display_name="Айгерім", language="kk")


@pytest.fixture
def essay_quiz(make_quiz, criteria, pupil):
    quiz = make_quiz(questions=1, criterion="C6-DRAFT")
    essay = bank.create_question(
        quiz.course,
        key="essay",
        criterion=criteria["C6-DRAFT"],
        type="free_text",
        stem="Turn “Bolat will pay back soon” into an enforceable clause.",
        definition={
            "rubric": [
                {"criterion": "Amount and instalments", "points": 2},
                {"criterion": "Consequences of late payment", "points": 2},
            ],
            "model_answer": "Bolat pays 900,000 tenge in six instalments ...",
        },
        points=4,
        difficulty=2,
        feedback="",
        source="Law Art. 27(2)",
        fact_tag="V",
        verified_on="",
        possibly_amended=False,
    )
    quiz.fixed_questions.append(QuizQuestion(question_id=essay.id, position=2))
    quiz.shuffle_questions = False
    db.session.commit()
    learning.enrol(pupil, quiz.course)
    return quiz


def _hand_in(quiz, trainee):
    attempt = attempts.start(quiz, trainee)
    choice, essay = attempt.questions
    attempts.save_answer(attempt, choice.position, [_right(choice)])
    attempts.save_answer(attempt, essay.position, ["Bolat pays 900,000 tenge in six instalments."])
    return attempts.submit(attempt), essay


def test_marking_sends_the_trainee_the_result_in_their_language(
    app, essay_quiz, pupil, trainer_client, login
):
    attempt, essay = _hand_in(essay_quiz, pupil)
    assert _messages() == []  # handing in with a written answer waiting sends nothing
    refused = trainer_client.post_form(
        f"/manage/quizzes/marking/{essay.id}", {"line-0": "3", "line-1": "0"}
    )
    assert refused.status_code == 400 and _messages() == []  # a refused mark sends nothing
    marked = trainer_client.post_form(
        f"/manage/quizzes/marking/{essay.id}", {"line-0": "2", "line-1": "1"}
    )
    assert marked.status_code == 302
    [message] = _messages()
    assert message.to_address == pupil.email and message.language == "kk"
    assert message.subject == "«Final test» тестіндегі жазбаша жауаптарыңыз бағаланды"
    assert "Сәлеметсіз бе, Айгерім." in message.text
    assert "Нәтиже: тесттен өттіңіз, 80% (өту шегі 70%)." in message.text  # 4 of 5 points
    assert "Нәтиже: тесттен өттіңіз, 80%" in message.html
    link = _link(app, message, "/quizzes/attempts/")
    assert link == f"/quizzes/attempts/{attempt.id}/result"
    assert f'href="{app.config["PUBLIC_URL"]}{link}"' in message.html
    page = login(pupil).get(link)
    assert page.status_code == 200 and "80%" in page.get_data(as_text=True)
    again = trainer_client.post_form(
        f"/manage/quizzes/marking/{essay.id}", {"line-0": "2", "line-1": "2"}
    )
    assert again.status_code == 400 and len(_messages()) == 1  # already scored: nothing more


def test_a_result_shown_only_after_the_quiz_closes_is_not_in_the_message(
    app, essay_quiz, pupil, trainer
):
    from quizzes import marking

    essay_quiz.review_policy = "after_close"
    db.session.commit()
    pupil.language = "ru"
    db.session.commit()
    attempt, essay = _hand_in(essay_quiz, pupil)
    marking.score(essay, [0, 0], trainer)
    [message] = _messages()
    assert message.language == "ru"
    assert "Результаты будут показаны после закрытия теста." in message.text
    assert "%" not in message.text and "Результат:" not in message.text
    assert f"/quizzes/attempts/{attempt.id}/result" in message.text


def test_an_attempt_graded_without_written_answers_sends_nothing(app, make_quiz, pupil):
    quiz = make_quiz(questions=2)
    learning.enrol(pupil, quiz.course)
    attempt = attempts.start(quiz, pupil)
    attempts.submit(attempt)
    assert attempt.status == AttemptStatus.GRADED and _messages() == []


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


def test_the_registered_schedule_hands_in_what_ran_out(app, timed_quiz, trainee):
    from lms import jobs

    attempt = attempts.start(timed_quiz, trainee, now=utcnow() - timedelta(hours=1))
    jobs.run_schedule("close_expired_attempts")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == AttemptStatus.GRADED


def test_a_trainee_who_opted_out_gets_nothing(app, essay_quiz, pupil, trainer):
    from lms.models import MailOptOut
    from quizzes import marking

    db.session.add(MailOptOut(user_id=pupil.id, kind="work_marked"))
    db.session.commit()
    attempt, essay = _hand_in(essay_quiz, pupil)
    marking.score(essay, [2, 2], trainer)
    assert db.session.get(Attempt, attempt.id).status == AttemptStatus.GRADED
    assert _messages() == []


def test_the_kind_is_offered_on_the_preferences_page(pupil, login):
    page = login(pupil).get("/account/notifications").get_data(as_text=True)
    assert "Тесттер және бағалау" in page  # the group, in the pupil's Kazakh
    assert "Менің жазбаша жауаптарым немесе практикалық тапсырмаларым бағаланды" in page
