"""Journey 3: a verifier with no account checks certificates in a real browser.

They type a number in lower case with one wrong character and are told it is probably a
typing mistake; type it right and see "Valid certificate" with the facts printed on the
certificate; decode the QR code on the PDF and open its address to land on the same
certificate; and see a revoked certificate say "Revoked" with the reason published for it
(never the trainer's own note). The valid page is also read on a 375-pixel phone, and the
typo, valid and revoked pages pass axe with no serious or critical violation.

The certificates are issued through the services (``certificates.issuance.issue`` for a
qualification with no requirements, ``certificates.lifecycle.revoke``), not the admin UI:
this journey is about the stranger's side.

The printed address: ``PUBLIC_URL`` is read only when a certificate is issued
(``issuance.verify_url``), and the live server's port is known only once it has started, so
the ``verifier_site`` fixture starts the server, then sets ``PUBLIC_URL`` to its address
before issuing. The QR code then holds a real, reachable address, and the browser opens the
decoded text unchanged, which proves the printed address end to end. Issuing happens in the
test, never in a request, so the QR's host is the configured ``PUBLIC_URL``, not a request's.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates import issuance, lifecycle, rendering
from certificates.models import QualificationKind
from certificates.numbers import ALPHABET
from certificates.qualifications import QualificationData, save_qualification
from tests.e2e.accessibility import serious_violations

pytestmark = pytest.mark.e2e

HOLDER = "Әлия Қасымқызы Нұрланова"
REVOKED_HOLDER = "Бауыржан Серікұлы Ахметов"
TITLE = "Mediation basics for verifiers"
# What a verifier is told (a reason from the list and the public note), and what is not (the
# trainer's own note).
REASON = "A breach of professional ethics was upheld"
PUBLIC_NOTE = "Ethics committee decision 7/2025."
INTERNAL_NOTE = "Complaint by a party about the holder's conduct in caucus"
PHONE = {"width": 375, "height": 800}


@dataclass
class Site:
    url: str
    valid: object
    revoked: object


@pytest.fixture
def verifier_site(app, live_server, make_user) -> Site:
    app.config["PUBLIC_URL"] = live_server.url  # before issuing: the QR prints this address
    qualification = save_qualification(
        QualificationData(
            slug="verifier-journey",
            kind=QualificationKind.ATTENDANCE.value,
            titles={"en": TITLE, "ru": "Основы медиации", "kk": "Медиация негіздері"},
            disclaimers={
                "en": "Training on this platform; not a state qualification.",
                "ru": "Не является государственной квалификацией.",
                "kk": "Мемлекеттік біліктілік емес.",
            },
            requires_identity=False,
            validity_months=36,
        )
    )
    trainer, admin = make_user("trainer"), make_user("admin")
    valid, created = issuance.issue(
        qualification, make_user(full_name=HOLDER), None, by=trainer, language="en"
    )
    assert created
    revoked, created = issuance.issue(
        qualification, make_user(full_name=REVOKED_HOLDER), None, by=trainer, language="en"
    )
    assert created
    lifecycle.revoke(revoked, "ethics_breach", admin, public_note=PUBLIC_NOTE, note=INTERNAL_NOTE)
    return Site(live_server.url, valid, revoked)


def with_typo(number: str) -> str:
    """``number`` in lower case with one character of its last group changed: the check
    character catches any single substitution without asking the database."""
    *head, group, check = number.split("-")
    wrong = ALPHABET[(ALPHABET.index(group[0]) + 1) % len(ALPHABET)]
    return "-".join([*head, wrong + group[1:], check]).lower()


def check_number(page, typed: str) -> None:
    page.get_by_label("Certificate number").fill(typed)
    with page.expect_navigation():  # not the old page's "loaded" state
        page.get_by_role("button", name="Check").click()


def qr_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=100 / 72).to_pil()
    finally:
        document.close()
    (code,) = zxingcpp.read_barcodes(image)
    return code.text


def assert_valid_page(page, certificate) -> None:
    status = page.locator("#status-heading")
    # Colour is not the only signal: the heading says it in words (the ✓ is aria-hidden).
    assert status.inner_text().strip() == "Valid certificate"
    expect(status).to_be_visible()
    expect(page.get_by_role("status").get_by_text("Genuine and valid today")).to_be_visible()
    facts = page.locator("dl.verify-facts")
    expect(facts.get_by_text(certificate.number, exact=True)).to_be_visible()
    expect(facts.get_by_text(HOLDER, exact=True)).to_be_visible()
    expect(facts.get_by_text(TITLE, exact=True)).to_be_visible()


@pytest.mark.real_pdf
def test_a_stranger_checks_a_typed_number_the_qr_code_and_a_revoked_one(verifier_site, page):
    valid = verifier_site.valid
    page.goto(verifier_site.url + "/verify")
    expect(page.get_by_role("heading", name="Verify a certificate")).to_be_visible()

    # 1. Lower case with one wrong character: a typing mistake, told without a lookup.
    typo = with_typo(valid.number)
    assert typo != valid.number.lower()
    check_number(page, typo)
    alert = page.get_by_role("alert")
    expect(alert.get_by_text("Probably a typing mistake")).to_be_visible()
    assert "check character" in alert.inner_text()
    expect(page.locator("#status-heading")).to_have_count(0)  # no certificate shown
    field = page.get_by_label("Certificate number")
    assert field.get_attribute("aria-invalid") == "true"
    assert serious_violations(page) == []

    # 2. Typed right (still in lower case): the canonical address, "Valid certificate".
    check_number(page, valid.number.lower())
    assert page.url == f"{verifier_site.url}/verify/{valid.number}"
    assert_valid_page(page, valid)
    expect(page.get_by_role("alert")).to_have_count(0)
    assert serious_violations(page) == []

    # The page states what the PDF prints.
    pdf = rendering.pdf_bytes(valid)
    printed = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for fact in (valid.number, HOLDER, TITLE):
        assert fact in printed

    # 3. The QR code on the PDF's first page opens this same certificate.
    address = qr_text(pdf)
    assert address == f"{verifier_site.url}/verify/{valid.number}"
    response = page.goto(address)
    assert response.status == 200
    assert page.url == address
    assert_valid_page(page, valid)

    # 4. A revoked certificate says so in words, with its reason.
    revoked = verifier_site.revoked
    page.goto(verifier_site.url + "/verify")
    check_number(page, revoked.number)
    assert page.locator("#status-heading").inner_text().strip() == "Revoked"
    status = page.get_by_role("status")
    assert re.search(r"Revoked on .+\. It is not valid\.", status.inner_text())
    expect(status.get_by_text(f"{REASON} — {PUBLIC_NOTE}")).to_be_visible()
    assert INTERNAL_NOTE not in page.content()
    assert "Valid certificate" not in page.content()
    expect(page.locator("dl.verify-facts").get_by_text(REVOKED_HOLDER, exact=True)).to_be_visible()
    assert serious_violations(page) == []


def test_the_valid_page_reads_on_a_phone(verifier_site, page):
    page.set_viewport_size(PHONE)
    page.goto(verifier_site.url + "/verify")
    check_number(page, verifier_site.valid.number.lower())
    assert_valid_page(page, verifier_site.valid)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert serious_violations(page) == []
