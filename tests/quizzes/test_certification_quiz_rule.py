"""The quiz rule for quizzes whose results count towards a qualification (issue 14, point 14;
shared/domain/qualification-criteria.md): drawn at random from a bank at least twice the
draw per criterion, with at least LMS_CERTIFICATION_QUIZ_WAIT_HOURS between attempts. A quiz
counts when it measures a criterion an active qualification judges (eligibility takes the best
result per criterion from every quiz). Through the builder's pages, in the reader's language."""

from __future__ import annotations

import json

import pytest

from certificates.models import Qualification
from lms.extensions import db
from quizzes import publishing, quiz_authoring
from quizzes.models import Quiz, QuizQuestion
from tests.quizzes.test_quiz_builder import _settings

DAY = 24 * 60


@pytest.fixture
def course(make_course, criteria):
    return make_course("Builder course")


@pytest.fixture
def judged(criteria):
    """An active qualification judging C1-LAW (not C7-CULT)."""
    qualification = Qualification(
        slug="cpm-test",
        kind="qualification",
        titles_json=json.dumps({"en": "Professional mediator"}),
        disclaimers_json=json.dumps({"en": ""}),
        criteria=[criteria["C1-LAW"]],
    )
    db.session.add(qualification)
    db.session.commit()
    return qualification


def _publish(client, quiz):
    return client.post_form(f"/manage/quizzes/{quiz.id}/publish", {"published": "1"})


def _published(quiz) -> bool:
    db.session.expire_all()
    return db.session.get(Quiz, quiz.id).published


def _drawn(course, criteria, make_question, *, bank: int, draw: int, wait: int, code="C1-LAW"):
    for _ in range(bank):
        make_question(course, code)
    quiz = quiz_authoring.create_quiz(
        course, title=f"Drawn {bank}/{draw}/{wait}", selection="draw", wait_minutes=wait
    )
    quiz_authoring.add_rule(quiz, criteria[code], draw)
    return quiz


def test_a_fixed_list_that_counts_is_refused_in_russian(
    trainer_client, course, make_question, judged
):
    trainer_client.post_form("/language", {"language": "ru", "next": "/"})
    quiz = quiz_authoring.create_quiz(course, title="Fixed", wait_minutes=DAY)
    question = make_question(course, "C1-LAW")
    quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=1))
    db.session.commit()
    response = _publish(trainer_client, quiz)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "учитываются для квалификации (C1-LAW)" in page
    assert "count towards" not in page
    assert not _published(quiz)


def test_a_draw_from_a_bank_under_twice_its_size_is_refused(
    trainer_client, course, make_question, criteria, judged
):
    quiz = _drawn(course, criteria, make_question, bank=5, draw=3, wait=DAY)
    response = _publish(trainer_client, quiz)
    assert response.status_code == 400
    assert (
        "C1-LAW counts towards a qualification: the bank needs at least twice the 3 questions "
        "drawn (6), it has 5." in response.get_data(as_text=True)
    )
    assert not _published(quiz)


def test_a_wait_under_the_setting_is_refused(
    trainer_client, course, make_question, criteria, judged
):
    quiz = _drawn(course, criteria, make_question, bank=4, draw=2, wait=10)
    response = _publish(trainer_client, quiz)
    assert response.status_code == 400
    assert "at least 24 hours (1440 minutes) apart" in response.get_data(as_text=True)
    assert not _published(quiz)


def test_a_draw_of_half_the_bank_a_day_apart_is_published(
    trainer_client, course, make_question, criteria, judged
):
    quiz = _drawn(course, criteria, make_question, bank=4, draw=2, wait=DAY)
    assert _publish(trainer_client, quiz).status_code == 302
    assert _published(quiz)
    # Once published, a change that breaks the rule is refused and undone.
    response = trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/edit",
        _settings(title=quiz.title, selection="draw", wait_minutes="10", opens_at="", closes_at=""),
    )
    assert response.status_code == 400
    assert "at least 24 hours (1440 minutes) apart" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Quiz, quiz.id).wait_minutes == DAY


def test_a_quiz_of_criteria_no_qualification_judges_is_free(
    trainer_client, course, make_question, criteria, judged
):
    quiz = _drawn(course, criteria, make_question, bank=1, draw=1, wait=0, code="C7-CULT")
    assert _publish(trainer_client, quiz).status_code == 302
    assert _published(quiz)


def test_the_wait_is_a_setting(app, course, make_question, criteria, judged):
    quiz = _drawn(course, criteria, make_question, bank=2, draw=1, wait=60)
    app.config["CERTIFICATION_QUIZ_WAIT_HOURS"] = 1
    assert publishing.certification_problems(quiz) == []
    app.config["CERTIFICATION_QUIZ_WAIT_HOURS"] = 2
    assert publishing.certification_problems(quiz)
