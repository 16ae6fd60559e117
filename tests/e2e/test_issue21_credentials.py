"""Portable credentials and renewal (issue 21) in a real browser at 1280 pixels.

- A holder's "My certificates": "Download for a wallet" saves the signed Open Badges 3.0
  credential (JSON with a proof our verifier accepts); the wallet's QR code, once its
  section is opened, is visible and decodes to the credential's address, which serves the
  same credential; LinkedIn's "Add to profile" link carries the certificate number and never
  the holder's name; on a 375-pixel phone the open section does not widen the page.
- A holder whose hours are met renews on the ledger page (after the confirmation); then a
  verifier with no account opens the old certificate's page, follows "Replaced by" to the new
  one and "Replaces" back.

``PUBLIC_URL`` is set to the live server before issuing (as in test_journey_verifier), so the
addresses the credential and QR code hold are real and reachable. Each page passes axe."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from certificates import ce_activities, issuance
from certificates.models import Certificate, QualificationKind
from certificates.ob3 import signer
from certificates.qualifications import QualificationData, save_qualification
from lms.downloads import portable_filename
from lms.extensions import db
from lms.timezone import site_today
from tests.courses.conftest import pdf_bytes
from tests.e2e.accessibility import serious_violations
from tests.e2e.sessions import log_in

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
HOLDER = "Әлия Қасымқызы Нұрланова"
TITLE = "Mediation basics for wallets"


def _qualification(**fields):
    return save_qualification(
        QualificationData(
            slug="credential-journey",
            kind=QualificationKind.QUALIFICATION.value,
            titles={"en": TITLE, "ru": "Основы медиации", "kk": "Медиация негіздері"},
            disclaimers={"en": "Not a state qualification.", "ru": "Не гос.", "kk": "Емес."},
            requires_identity=False,
            validity_months=36,
            **fields,
        )
    )


@pytest.fixture
def site(app, live_server, make_user):
    app.config["PUBLIC_URL"] = live_server.url  # before issuing: the credential names it
    return live_server.url, make_user(full_name=HOLDER), make_user("trainer")


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def test_my_certificates_offers_the_wallet_credential_its_qr_code_and_linkedin(site, context):
    base, holder, trainer = site
    certificate, created = issuance.issue(_qualification(), holder, None, by=trainer)
    assert created
    db.session.commit()
    number = certificate.number
    address = f"{base}/credentials/{number}.json"
    page = log_in(context, base, holder.email)
    page.goto(base + "/certificates/")
    card = page.locator(f"#certificate-{certificate.id}")

    # The download: the signed credential, named after the number.
    with page.expect_download() as download:
        card.get_by_role("link", name="Download for a wallet (Open Badges 3.0)").click()
    assert download.value.suggested_filename == portable_filename(f"{number}.credential.json")
    credential = json.loads(Path(download.value.path()).read_bytes())
    assert "OpenBadgeCredential" in credential["type"] and credential["id"] == address
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022" and proof["proofValue"]
    assert signer.verify(credential)

    # The QR code is hidden until "Open in a digital wallet" is opened; then it reads.
    qr = card.get_by_role("img", name="QR code of the credential address for a wallet")
    expect(qr).to_be_hidden()
    card.get_by_text("Open in a digital wallet").click()
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert code.text == address
    expect(card.get_by_role("link", name=address)).to_be_visible()
    served = page.request.get(code.text)
    assert served.ok and json.loads(served.body()) == credential
    assert serious_violations(page) == []

    # LinkedIn: the number and the verification page, never the holder's name.
    linkedin = card.get_by_role("link", name="Add to LinkedIn profile")
    href = linkedin.get_attribute("href")
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    query = parse_qs(parts.query)
    assert query["certId"] == [number]
    assert query["certUrl"] == [f"{base}/verify/{number}"]
    assert query["name"] == [TITLE]
    for word in [*HOLDER.split(), holder.email]:
        assert word.casefold() not in unquote(href).casefold()
    assert "noopener" in linkedin.get_attribute("rel")

    # On a phone the long address wraps: the page does not scroll sideways.
    page.set_viewport_size(PHONE)
    expect(qr).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.errors == []


def test_a_renewed_certificate_links_to_the_one_it_replaces_and_back(site, context, browser):
    base, holder, trainer = site
    qualification = _qualification(ce_hours="6")
    old, created = issuance.issue(
        qualification, holder, None, by=trainer, today=site_today() - timedelta(days=30)
    )
    assert created
    activity = ce_activities.submit(
        old,
        holder,
        ce_activities.ActivityData(
            title="Regional mediation conference",
            provider="Chamber of mediators",
            held_on=site_today() - timedelta(days=2),
            hours="6",
        ),
        pdf_bytes(),
        "attendance.pdf",
    )
    ce_activities.review(activity, trainer, approve=True)

    # The holder renews on the ledger page, after the question.
    page = log_in(context, base, holder.email)
    page.goto(f"{base}/certificates/{old.id}/continuing-education")
    assert serious_violations(page) == []
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Renew my certificate").click()
    db.session.expire_all()
    new = db.session.scalar(select(Certificate).where(Certificate.replaces_id == old.id))
    assert new is not None and new.holder_id == holder.id
    expect(page.get_by_text(f"Renewed: your new certificate is {new.number}.")).to_be_visible()

    # A verifier, with no account, walks the chain both ways.
    verifier = browser.new_page(viewport=DESKTOP, locale="en-GB")
    try:
        verifier.goto(f"{base}/verify/{old.number}")
        heading = verifier.locator("#status-heading")
        assert heading.inner_text().strip() == "Replaced by a newer certificate"
        forward = verifier.locator(".verify-replaced-by").get_by_role("link", name=new.number)
        expect(forward).to_be_visible()
        assert serious_violations(verifier) == []
        with verifier.expect_navigation():
            forward.click()
        assert verifier.url == f"{base}/verify/{new.number}"
        assert heading.inner_text().strip() == "Valid certificate"
        expect(verifier.locator(".verify-replaced-by")).to_have_count(0)
        back = verifier.locator(".verify-replaces").get_by_role("link", name=old.number)
        assert serious_violations(verifier) == []
        with verifier.expect_navigation():
            back.click()
        assert verifier.url == f"{base}/verify/{old.number}"
        assert heading.inner_text().strip() == "Replaced by a newer certificate"
        expect(verifier.locator(".verify-replaces")).to_have_count(0)
    finally:
        verifier.close()
    assert page.errors == []
