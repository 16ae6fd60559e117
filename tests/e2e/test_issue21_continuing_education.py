"""Continuing education (issue 21) in a real browser, each user in their own language: a
holder reading Kazakh on a 375-pixel phone goes from "My certificates" to her certificate's
ledger, submits an outside activity with a PDF as evidence and sees it waiting for review; a
trainer reading Russian at 1280 pixels opens the evidence, approves it after the
confirmation and sees it among the decided; the holder then sees the hours counted. No page
scrolls sideways on the phone, and each passes axe (no serious or critical violation)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from certificates import issuance
from certificates.ce_models import CeActivity
from certificates.models import QualificationKind
from certificates.qualifications import QualificationData, save_qualification
from lms.extensions import db
from lms.timezone import site_today
from tests.courses.conftest import pdf_bytes
from tests.e2e.accessibility import serious_violations
from tests.e2e.sessions import log_in

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
HOLDER = "Әлия Қасымқызы Нұрланова"
ACTIVITY = "Медиация және әдеп: облыстық семинар"


@pytest.fixture
def ledger_site(app, live_server, make_user):
    qualification = save_qualification(
        QualificationData(
            slug="ce-journey",
            kind=QualificationKind.QUALIFICATION.value,
            titles={"en": "Mediation basics", "ru": "Основы медиации", "kk": "Медиация негіздері"},
            disclaimers={"en": "Not a state qualification.", "ru": "Не гос.", "kk": "Емес."},
            requires_identity=False,
            validity_months=36,
            ce_hours="24",
            ce_ethics_hours="6",
        )
    )
    holder = make_user(full_name=HOLDER, display_name=HOLDER, language="kk")
    trainer = make_user("trainer", language="ru", display_name="Гульнара Тренер")
    certificate, created = issuance.issue(
        qualification, holder, None, by=trainer, language="kk",
        today=site_today() - timedelta(days=30),
    )  # fmt: skip
    assert created
    db.session.commit()
    return live_server.url, holder, trainer, certificate


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _hours_counted(page) -> str:
    return page.locator("dl.ce-summary dd").first.inner_text().strip()


def test_an_outside_activity_is_submitted_approved_and_counted(ledger_site, browser):
    base, holder, trainer, certificate = ledger_site
    phone = browser.new_context(viewport=PHONE, locale="en-GB")
    desk = browser.new_context(viewport=DESKTOP, locale="en-GB", accept_downloads=True)
    for context in (phone, desk):
        context.set_default_timeout(15_000)
    try:
        # The holder, in Kazakh on a phone: from "My certificates" to the ledger.
        mine = log_in(phone, base, holder.email)
        mine.goto(base + "/certificates/")
        card = mine.locator(f"#certificate-{certificate.id}")
        assert "24 сағаттың 0 сағаты" in card.locator(".ce-line").inner_text()
        card.get_by_role("link", name="Сағаттар мен іс-шаралар").click()
        mine.wait_for_url(f"**/certificates/{certificate.id}/continuing-education")
        expect(mine.get_by_role("heading", name="Үздіксіз білім беру", exact=True)).to_be_visible()
        assert _hours_counted(mine) == "24 ішінен 0"
        assert _fits(mine)
        assert serious_violations(mine) == []

        held_on = site_today() - timedelta(days=3)
        mine.get_by_label("Іс-шараның атауы").fill(ACTIVITY)
        mine.get_by_label("Ұйымдастырушы").fill("Медиаторлар палатасы")
        mine.get_by_label("Күні").fill(held_on.isoformat())
        mine.get_by_label("Академиялық сағаттар").fill("6")
        mine.get_by_label("Іс-шара кәсіптік әдепке арналған").check()
        mine.locator("#evidence").set_input_files(
            files=[{"name": "сертификат.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
        )
        with mine.expect_navigation():
            mine.get_by_role("button", name="Тексеруге жіберу").click()
        expect(mine.get_by_text("Іс-шара жіберілді. Тренер оны тексереді.")).to_be_visible()
        entry = mine.locator("tr.ce-entry").filter(has_text=ACTIVITY)
        expect(entry).to_have_count(1)
        assert "Тексеруді күтуде" in entry.inner_text()
        assert _hours_counted(mine) == "24 ішінен 0"  # pending hours do not count yet
        assert _fits(mine)
        assert serious_violations(mine) == []
        activity = db.session.scalars(select(CeActivity)).one()
        assert activity.status == "pending" and activity.evidence_type == "application/pdf"

        # The trainer, in Russian: the review queue, the evidence, the decision.
        review = log_in(desk, base, trainer.email)
        review.goto(base + "/manage/certificates/continuing-education")
        card = review.locator(f"#activity-{activity.id}")
        expect(card.get_by_role("heading", name=ACTIVITY)).to_be_visible()
        assert HOLDER in card.inner_text() and "(этика)" in card.inner_text()
        assert serious_violations(review) == []
        with review.expect_download() as download:
            card.get_by_role("link", name=activity.evidence_filename).click()
        assert Path(download.value.path()).read_bytes() == pdf_bytes()
        assert download.value.suggested_filename == "сертификат.pdf"  # the holder's own name
        questions = []
        review.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        with review.expect_navigation():
            card.get_by_role("button", name="Одобрить").click()
        assert questions and questions[0].startswith("Сохранить это решение?")
        approved = "Мероприятие одобрено; владелец получит уведомление."
        expect(review.get_by_text(approved)).to_be_visible()
        expect(review.locator(f"#activity-{activity.id}")).to_have_count(0)
        decided = review.locator("table tbody tr").filter(has_text=ACTIVITY)
        assert "Одобрено" in decided.inner_text()
        assert serious_violations(review) == []

        # The holder sees the six hours counted, in the total and in the ethics part.
        mine.reload()
        assert "Мақұлданды" in mine.locator("tr.ce-entry").filter(has_text=ACTIVITY).inner_text()
        assert _hours_counted(mine) == "24 ішінен 6"
        assert mine.locator("dl.ce-summary dd").nth(1).inner_text().strip() == "6 ішінен 6"
        assert _fits(mine)
        assert mine.errors == [] and review.errors == []
    finally:
        phone.close()
        desk.close()
