"""The attempt and result pages run the same number of SQL statements for 3 or 30 questions."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from courses import learning
from lms.extensions import db
from quizzes.models import Attempt


def _count(client, url) -> int:
    statements = []

    def before(*args, **kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


@pytest.mark.parametrize("page", ["take", "take all", "result"])
def test_quiz_pages_run_a_constant_number_of_queries(
    make_quiz, make_user, login, page, make_course
):
    counts = []
    for size in (3, 30):
        quiz = make_quiz(
            questions=size,
            slug=f"q{size}",
            review_policy="answers",
            course=make_course(f"Course {size}"),
        )
        person = make_user()
        learning.enrol(person, quiz.course)
        browser = login(person)
        browser.post_form(f"/quizzes/{quiz.id}/start")
        attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == person.id))
        url = f"/quizzes/attempts/{attempt.id}"
        if page == "take all":  # every question on one page: their versions in one query
            url += "?page=all"
        if page == "result":
            browser.post_form(url, {"action": "submit"})
            url += "/result"
        counts.append(_count(browser, url))
    assert counts[0] == counts[1], f"{page}: {counts[0]} queries for 3, {counts[1]} for 30"


def _statements_of(client, url, form) -> tuple[object, list[str]]:
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = client.post_form(url, form)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return response, statements


def _first_option(question) -> str:
    return question.presentation["options"][0]["id"]


def test_autosave_reads_the_attempt_in_one_statement_however_many_questions(
    make_quiz, make_user, login, make_course
):
    """The autosave (after every change a trainee makes) reads the attempt and its questions
    with their types (not their texts, criteria or quiz): the same statements for 3 or 30
    questions, one UPDATE for the answers that changed, and every answer is stored."""
    seen = []
    for size in (3, 30):
        quiz = make_quiz(questions=size, slug=f"q{size}", course=make_course(f"Course {size}"))
        person = make_user()
        learning.enrol(person, quiz.course)
        browser = login(person)
        browser.post_form(f"/quizzes/{quiz.id}/start")
        attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == person.id))
        form = {f"q{q.position}": _first_option(q) for q in attempt.questions}
        url = f"/quizzes/attempts/{attempt.id}/autosave"
        response, first = _statements_of(browser, url, form)
        assert response.get_json() == {"saved": True}
        db.session.expire_all()
        assert all(q.answer_json is not None for q in db.session.get(Attempt, attempt.id).questions)
        response, again = _statements_of(browser, url, form)  # nothing changed: nothing written
        assert response.get_json() == {"saved": True}
        seen.append((first, again))
    (small_first, small_again), (large_first, large_again) = seen
    assert small_first == large_first and small_again == large_again
    # The signed-in user, then the attempt with its questions and their types as rows (one
    # statement, no ORM objects); then one UPDATE of the changed answers (an executemany),
    # none when nothing changed.
    assert small_first == ["SELECT", "SELECT", "UPDATE"]
    assert small_again == ["SELECT", "SELECT"]


def test_autosave_after_the_time_limit_hands_in_what_was_saved(
    make_quiz, make_user, login, make_course
):
    """The lean autosave load still enforces the time limit: past the deadline (and the grace)
    nothing is taken and the attempt is handed in and graded with the answers saved in time."""
    from datetime import timedelta

    from quizzes.models import AttemptStatus

    quiz = make_quiz(questions=3, time_limit_minutes=5)
    person = make_user()
    learning.enrol(person, quiz.course)
    browser = login(person)
    browser.post_form(f"/quizzes/{quiz.id}/start")
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == person.id))
    url = f"/quizzes/attempts/{attempt.id}/autosave"
    first = attempt.questions[0]
    assert browser.post_form(url, {"q1": _first_option(first)}).get_json() == {"saved": True}
    attempt.deadline_at -= timedelta(hours=1)
    db.session.commit()
    late = browser.post_form(url, {f"q{q.position}": _first_option(q) for q in attempt.questions})
    assert late.status_code == 409
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.status == AttemptStatus.GRADED
    assert [q.answer_json is not None for q in attempt.questions] == [True, False, False]
