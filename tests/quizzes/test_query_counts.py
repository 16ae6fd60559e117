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


@pytest.mark.parametrize("page", ["take", "result"])
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
        if page == "result":
            browser.post_form(url, {"action": "submit"})
            url += "/result"
        counts.append(_count(browser, url))
    assert counts[0] == counts[1], f"{page}: {counts[0]} queries for 3, {counts[1]} for 30"
