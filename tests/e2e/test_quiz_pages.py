"""Quiz pages on a 375-pixel phone (issue 20): one question per page, the bar with the
answered count and the autosave status stays in view, Next saves, a flag shows in the
navigator and the summary, hand-in through the summary; the ordering selects sit beside the
first line of their items."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from quizzes.models import Attempt
from tests.e2e.test_courses import _log_in
from tests.e2e.test_quiz_autosave import ITEMS, attempt  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 700}


def test_quiz_pages_on_a_phone(live_server, browser, trainee, attempt):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    shots = os.environ.get("LMS_SCREENSHOTS")
    try:
        _log_in(page, live_server.url, trainee.email)
        page.goto(f"{live_server.url}/quizzes/attempts/{attempt.id}")
        page.get_by_text("Question 1 of 2").wait_for()
        expect(page.get_by_text("Question 2 of 2")).to_have_count(0)
        page.get_by_label("Your answer").fill("mediator")
        page.get_by_role("button", name="Next").click()
        page.wait_for_url(re.compile(r"page=2$"))
        bar = page.locator(".quiz-bar")
        assert "Answered: 1 of 2" in bar.inner_text()
        # The ordering selects line up with the first line of their labels.
        for item in ITEMS:
            select = page.get_by_label(f"Place of: {item}").bounding_box()
            label = page.locator("label.order-label", has_text=item).bounding_box()
            assert abs(select["y"] - label["y"]) <= 6, item
            assert select["x"] + select["width"] <= label["x"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for place, item in enumerate(ITEMS, start=1):
            page.get_by_label(f"Place of: {item}").select_option(str(place))
        page.locator(".autosave-status", has_text="Saved.").wait_for()
        # The bar stays in view when the page scrolls.
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(200)
        box = bar.bounding_box()
        assert box is not None and 0 <= box["y"] <= 5
        if shots:
            page.screenshot(path=f"{shots}/quiz-page-375.png", full_page=False)
        page.get_by_role("button", name="Flag to come back").click()
        page.wait_for_url(re.compile(r"page=2$"))
        page.get_by_role("button", name=re.compile(r"Question 2: answered, flagged")).wait_for()
        page.get_by_role("button", name="Review and hand in").click()
        page.wait_for_url(re.compile(r"/summary$"))
        page.get_by_text("1 question is flagged").wait_for()
        page.get_by_text("Every question has an answer.").wait_for()
        if shots:
            page.screenshot(path=f"{shots}/quiz-summary-375.png", full_page=True)
        attempt.quiz.review_policy = "answers"  # the review shows each answer
        db.session.commit()
        page.get_by_role("button", name="Hand in now").click()
        page.wait_for_url(re.compile(r"/result$"))
        assert asked == ["Hand in your answers? You cannot change them afterwards."]
        review = page.locator(".review-question")
        assert "Right answer" in review.nth(1).inner_text()
        assert review.nth(0).locator(".review-right").inner_text().strip() == "mediator"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        if shots:
            page.screenshot(path=f"{shots}/quiz-result-375.png", full_page=True)
        db.session.expire_all()
        done = db.session.get(Attempt, attempt.id)
        assert done.status != "in_progress"
        assert done.questions[1].answer is not None
    finally:
        context.close()
