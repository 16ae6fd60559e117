"""Certificates from a spreadsheet (issue 21) in a real browser: a trainer downloads the CSV
template, fills it in (one certificate to issue, one to revoke), uploads it, reads the dry
run (also on a 375-pixel phone: no sideways scroll), applies it after the confirmation,
downloads the result file and reads it, then uploads the same file again and is told every
row is already done. Each page passes axe (no serious or critical violation)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from certificates import issuance
from certificates.models import Certificate, QualificationKind
from certificates.qualifications import QualificationData, save_qualification
from certificates.spreadsheet_io import COLUMNS
from lms.extensions import db
from tests.certificates.factories import complete
from tests.e2e.accessibility import serious_violations
from tests.e2e.sessions import log_in

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
PAGE = "/manage/certificates/spreadsheet"


@dataclass
class Sheet:
    url: str
    trainer: object
    fresh: object  # completed the course: the file issues them a certificate
    held: Certificate  # the file revokes it
    slug: str


@pytest.fixture
def sheet_site(app, live_server, make_user, make_course, trainer) -> Sheet:
    course = make_course("Mediation law", modules=1)
    qualification = save_qualification(
        QualificationData(
            slug="sheet-journey",
            kind=QualificationKind.QUALIFICATION.value,
            titles={"en": "Mediation law", "ru": "Право медиации", "kk": "Медиация құқығы"},
            disclaimers={"en": "Not a state qualification.", "ru": "Не гос.", "kk": "Емес."},
            requires_identity=False,
            validity_months=36,
            course_ids=[course.id],
        )
    )
    ready = make_user(email="ready@example.kz", full_name="Дана Серікқызы Әлиева")
    fresh = make_user(email="fresh@example.kz", full_name="Ерлан Маратұлы Омаров")
    for person in (ready, fresh):
        complete(person, course)
    held, created = issuance.issue(qualification, ready, None, by=trainer, language="en")
    assert created
    db.session.commit()
    return Sheet(live_server.url, trainer, fresh, held, qualification.slug)


def _downloaded(page, link) -> bytes:
    with page.expect_download() as download:
        link.click()
    return Path(download.value.path()).read_bytes()


def _filled_template(template: bytes, site: Sheet) -> bytes:
    """The template's own header (in the trainer's language) with two rows under it, as a
    trainer would write them."""
    (header,) = list(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
    assert len(header) == len(COLUMNS)  # the template's columns, in their order

    def line(**cells) -> list[str]:
        return [cells.get(key, "") for key in COLUMNS]

    rows = [
        header,
        line(action="issue", email=site.fresh.email, qualification=site.slug),
        line(
            action="revoke",
            number=site.held.number,
            reason="Issued to the wrong person",
            reason_code="issued_in_error",
        ),
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _upload(page, data: bytes) -> None:
    page.locator("#file").set_input_files(
        files=[{"name": "certificates.csv", "mimeType": "text/csv", "buffer": data}]
    )
    with page.expect_navigation():
        page.locator("#submit").click()


def _outcomes(page) -> list[str]:
    cells = page.locator("section[aria-labelledby='plan-heading'] tbody tr td:nth-child(4)")
    return [text.strip() for text in cells.all_inner_texts()]


def _fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_trainer_issues_and_revokes_from_a_csv_file(sheet_site, browser):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(15_000)
    try:
        page = log_in(context, sheet_site.url, sheet_site.trainer.email)
        page.goto(sheet_site.url + PAGE)
        expect(page.get_by_role("heading", name="Certificates from a spreadsheet")).to_be_visible()
        assert serious_violations(page) == []
        template = _downloaded(page, page.get_by_role("link", name="template (.csv)"))
        assert template.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads it as UTF-8
        data = _filled_template(template, sheet_site)

        # The dry run: every row's outcome, nothing changed yet.
        _upload(page, data)
        expect(page.get_by_label("Spreadsheet (.xlsx or .csv)")).to_have_count(1)
        assert "/spreadsheet/check?ref=" in page.url
        plan = page.locator("#plan-heading")
        assert plan.inner_text() == "Dry run: nothing has changed yet"
        assert _outcomes(page) == ["Would issue", "Would revoke"]
        expect(page.get_by_text(sheet_site.held.number).first).to_be_visible()
        assert serious_violations(page) == []
        db.session.expire_all()
        assert db.session.get(Certificate, sheet_site.held.id).status == "valid"
        dry_run = page.url

        # The same dry run on a phone: the table stacks, the page does not scroll sideways.
        phone = context.new_page()
        phone.set_viewport_size(PHONE)
        phone.goto(dry_run)
        expect(phone.locator("#plan-heading")).to_be_visible()
        assert _fits(phone, PHONE["width"])
        expect(phone.get_by_role("button", name="Apply 2 changes")).to_be_visible()
        assert serious_violations(phone) == []
        phone.close()

        # Apply, after the question; the page says what was done.
        questions = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        with page.expect_navigation():
            page.get_by_role("button", name="Apply 2 changes").click()
        assert questions and questions[0].startswith("Apply 2 changes?")
        assert plan.inner_text() == "Applied"
        assert _outcomes(page) == ["Issued", "Revoked"]
        db.session.expire_all()
        assert db.session.get(Certificate, sheet_site.held.id).status == "revoked"
        new = db.session.scalar(
            select(Certificate).where(Certificate.holder_id == sheet_site.fresh.id)
        )
        assert new is not None and new.status == "valid"
        expect(page.get_by_text(new.number)).to_be_visible()
        assert serious_violations(page) == []

        # The result file: every row of the file, its outcome and the new number.
        result = _downloaded(page, page.get_by_role("link", name="CSV file (.csv)"))
        rows = list(csv.reader(io.StringIO(result.decode("utf-8-sig"))))
        header = rows[0]
        assert header[-3:] == ["Outcome", "Message", "New certificate number"]
        body = [dict(zip(header, row, strict=True)) for row in rows[1:]]
        assert [row["Outcome"] for row in body] == ["Issued", "Revoked"]
        assert body[0]["Holder e-mail"] == sheet_site.fresh.email
        assert body[0]["New certificate number"] == new.number
        assert body[1]["Certificate number"] == sheet_site.held.number
        assert body[1]["New certificate number"] == ""

        # The same file again: every row already done, nothing to apply.
        page.goto(sheet_site.url + PAGE)
        _upload(page, data)
        assert _outcomes(page) == ["Already done: skipped", "Already done: skipped"]
        expect(page.get_by_text("Every row is already done")).to_be_visible()
        expect(page.get_by_role("button", name="Apply")).to_have_count(0)
        assert serious_violations(page) == []
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize(
    ("language", "outcomes", "apply"),
    [
        ("ru", ["Будет выдан", "Будет отозван"], "Применить 2 изменения"),
        ("kk", ["Беріледі", "Күші жойылады"], "2 өзгерісті қолдану"),
    ],
)
def test_the_page_and_its_dry_run_fit_a_phone_in_russian_and_kazakh(
    sheet_site, browser, language, outcomes, apply
):
    """Longer labels (the upload button, the outcomes) still fit 375 pixels."""
    sheet_site.trainer.language = language
    db.session.commit()
    context = browser.new_context(viewport=PHONE, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(15_000)
    try:
        page = log_in(context, sheet_site.url, sheet_site.trainer.email)
        page.goto(sheet_site.url + PAGE)
        assert _fits(page, PHONE["width"])
        assert serious_violations(page) == []
        template = _downloaded(page, page.locator("a[href$='/spreadsheet/template.csv']"))
        _upload(page, _filled_template(template, sheet_site))
        assert _outcomes(page) == outcomes
        expect(page.get_by_role("button", name=apply)).to_be_visible()
        assert _fits(page, PHONE["width"])
        assert serious_violations(page) == []
    finally:
        context.close()
