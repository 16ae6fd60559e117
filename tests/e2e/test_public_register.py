"""The public register of mediators on a 375-pixel phone: a holder opens "My certificates",
lists herself (region, a language, a phone, the consent), finds herself by name on
/mediators, and withdraws (after the confirmation), which removes her entry at once. No
page is wider than the phone, and the form and the list pass axe (no serious or critical
violation)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from certificates import issuance
from certificates.models import QualificationKind
from certificates.qualifications import QualificationData, save_qualification
from lms.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.accessibility import serious_violations

pytestmark = pytest.mark.e2e

HOLDER = "Әлия Қасымқызы Нұрланова"
PHONE = {"width": 375, "height": 800}


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_holder_lists_herself_finds_herself_and_withdraws_on_a_phone(
    app, live_server, make_user, browser
):
    qualification = save_qualification(
        QualificationData(
            slug="register-journey",
            kind=QualificationKind.QUALIFICATION.value,
            titles={"en": "Mediation basics", "ru": "Основы медиации", "kk": "Медиация негіздері"},
            disclaimers={"en": "Not a state qualification.", "ru": "Не гос.", "kk": "Емес."},
            requires_identity=False,
            validity_months=36,
        )
    )
    holder = make_user(full_name=HOLDER)
    issuance.issue(qualification, holder, None, by=make_user("trainer"), language="en")
    db.session.commit()
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/login")
        page.fill("#email", holder.email)
        page.fill("#password", DEFAULT_PASSWORD)
        with page.expect_navigation():  # signed in before going on
            page.click("#submit")
        page.goto(live_server.url + "/certificates/")
        page.get_by_role("link", name="List me in the public register").click()
        page.get_by_label("Region").wait_for()  # the form's page, not the one before
        assert _fits(page)
        assert serious_violations(page) == []
        page.get_by_label("Region").select_option(label="Almaty")
        page.get_by_role("checkbox", name="Қазақша").check()
        page.get_by_label("Contact phone (optional)").fill("+7 701 234 56 78")
        page.get_by_label("I consent to this publication.").check()
        page.get_by_role("button", name="Save my entry").click()
        expect(
            page.get_by_text("You are listed in the public register of mediators.")
        ).to_be_visible()
        expect(page.get_by_role("heading", name="How the public sees your entry")).to_be_visible()

        page.goto(live_server.url + "/mediators")
        page.get_by_label("Name").fill("нұрланова")
        page.get_by_role("button", name="Search").last.click()
        entry = page.locator("article.mediator-entry")
        expect(entry).to_have_count(1)
        expect(entry.get_by_role("heading", name=HOLDER)).to_be_visible()
        expect(entry.get_by_role("link", name="+7 701 234 56 78")).to_be_visible()
        assert _fits(page)
        assert serious_violations(page) == []

        page.goto(live_server.url + "/certificates/")
        page.get_by_role("link", name="See or change my entry").click()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Withdraw and remove my entry").click()
        expect(page.get_by_text("Your entry was removed from the public register.")).to_be_visible()
        page.goto(live_server.url + "/mediators")
        expect(page.locator("article.mediator-entry")).to_have_count(0)
    finally:
        context.close()
