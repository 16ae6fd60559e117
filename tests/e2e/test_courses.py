"""A trainer writes a module with the live preview; a trainee enrols, reads and completes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard$"))


def test_trainer_writes_with_preview_and_trainee_reads(live_server, browser, trainer, trainee):
    base = live_server.url
    author = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(author, base, trainer.email)
    author.get_by_role("link", name="New course").first.click()
    author.get_by_label("Title").fill("Confidentiality in practice")
    author.get_by_label("Summary").fill("Short cases on what a mediator may and may not tell.")
    # Wait for the module editor to load: text typed before its script runs would not be
    # previewed (this raced once in CI on PostgreSQL).
    with author.expect_navigation():
        author.get_by_role("button", name="Save course").click()

    # The module editor: typing updates the preview through the server's renderer.
    author.get_by_label("Title").fill("The caucus rule")
    editor = author.get_by_label("Text (Markdown)")
    editor.fill("## Written permission\n\nNothing said in caucus is passed on **without** consent.")
    preview = author.locator("#preview-pane")
    preview.get_by_role("heading", name="Written permission").wait_for()
    assert preview.locator("strong").inner_text() == "without"
    # Raw HTML stays text in the live preview as well.
    editor.fill("## Written permission\n\n<img src=x onerror=alert(1)> is shown as text.")
    preview.get_by_text("<img src=x onerror=alert(1)> is shown as text.").wait_for()
    expect(preview.locator("img")).to_have_count(0)
    editor.fill("## Written permission\n\nNothing said in caucus is passed on **without** consent.")
    author.get_by_role("button", name="Save module").click()
    author.get_by_text("Module “The caucus rule” saved.").wait_for()
    author.once("dialog", lambda dialog: dialog.accept())
    author.get_by_role("button", name="Publish").click()
    author.get_by_text("The course is published").wait_for()

    reader = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    _log_in(reader, base, trainee.email)
    reader.goto(base + "/courses/")
    reader.get_by_role("link", name="Confidentiality in practice").click()
    reader.get_by_role("button", name="Enrol", exact=True).click()
    reader.get_by_role("link", name="Start with the first module: The caucus rule").click()
    reader.get_by_role("heading", name="Written permission").wait_for()
    expect(reader.get_by_role("link", name="Written permission")).to_be_visible()  # contents
    reader.get_by_role("button", name="Mark as read").click()
    reader.get_by_text("1 of 1 modules read (100%)").wait_for()
    assert reader.evaluate("document.documentElement.scrollWidth") <= 375
    reader.goto(base + "/dashboard")
    expect(reader.get_by_text("Every module read.")).to_be_visible()
