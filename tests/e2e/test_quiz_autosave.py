"""The attempt page's autosave, in the browser (issue 14: a failed autosave said nothing and
the answers were lost). A failure is shown in the status line and retried until it works; an
answer that does not fit is named, with its message beside the question, while the rest is
saved; fixing it clears the message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from courses import learning
from lms.extensions import db
from quizzes import attempts, bank
from quizzes.models import Attempt, Quiz, QuizQuestion
from tests.e2e.test_courses import _log_in

pytestmark = pytest.mark.e2e

ITEMS = ["Opening statement", "Joint negotiation", "Signed agreement"]


@pytest.fixture
def attempt(make_course, trainee):
    criterion = bank.ensure_criterion(
        "C2-PROC", "Conduct of the procedure", must_pass=False, floor=60, thresholds={"quiz": 70}
    )
    course = make_course("Procedure")
    quiz = Quiz(course_id=course.id, slug="check", title="Check", published=True)
    quiz.shuffle_questions = False
    db.session.add(quiz)
    db.session.flush()
    for position, (type_name, definition) in enumerate(
        (("short_text", {"accepted": ["mediator"]}), ("ordering", {"items": ITEMS})), start=1
    ):
        question = bank.create_question(
            course,
            key=f"k{position}",
            criterion=criterion,
            type=type_name,
            stem=f"Question about {type_name}?",
            definition=definition,
            points=1,
            difficulty=1,
            feedback="",
            source="Law Art. 4",
            fact_tag="V",
            verified_on="2026-11-25",
            possibly_amended=False,
        )
        quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=position))
    db.session.commit()
    learning.enrol(trainee, course)
    return attempts.start(quiz, trainee)


def _saved(attempt_id: int) -> list:
    db.session.expire_all()
    return [q.answer for q in db.session.get(Attempt, attempt_id).questions]


def test_a_failed_autosave_is_shown_and_retried_until_saved(live_server, page, trainee, attempt):
    failures = ["network", "server"]

    def flaky(route):
        failure = failures.pop(0) if failures else None
        if failure == "network":
            route.abort()
        elif failure == "server":
            route.fulfill(status=503, content_type="text/html", body="<h1>Unavailable</h1>")
        else:
            route.continue_()

    page.route(re.compile(r"/autosave$"), flaky)
    _log_in(page, live_server.url, trainee.email)
    page.goto(f"{live_server.url}/quizzes/attempts/{attempt.id}?page=all")
    page.locator("form.quiz-form").evaluate("form => form.setAttribute('data-retry-ms', '300')")
    status = page.locator(".autosave-status")
    # Every text the status line shows, in order (the retries are quick, so keep a record).
    status.evaluate(
        """status => {
            window.statusTexts = [];
            new MutationObserver(() => window.statusTexts.push(status.textContent))
                .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )

    page.get_by_label("Your answer").fill("a mediator")
    page.get_by_label("Your answer").press("Tab")

    expect(status).to_have_text("Saved.", timeout=15_000)
    expect(status).to_have_attribute("data-state", "ok")
    shown = page.evaluate("window.statusTexts")
    assert [text.split(".")[0] for text in shown] == [
        "Not saved: the connection failed",
        "Not saved: the server could not save your answers",
        "Saved",
    ]
    assert "Trying again in" in shown[0] and "keep this page open" in shown[1]
    assert failures == []
    assert _saved(attempt.id)[0] == "a mediator"


def test_an_answer_that_does_not_fit_is_named_and_the_rest_saved(
    live_server, page, trainee, attempt
):
    _log_in(page, live_server.url, trainee.email)
    page.goto(f"{live_server.url}/quizzes/attempts/{attempt.id}?page=all")
    status = page.locator(".autosave-status")
    beside = page.locator("#q2-error")
    expect(beside).to_be_hidden()

    page.get_by_label("Your answer").fill("a mediator")
    page.get_by_label(f"Place of: {ITEMS[0]}").select_option("2")
    page.get_by_label(f"Place of: {ITEMS[1]}").select_option("2")
    page.get_by_label(f"Place of: {ITEMS[2]}").select_option("1")

    message = "Two items have the same position (2). Give each item its own position."
    expect(status).to_contain_text("Saved, except question 2: " + message)
    expect(beside).to_be_visible()
    expect(beside).to_have_text(message)
    expect(page.get_by_label(f"Place of: {ITEMS[0]}")).to_have_attribute("aria-invalid", "true")
    assert _saved(attempt.id) == ["a mediator", None]

    page.get_by_label(f"Place of: {ITEMS[1]}").select_option("3")
    expect(status).to_have_text("Saved.")
    expect(beside).to_be_hidden()
    order = _saved(attempt.id)[1]
    items = {item["id"]: item["text"] for item in attempt.questions[1].presentation["items"]}
    assert [items[item_id] for item_id in order] == [ITEMS[2], ITEMS[0], ITEMS[1]]
