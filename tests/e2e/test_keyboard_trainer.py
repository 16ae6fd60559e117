"""Keyboard only, as a trainer (issue 8): the attendance sheet, the rubric sheet of a
practical assessment and the quiz builder, each driven with Tab, Shift+Tab, Space, Enter and
the arrow keys, with the focus checked to show at every control it lands on.

Logging in uses ``fill``; after that nothing is clicked or filled. Each test seeds the demo
once and adds through services only what is not a trainer's action on these pages.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessments.models import Rubric
from courses.models import Course
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import User
from seminars import authoring
from seminars.models import Seminar
from tests.e2e.keyboard import assert_focus_visible, press, tab_to

pytestmark = pytest.mark.e2e

TRAINER = "aigerim.trainer@example.kz"
ASEL, ULAN, MARIA = "asel@example.kz", "ulan@example.kz", "maria@example.kz"


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def demo_site(app, live_server, seed_demo):
    seed_demo()
    # The demo trainer reads the site in Kazakh; these tests read it in English.
    _user(TRAINER).language = "en"
    db.session.commit()
    return live_server


def _log_in(page, base: str) -> None:
    page.set_default_timeout(10_000)
    # Bootstrap scrolls smoothly unless motion is reduced; a smooth scroll to one control
    # can swallow the scroll to the next when Tab is pressed quickly, leaving the focus out
    # of view for a moment. Reduced motion makes every scroll to the focus immediate.
    page.emulate_media(reduced_motion="reduce")
    page.goto(base + "/login")
    page.get_by_label("Email").fill(TRAINER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/dashboard")


def _enter(page) -> None:
    """Press Enter on the focused control and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_attendance_is_marked_saved_and_signed_off_by_keyboard(app, demo_site, page):
    # A session held yesterday and not signed off yet, so its sheet is open and can be signed
    # off (the demo signs off all of its own; a session still to come cannot be).
    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    starts = datetime.combine(datetime.now(zone).date() - timedelta(days=1), time(9), zone)
    session = authoring.add_session(
        db.session.get(Seminar, 1),
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        topic="Keyboard practice",
        academic_hours=Decimal("3"),
        trainer=_user(TRAINER),
    )
    db.session.commit()
    asel, ulan, maria = (_user(email).id for email in (ASEL, ULAN, MARIA))
    sheet = f"{demo_site.url}/manage/seminars/1/sessions/{session.id}/attendance"
    _log_in(page, demo_site.url)
    page.goto(sheet)

    # Rows run by name: Мария, Ұлан, Әсел. Tab enters each row's radio group on its first
    # choice ("Present"); Space marks it, the arrow keys move along the choices.
    tab_to(page, f"status-{maria}-present")
    assert not page.locator(f"#status-{maria}-present").is_checked()
    press(page, "Space")
    assert page.locator(f"#status-{maria}-present").is_checked()
    tab_to(page, f"status-{ulan}-present", limit=2)  # past Мария's hours field only
    press(page, "ArrowRight")
    assert _focused_id(page) == f"status-{ulan}-absent"
    assert page.locator(f"#status-{ulan}-absent").is_checked()
    tab_to(page, f"status-{asel}-present", limit=2)
    press(page, "ArrowRight")
    press(page, "ArrowRight")
    assert _focused_id(page) == f"status-{asel}-partial"
    # Her hours come right after her choice, and Shift+Tab leads back to it.
    tab_to(page, f"hours-{asel}", limit=1)
    page.keyboard.type("2.5")
    tab_to(page, f"status-{asel}-partial", limit=1, backwards=True)
    tab_to(page, f"hours-{asel}", limit=1)
    tab_to(page, page.get_by_role("button", name="Save attendance"), limit=1)
    _enter(page)
    page.get_by_text("Attendance saved (3 changed).").wait_for()

    page.reload()
    assert page.locator(f"#status-{maria}-present").is_checked()
    assert page.locator(f"#status-{ulan}-absent").is_checked()
    assert page.locator(f"#status-{asel}-partial").is_checked()
    assert page.locator(f"#hours-{asel}").input_value() == "2.5"

    # Sign-off asks first (data-confirm); accepted, the sheet locks.
    questions = []

    def accept(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    tab_to(page, page.get_by_role("button", name="Sign off attendance"))
    _enter(page)
    assert questions and questions[0].startswith("Sign off this sheet?")
    page.get_by_text("Attendance signed off. Later changes need a reason").wait_for()
    expect(page.get_by_role("button", name="Save attendance")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign off attendance")).to_have_count(0)
    assert page.locator(f"#status-{ulan}-absent").is_checked()
    assert page.locator(f"#status-{ulan}-absent").is_disabled()
    # The correction form follows the locked sheet, first its participant choice.
    tab_to(page, "user_id")


def test_rubric_sheet_is_scored_by_keyboard(demo_site, page):
    rubric = db.session.scalar(select(Rubric).where(Rubric.kind == "drafting"))
    _log_in(page, demo_site.url)

    # A new drafting assessment: choose the trainee, start.
    page.goto(f"{demo_site.url}/manage/assessments/new?rubric={rubric.id}&seminar=1")
    tab_to(page, "trainee")
    trainee = page.locator("#trainee option:checked").inner_text().split(" (")[0]
    tab_to(page, page.get_by_role("button", name="Start the assessment"), limit=1)
    _enter(page)
    page.get_by_text("Assessment started. Score each line, then sign it off.").wait_for()
    assert trainee in page.locator("main").inner_text()

    def line(label: str) -> str:
        return page.get_by_role("group", name=re.compile(label)).get_attribute("id")

    written, details = line("Written form"), line("Details of the parties")
    specific = line("Obligations are specific")

    # A checklist line ticked with Space, the next set with an arrow key.
    tab_to(page, f"{written}-1")
    press(page, "Space")
    assert page.locator(f"#{written}-1").is_checked()
    tab_to(page, f"{details}-1", limit=1)
    press(page, "ArrowRight")
    assert _focused_id(page) == f"{details}-0"
    # A quality line: its first point, then two steps up the scale.
    tab_to(page, f"{specific}-1", limit=10)
    press(page, "ArrowRight")
    press(page, "ArrowRight")
    assert _focused_id(page) == f"{specific}-3"
    tab_to(page, page.get_by_role("button", name="Save", exact=True), limit=20)
    _enter(page)
    page.get_by_text("Saved (3 changed).").wait_for()

    page.reload()
    assert page.locator(f"#{written}-1").is_checked()
    assert page.locator(f"#{details}-0").is_checked()
    assert page.locator(f"#{specific}-3").is_checked()
    lines = page.locator("fieldset.score-line").count()
    expect(page.get_by_text(f"{lines - 3} lines are not scored yet.")).to_have_count(1)
    trail = page.locator("section[aria-labelledby=trail-heading]").inner_text()
    assert "Obligations are specific and measurable" in trail


def test_quiz_builder_is_used_by_keyboard(demo_site, page):
    course = db.session.scalar(select(Course).where(Course.slug == "mediator-ethics"))
    _log_in(page, demo_site.url)

    # A new quiz: the title has the focus; Enter saves it (not the preview).
    page.goto(f"{demo_site.url}/manage/quizzes/courses/{course.id}/quizzes/new")
    assert _focused_id(page) == "title"
    assert_focus_visible(page)
    page.keyboard.type("Keyboard check")
    _enter(page)
    page.get_by_text("Quiz “Keyboard check” created. Now choose its questions.").wait_for()

    # Two questions of the bank, ticked with Space and added.
    boxes = page.locator("#add-questions input[name=question_ids]")
    first, second = boxes.nth(0), boxes.nth(1)
    keys = [
        page.locator(f"label[for={box.get_attribute('id')}]").inner_text()
        for box in (first, second)
    ]
    tab_to(page, first)
    press(page, "Space")
    tab_to(page, second, limit=1)
    press(page, "Space")
    assert first.is_checked() and second.is_checked()
    tab_to(page, page.get_by_role("button", name="Add the ticked questions"))
    _enter(page)
    page.get_by_text("2 questions added.").wait_for()

    def listed() -> list[str]:
        return page.locator("#fixed-list tbody th a").all_inner_texts()

    assert listed() == keys
    # After each change the page returns to the list, so the next Tab lands in it.
    tab_to(page, page.get_by_role("button", name=f"Move “{keys[1]}” up"), limit=5)
    _enter(page)
    assert listed() == [keys[1], keys[0]]
    tab_to(page, page.get_by_role("button", name=f"Move “{keys[1]}” down"), limit=5)
    _enter(page)
    assert listed() == keys
    tab_to(page, page.get_by_role("button", name=f"Remove “{keys[0]}” from the list"), limit=5)
    _enter(page)
    page.get_by_text("Question removed from the list.").wait_for()
    assert listed() == [keys[1]]
    tab_to(page, page.get_by_role("button", name=f"Remove “{keys[1]}” from the list"), limit=5)
    _enter(page)
    assert listed() == []

    # Back up to the Settings tab, and switch the quiz to drawing by criterion.
    tab_to(page, page.get_by_role("link", name="Settings", exact=True), backwards=True)
    _enter(page)
    tab_to(page, "selection", limit=60)
    press(page, "ArrowDown")
    assert page.locator("#selection").input_value() == "draw"
    tab_to(page, page.get_by_role("button", name="Save settings"), limit=10)
    _enter(page)
    page.get_by_text("Settings saved.").wait_for()
    tab_to(page, page.get_by_role("link", name="Questions", exact=True), limit=40)
    _enter(page)

    # A draw rule: the criterion chosen with the arrow keys, the count typed, Enter.
    tab_to(page, "criterion")
    for _ in range(10):
        if page.locator("#criterion option:checked").inner_text().startswith("C3-ETH"):
            break
        press(page, "ArrowDown")
    assert page.locator("#criterion option:checked").inner_text().startswith("C3-ETH")
    tab_to(page, "count", limit=1)
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    _enter(page)
    page.get_by_text("Rule added.").wait_for()
    rows = page.locator("#draw-rules table").first.locator("tbody tr")
    expect(rows).to_have_count(1)
    assert re.search(r"C3-ETH.*\bany\b\s+2\b", rows.first.inner_text(), re.S)
    tab_to(page, page.get_by_role("button", name="Remove the rule for C3-ETH"), limit=5)
