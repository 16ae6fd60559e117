"""One path through a course (issue 20): the course, module and dashboard pages show the next
step: the next module, then the course's quiz (its intro stating questions, thresholds and
attempts left), then a seminar of the course; in a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from courses import learning
from lms.extensions import db
from quizzes import attempts
from seminars import registration


@pytest.fixture
def course_with_quiz(make_course, make_quiz, trainee):
    course = make_course("Ethics in practice", modules=2)
    quiz = make_quiz(
        course=course, questions=3, criterion="C3-ETH", attempts_allowed=2, pass_mark=70
    )
    learning.enrol(trainee, course)
    return course, quiz


def _read_all(client, course) -> str:
    """Mark every module read as a trainee would; the last answer's page, after redirects."""
    response = None
    for module in course.modules:
        response = client.post_form(
            f"/courses/{course.slug}/{module.slug}/complete", follow_redirects=True
        )
    return response.get_data(as_text=True)


def test_a_new_trainee_starts_with_the_first_module(trainee_client, course_with_quiz):
    course, _quiz = course_with_quiz
    first = course.modules[0]
    page = trainee_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Your next step" in page
    assert f"Start with the first module: {first.title}" in page
    assert f'href="/courses/{course.slug}/{first.slug}"' in page
    dashboard = trainee_client.get("/dashboard").get_data(as_text=True)
    assert f"Start with the first module: {first.title}" in dashboard
    # Halfway: the next unread module, with the count.
    trainee_client.post_form(f"/courses/{course.slug}/{first.slug}/complete")
    page = trainee_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert f"Next module: {course.modules[1].title}" in page and "1 of 2 modules read" in page


def test_after_the_last_module_the_quiz_is_next_with_its_thresholds(
    trainee_client, course_with_quiz
):
    course, quiz = course_with_quiz
    page = _read_all(trainee_client, course)
    # The end-of-course moment: the message names the quiz, the course page links to it.
    assert "You have read every module of this course. Next: Take the quiz: Final test" in page
    assert "Well done" not in page
    assert f'href="/quizzes/{quiz.id}"' in page
    assert "3 questions · pass mark 70% · 2 attempts left" in page
    # The module pages show it too, and so does the dashboard.
    module = trainee_client.get(f"/courses/{course.slug}/{course.modules[-1].slug}")
    assert f'href="/quizzes/{quiz.id}"' in module.get_data(as_text=True)
    dashboard = trainee_client.get("/dashboard").get_data(as_text=True)
    assert "Take the quiz: Final test" in dashboard and f'href="/quizzes/{quiz.id}"' in dashboard
    # The intro says how many questions, the pass mark, each criterion's threshold, attempts.
    intro = trainee_client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "3 questions." in intro
    assert "Pass mark: 70% overall" in intro
    assert re.search(r"Professional ethics: at least 90%", intro), intro
    assert "must be passed" in intro
    assert "Attempts: 0 of 2 used. 2 attempts left." in intro


def test_a_used_up_quiz_gives_way_to_the_courses_seminar(
    trainee_client, trainee, course_with_quiz, make_seminar
):
    course, quiz = course_with_quiz
    seminar = make_seminar("Ethics seminar", course=course)
    _read_all(trainee_client, course)
    for _attempt in range(2):  # two attempts handed in blank: not passed, none left
        attempts.submit(attempts.start(quiz, trainee, now=None))
    intro = trainee_client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "0 attempts left." in intro
    page = trainee_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Register for the seminar: Ethics seminar" in page
    assert f'href="/seminars/{seminar.id}"' in page and "8 academic hours" in page
    registration.register(seminar, trainee)
    page = trainee_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Your seminar: Ethics seminar" in page


def test_a_passed_quiz_is_not_the_next_step(trainee_client, trainee, course_with_quiz):
    course, quiz = course_with_quiz
    _read_all(trainee_client, course)
    attempt = attempts.start(quiz, trainee)
    for question in attempt.questions:
        key = question.presentation["key"]
        right = next(
            i
            for i, index in key.items()
            if question.version.definition["options"][index].get("correct")
        )
        attempts.save_answer(attempt, question.position, [right])
    assert attempts.submit(attempt).passed
    page = trainee_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Take the quiz" not in page and "Try the quiz again" not in page
    assert "You completed this course on" in page and "Your next step" not in page


@pytest.fixture
def count_statements(app):
    def count(callable_) -> int:
        seen = []

        def before(*args, **kwargs):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            callable_()
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return len(seen)

    return count


def test_the_dashboard_finds_every_next_step_in_a_fixed_number_of_queries(
    trainee, login, make_course, make_quiz, make_seminar, count_statements
):
    browser = login(trainee)

    def add(number: int) -> None:
        course = make_course(f"Course {number}", modules=2)
        make_quiz(course=course, questions=1, slug=f"quiz-{number}")
        make_seminar(f"Seminar {number}", course=course)
        learning.enrol(trainee, course)
        for module in course.modules:
            learning.complete_module(trainee, module)

    def measure() -> int:
        def get():
            page = browser.get("/dashboard").get_data(as_text=True)
            assert "Take the quiz" in page

        return count_statements(get)

    for number in range(2):
        add(number)
    small = measure()
    for number in range(2, 6):
        add(number)
    assert measure() == small
