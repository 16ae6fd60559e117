"""Keyboard only: the skip link, a visible focus, a form filled and sent without a mouse, its
errors announced and linked to their fields, and ``lang`` following the chosen language."""

from __future__ import annotations

import pytest

from tests.e2e.keyboard import focus_is_visible as _focus_is_visible
from tests.e2e.keyboard import tab_to as _tab_to

pytestmark = pytest.mark.e2e


def test_a_stranger_signs_up_with_the_keyboard_only(live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert _focus_is_visible(page), "the skip link must show when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.goto(live_server.url + "/signup")
    # The form starts in its first field, with a visible focus.
    assert page.evaluate("document.activeElement.id") == "email"
    assert _focus_is_visible(page)
    page.keyboard.type("keyboard.user@example.kz")
    _tab_to(page, "display_name")
    page.keyboard.type("Keyboard")
    _tab_to(page, "full_name")
    page.keyboard.type("Айдана Клавиатурова")
    _tab_to(page, "password")
    page.keyboard.type("correct horse battery")
    _tab_to(page, "confirm")
    page.keyboard.type("a different password")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The error is announced (focus moves to the summary, a role=alert region), linked to
    # its field, and the field says it is invalid and which text describes it.
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")
    link = summary.get_by_role("link", name="do not match")
    assert link.get_attribute("href") == "#confirm"
    confirm = page.locator("#confirm")
    assert confirm.get_attribute("aria-invalid") == "true"
    described = confirm.get_attribute("aria-describedby").split()
    assert "confirm-error" in described
    assert "do not match" in page.locator("#confirm-error").inner_text()
    link.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#confirm"

    # Put it right, still by keyboard, and the account is made.
    _tab_to(page, "password")
    page.keyboard.type("correct horse battery")
    _tab_to(page, "confirm")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/dashboard")


def test_lang_follows_the_chosen_language(live_server, page):
    page.goto(live_server.url + "/verify")
    assert page.evaluate("document.documentElement.lang") == "en"
    with page.expect_navigation():
        page.get_by_role("button", name="Қазақша").click()
    assert page.evaluate("document.documentElement.lang") == "kk"
    with page.expect_navigation():
        page.get_by_role("button", name="Русский").click()
    assert page.evaluate("document.documentElement.lang") == "ru"
