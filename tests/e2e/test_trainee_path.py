"""Issue 20's one path, in a browser at 1280 and 375 pixels: the course page's next step
leads through the modules to the quiz; a missed criterion's review links the module that
teaches it; then "My certificates" offers the seminar that would give the missing hours.
The trainer's preparation runs through the services (tests.e2e.test_journey_trainee)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from courses import module_criteria
from lms.database import utcnow
from lms.extensions import db
from seminars import authoring as seminar_authoring
from tests.e2e.test_courses import _log_in
from tests.e2e.test_journey_trainee import QUESTIONS, WRONG_ON_FIRST_TRY, _build_everything

pytestmark = pytest.mark.e2e


def _answer_all(page, wrong: set[str]) -> None:
    for number in range(1, len(QUESTIONS) + 1):
        for _code, _stem, right, wrongs in QUESTIONS:
            option = page.get_by_label(next((w for w in wrongs if w in wrong), right), exact=True)
            if option.count():
                option.check()
        if number < len(QUESTIONS):
            page.get_by_role("button", name="Next").click()
            page.wait_for_url(re.compile(rf"page={number + 1}$"))
    page.get_by_role("button", name="Review and hand in").click()
    page.wait_for_url(re.compile(r"/summary$"))
    page.get_by_role("button", name="Hand in now").click()
    page.wait_for_url(re.compile(r"/result$"))


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


@pytest.mark.parametrize("width", [1280, 375])
def test_course_next_step_quiz_review_and_the_seminar_offer(
    live_server, browser, trainer, trainee, width
):
    base = live_server.url
    quiz, seminar, _qualification = _build_everything(trainer)
    quiz.review_policy = "answers"
    quiz.wait_minutes = 0
    course = quiz.course
    # The first module teaches the law (C1-LAW); the seminar has a day still to come.
    module_criteria.set_codes(course.modules[0], ["C1-LAW"])
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    seminar_authoring.add_session(
        seminar,
        starts_at=start,
        ends_at=start + timedelta(hours=6),
        topic="Drafting settlements",
        academic_hours=Decimal("6"),
        trainer=trainer,
    )
    db.session.commit()
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        _log_in(page, base, trainee.email)
        page.goto(f"{base}/courses/{course.slug}")
        page.get_by_role("button", name="Enrol", exact=True).click()
        page.get_by_role("link", name="Start with the first module: The legal framework").click()
        page.get_by_role("button", name="Mark as read").click()
        page.get_by_role("heading", name="What stays in the room").wait_for()
        page.get_by_role("button", name="Mark as read").click()
        # Every module read: the next step is the quiz, with its facts in numbers.
        step = page.locator(".next-step").first
        step.get_by_role("link", name="Take the quiz: Final test").wait_for()
        assert "5 questions" in step.inner_text()
        _fits(page, width)
        step.get_by_role("link", name="Take the quiz: Final test").click()
        page.wait_for_url(re.compile(rf"/quizzes/{quiz.id}$"))
        page.get_by_role("button", name="Start the quiz").click()
        page.get_by_text("Question 1 of 5").wait_for()
        _fits(page, width)
        _answer_all(page, {WRONG_ON_FIRST_TRY})
        page.get_by_text("Not passed").first.wait_for()
        # The missed criterion links the module that teaches it.
        study = page.locator(".taught-in").first
        assert "Study again:" in study.inner_text()
        _fits(page, width)
        study.get_by_role("link", name="The legal framework").click()
        page.get_by_role("heading", name="The Law on Mediation").wait_for()
        # The course page's next step is now to try the quiz again.
        page.goto(f"{base}/courses/{course.slug}")
        page.get_by_role("link", name="Try the quiz again: Final test").click()
        page.get_by_role("button", name="Start a new attempt").click()
        _answer_all(page, set())
        page.get_by_text("✓ Passed").wait_for()
        # "My certificates": the hours are missing, and the seminar that gives them is offered.
        page.goto(f"{base}/certificates/")
        offers = page.locator(".cert-offers")
        offers.get_by_role("heading", name="Seminars that would give the missing hours").wait_for()
        offers.get_by_role("link", name="Mediation seminar, Astana").wait_for()
        assert "6 academic hours" in offers.inner_text()
        _fits(page, width)
        offers.get_by_role("link", name="Register").first.click()
        page.wait_for_url(re.compile(rf"/seminars/{seminar.id}$"))
        page.get_by_role("button", name="Register").wait_for()
        assert errors == []
    finally:
        context.close()
