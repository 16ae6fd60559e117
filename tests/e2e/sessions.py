"""Signing in from a browser test: a new page of ``context`` that has signed in as ``email``
(the suite's password) and records the page's script errors in ``page.errors``."""

from __future__ import annotations

from tests.conftest import DEFAULT_PASSWORD


def log_in(context, base: str, email: str):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("#submit")
    page.wait_for_url("**/dashboard")
    return page
