"""Taking a quiz one question per page (issue 20), through HTTP: Previous/Next and the
navigator save the page's answer, flags, the summary before hand-in, hand-in once, and the
review of each answer as the quiz's review policy allows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from courses import learning
from lms.database import utcnow
from lms.extensions import db
from quizzes.models import Attempt


def _right(question) -> str:
    key = question.presentation["key"]
    options = question.version.definition["options"]
    return next(i for i, index in key.items() if options[index].get("correct"))


def _wrong(question) -> str:
    key = question.presentation["key"]
    options = question.version.definition["options"]
    return next(i for i, index in key.items() if not options[index].get("correct"))


def _start(client, quiz) -> Attempt:
    client.post_form(f"/quizzes/{quiz.id}/start")
    return db.session.scalar(select(Attempt).where(Attempt.quiz_id == quiz.id))


@pytest.fixture
def quiz(make_quiz, trainee):
    quiz = make_quiz(questions=3, criterion="C3-ETH", review_policy="answers")
    learning.enrol(trainee, quiz.course)
    return quiz


def test_one_question_per_page_with_a_navigator_and_the_answered_count(trainee_client, quiz):
    attempt = _start(trainee_client, quiz)
    page = trainee_client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    first, second = attempt.questions[0], attempt.questions[1]
    assert "Question 1 of 3" in page and "Question 2 of 3" not in page
    assert first.version.stem_source in page and second.version.stem_source not in page
    assert "Answered: 0 of 3" in page
    assert page.count('name="go"') == 1 + 3  # Next, and the navigator's three questions
    assert 'name="page" value="1"' in page
    # Next saves this page's answer and opens question 2; question 1 keeps it.
    response = trainee_client.post_form(
        f"/quizzes/attempts/{attempt.id}", {"page": "1", "q1": _right(first), "go": "2"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("?page=2")
    page = trainee_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Question 2 of 3" in page and "Answered: 1 of 3" in page
    assert "Previous" in page
    # Saving page 2 (no answer there) leaves question 1's answer alone.
    trainee_client.post_form(f"/quizzes/attempts/{attempt.id}", {"page": "2", "go": "1"})
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.questions[0].answer == _right(first)
    assert attempt.questions[1].answer is None
    # Every question on one page is still there for whoever prefers it.
    page = trainee_client.get(f"/quizzes/attempts/{attempt.id}?page=all").get_data(as_text=True)
    assert all(f"Question {n} of 3" in page for n in (1, 2, 3))
    # A page out of range or not a number is the nearest question, never an error.
    assert "Question 3 of 3" in trainee_client.get(
        f"/quizzes/attempts/{attempt.id}?page=99"
    ).get_data(as_text=True)
    assert "Question 1 of 3" in trainee_client.get(
        f"/quizzes/attempts/{attempt.id}?page=x"
    ).get_data(as_text=True)


def test_autosave_of_one_page_keeps_the_other_answers(trainee_client, quiz):
    attempt = _start(trainee_client, quiz)
    first, second = attempt.questions[0], attempt.questions[1]
    trainee_client.post_form(
        f"/quizzes/attempts/{attempt.id}/autosave", {"page": "1", "q1": _right(first)}
    )
    reply = trainee_client.post_form(
        f"/quizzes/attempts/{attempt.id}/autosave", {"page": "2", "q2": _wrong(second)}
    )
    assert reply.get_json() == {"saved": True}
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.questions[0].answer == _right(first)
    assert attempt.questions[1].answer == _wrong(second)


def test_a_bad_answer_on_a_page_comes_back_on_that_page(trainee_client, quiz):
    attempt = _start(trainee_client, quiz)
    response = trainee_client.post_form(
        f"/quizzes/attempts/{attempt.id}", {"page": "2", "q2": "forged", "go": "3"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Question 2 of 3" in page and "Choose one of the options shown." in page


def test_flags_show_in_the_navigator_and_the_summary(trainee_client, quiz):
    attempt = _start(trainee_client, quiz)
    first = attempt.questions[0]
    response = trainee_client.post_form(
        f"/quizzes/attempts/{attempt.id}", {"page": "2", "action": "flag"}
    )
    assert response.headers["Location"].endswith("?page=2")
    page = trainee_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Remove the flag" in page and "2 ⚑" in page
    trainee_client.post_form(
        f"/quizzes/attempts/{attempt.id}",
        {"page": "1", "q1": _right(first), "action": "summary"},
    )
    summary = trainee_client.get(f"/quizzes/attempts/{attempt.id}/summary").get_data(as_text=True)
    assert "Answered: 1 of 3" in summary
    assert "2 questions are not answered" in summary and "1 question is flagged" in summary
    assert f"/quizzes/attempts/{attempt.id}?page=2" in summary
    assert f"/quizzes/attempts/{attempt.id}?page=3" in summary
    # Flag again: off.
    trainee_client.post_form(f"/quizzes/attempts/{attempt.id}", {"page": "2", "action": "flag"})
    summary = trainee_client.get(f"/quizzes/attempts/{attempt.id}/summary").get_data(as_text=True)
    assert "flagged" not in summary


def test_review_and_hand_in_goes_through_the_summary_and_hands_in_once(trainee_client, quiz):
    attempt = _start(trainee_client, quiz)
    first = attempt.questions[0]
    response = trainee_client.post_form(
        f"/quizzes/attempts/{attempt.id}",
        {"page": "1", "q1": _right(first), "action": "summary"},
    )
    assert response.headers["Location"].endswith(f"/quizzes/attempts/{attempt.id}/summary")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "in_progress"  # not handed in yet
    hand_in = {"page": "summary", "action": "submit"}
    response = trainee_client.post_form(f"/quizzes/attempts/{attempt.id}", hand_in)
    assert response.headers["Location"].endswith("/result")
    db.session.expire_all()
    done = db.session.get(Attempt, attempt.id)
    # The summary's form saved nothing: the answer of question 1 was kept and graded.
    assert done.questions[0].answer == _right(first) and done.status == "graded"
    submitted_at = done.submitted_at
    again = trainee_client.post_form(f"/quizzes/attempts/{attempt.id}", hand_in)
    assert again.headers["Location"].endswith("/result")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).submitted_at == submitted_at
    # After hand-in the summary is the result.
    assert trainee_client.get(f"/quizzes/attempts/{attempt.id}/summary").status_code == 302


def _taken(make_quiz, trainee, login, policy, **settings):
    quiz = make_quiz(questions=2, criterion="C3-ETH", review_policy=policy, **settings)
    learning.enrol(trainee, quiz.course)
    client = login(trainee)
    attempt = _start(client, quiz)
    first, second = attempt.questions
    client.post_form(
        f"/quizzes/attempts/{attempt.id}",
        {"q1": _right(first), "q2": _wrong(second), "action": "submit"},
    )
    wrong_text = second.version.definition["options"][second.presentation["key"][_wrong(second)]]
    return client, quiz, attempt, wrong_text["text"]


def _result(client, attempt) -> str:
    return client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)


def test_review_policy_answers_shows_the_answer_given_and_the_right_one(make_quiz, trainee, login):
    client, quiz, attempt, wrong_text = _taken(make_quiz, trainee, login, "answers")
    page = _result(client, attempt)
    assert "Your answer" in page and "Right answer" in page
    assert wrong_text in page  # what was given for question 2
    assert page.count("Law No. 401-IV") >= 3  # given for 1, right for 1 and 2
    assert "✗" in page and "✓" in page
    # The course that teaches the missed criterion is linked.
    assert f"/courses/{quiz.course.slug}#modules" in page


@pytest.mark.parametrize("policy", ["score", "criteria"])
def test_policies_without_answers_show_neither_answer(make_quiz, trainee, login, policy):
    client, _quiz, attempt, wrong_text = _taken(make_quiz, trainee, login, policy)
    page = _result(client, attempt)
    assert "Right answer" not in page and "Your answer" not in page
    assert wrong_text not in page and "Law No. 401-IV" not in page
    assert ("By criterion" in page) is (policy == "criteria")


def test_after_close_shows_nothing_until_the_quiz_closes_then_everything(make_quiz, trainee, login):
    closes = utcnow() + timedelta(days=1)
    client, quiz, attempt, wrong_text = _taken(
        make_quiz, trainee, login, "after_close", closes_at=closes
    )
    page = _result(client, attempt)
    assert "Results are shown after the quiz closes." in page
    assert "Right answer" not in page and wrong_text not in page
    quiz.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = _result(client, attempt)
    assert "Right answer" in page and wrong_text in page and "Law No. 401-IV" in page
