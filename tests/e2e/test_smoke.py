"""The smallest whole journey: a stranger signs up, logs out, logs in, sees the dashboard."""

from __future__ import annotations

import re

import pytest

from lms import site_settings

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

pytestmark = pytest.mark.e2e

PASSWORD = "a long and memorable passphrase"


def test_sign_up_log_out_log_in_and_see_the_dashboard(live_server, page):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill("asel.e2e@example.kz")
    page.get_by_label("Display name").fill("Әсел")
    page.get_by_label("Full legal name").fill("Әсел Қанатқызы Төлеуова")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="Welcome, Әсел")).to_be_visible()
    expect(page.get_by_text("Әсел Қанатқызы Төлеуова")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()

    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("ASEL.E2E@example.kz")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("The email or password is not correct.")).to_be_visible()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()


def test_language_switcher_works_in_the_browser(live_server, page):
    page.goto(live_server.url + "/login")
    with page.expect_navigation():
        page.get_by_role("button", name="Қазақша").click()
    assert page.locator("html").get_attribute("lang") == "kk"
    expect(page.get_by_role("heading", name="Кіру")).to_be_visible()


def test_closed_signup_is_explained(live_server, page):
    site_settings.set_signup_open(False)
    page.goto(live_server.url + "/signup")
    expect(page.get_by_role("heading", name="Sign-up is closed")).to_be_visible()


def test_phone_width_menu_opens(live_server, page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/")
    menu = page.get_by_role("button", name="Show menu")
    expect(menu).to_be_visible()
    menu.click()
    page.get_by_role("link", name="Log in").first.wait_for(state="visible")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
