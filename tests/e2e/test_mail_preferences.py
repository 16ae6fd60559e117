"""A trainee chooses which e-mails to receive, on a phone, in Kazakh; the page is usable by
keyboard and axe-clean. The unsubscribe link of a message asks before it stops that kind."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from lms import mail
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import User

pytestmark = pytest.mark.e2e


def _serious(page) -> list:
    return [
        (v["id"], v["impact"])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_trainee_turns_a_kind_off_and_an_unsubscribe_link_asks_first(
    app, live_server, seed_demo, browser
):
    seed_demo()
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="kk-KZ")
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("#email", "asel@example.kz")
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():  # signed in before going on
        page.click("#submit")
    page.goto(live_server.url + "/account")
    page.click("a[href='/account/notifications']")
    expiry = page.locator("#kind-certificate_expiry")
    assert expiry.is_checked()
    assert page.locator("#kind-password_reset").is_disabled()  # security: always sent
    assert _serious(page) == []
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expiry.press("Space")  # by keyboard
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    expect(page.locator(".alert-success")).to_have_count(1)
    assert not page.locator("#kind-certificate_expiry").is_checked()
    db.session.expire_all()
    asel = db.session.query(User).filter_by(email="asel@example.kz").one()
    assert mail.opted_out(asel, "certificate_expiry")

    # The link in a message: GET only asks; the button stops the kind.
    token = mail.unsubscribe_token(asel, "seminar_reminder")
    page.goto(live_server.url + f"/account/unsubscribe/{token}")
    assert not mail.opted_out(asel, "seminar_reminder")
    assert _serious(page) == []
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_have_count(1)
    db.session.expire_all()
    assert mail.opted_out(asel, "seminar_reminder")
    context.close()
