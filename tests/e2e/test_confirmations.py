"""Destructive actions ask first, in the browser: dismissing the question sends nothing,
accepting it sends the form, and the harmless buttons of the same form do not ask."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from courses import authoring
from lms.database import utcnow
from lms.extensions import db
from seminars import authoring as seminar_authoring
from tests.e2e.test_courses import _log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def draft_seminar(trainer):
    course = authoring.create_course(trainer, title="Ethics in practice", summary="")
    authoring.create_module(course, trainer, title="Conflicts of interest", source="Text.")
    authoring.set_status(course, "published")
    seminar = seminar_authoring.create_seminar(
        course, [trainer], title="Winter seminar", capacity=5
    )
    db.session.commit()
    return seminar


def _status(seminar) -> str:
    db.session.expire_all()
    return db.session.get(type(seminar), seminar.id).status


def test_cancelling_a_seminar_asks_and_dismissing_keeps_it(
    live_server, page, trainer, draft_seminar
):
    _log_in(page, live_server.url, trainer.email)
    page.goto(f"{live_server.url}/manage/seminars/{draft_seminar.id}")
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.evaluate("addEventListener('submit', e => { window.sent = !e.defaultPrevented })")
    page.once("dialog", dismiss)
    page.get_by_role("button", name="Cancel seminar").click()
    # The submit event ran within the click: a dismissed confirm stopped it, nothing was sent.
    assert page.evaluate("window.sent") is False
    assert questions and "Cancel this seminar?" in questions[0]
    assert _status(draft_seminar) == "draft"
    assert page.url.endswith(f"/manage/seminars/{draft_seminar.id}")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Cancel seminar").click()
    page.get_by_text("The seminar is now: Cancelled.").wait_for()
    assert _status(draft_seminar) == "cancelled"
    # A final status offers no way back.
    expect(page.get_by_role("button", name=re.compile("Open registration"))).to_have_count(0)


def test_a_harmless_button_of_the_same_form_does_not_ask(live_server, page, trainer, draft_seminar):
    seminar_authoring.add_session(
        draft_seminar,
        starts_at=_later(days=5),
        ends_at=_later(days=5, hours=3),
        topic="Day 1",
        academic_hours=Decimal("4"),
        trainer=trainer,
    )
    db.session.commit()
    _log_in(page, live_server.url, trainer.email)
    page.goto(f"{live_server.url}/manage/seminars/{draft_seminar.id}")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    with page.expect_navigation():
        page.get_by_role("button", name="Open registration").click()
    page.get_by_text("The seminar is now: Registration open.").wait_for()
    assert asked == [] and _status(draft_seminar) == "open"


def _later(**delta):
    return utcnow().replace(microsecond=0) + timedelta(**delta)
