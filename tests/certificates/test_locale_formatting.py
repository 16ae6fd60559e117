"""A certificate's dates in each language's one style: the holder's page and the register in
the reader's language, the PDF in the certificate's; the CSV stays ISO for spreadsheets."""

from __future__ import annotations

from datetime import date

import pypdfium2
import pytest

from certificates.pdf import render_pdf
from lms.extensions import db

NNBSP = "\u202f"  # Babel's narrow no-break space before "г." and after "ж."
ISSUED = date(2026, 12, 6)  # valid 36 months: until 6 December 2029

LONG = {
    "en": ("6 December 2026", "6 December 2029"),
    "ru": (f"6 декабря 2026{NNBSP}г.", f"6 декабря 2029{NNBSP}г."),
    "kk": (f"2026{NNBSP}ж. 6 желтоқсан", f"2029{NNBSP}ж. 6 желтоқсан"),
}
SHORT = {
    "en": ("6 Dec 2026", "6 Dec 2029"),
    "ru": (f"6 дек. 2026{NNBSP}г.", f"6 дек. 2029{NNBSP}г."),
    "kk": (f"2026{NNBSP}ж. 06 жел.", f"2029{NNBSP}ж. 06 жел."),
}


def _speaks(user, language: str) -> None:
    user.language = language
    db.session.commit()


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_holder_reads_the_dates_in_their_language(
    trainee, trainee_client, make_qualification, issue_to, language
):
    issue_to(make_qualification(), trainee, today=ISSUED)
    _speaks(trainee, language)
    page = trainee_client.get("/certificates/").get_data(as_text=True)
    issued, valid_until = LONG[language]
    assert issued in page and valid_until in page
    assert "2026-12-06" not in page and "12/6/26" not in page


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_register_uses_the_short_date_and_its_csv_stays_iso(
    admin, admin_client, trainee, make_qualification, issue_to, language
):
    issue_to(make_qualification(), trainee, today=ISSUED)
    _speaks(admin, language)
    page = admin_client.get("/manage/certificates/").get_data(as_text=True)
    issued, valid_until = SHORT[language]
    assert issued in page and valid_until in page
    csv = admin_client.get("/manage/certificates/export.csv").get_data(as_text=True)
    assert "2026-12-06" in csv and "2029-12-06" in csv  # machine-readable, whatever the reader


def test_the_verification_page_dates_in_the_readers_language(
    app, trainee, make_qualification, issue_to
):
    certificate = issue_to(make_qualification(), trainee, today=ISSUED, language="kk")
    client = app.test_client()
    english = client.get(f"/verify/{certificate.number}", headers={"Accept-Language": "en"})
    assert "6 December 2026" in english.get_data(as_text=True)
    russian = client.get(f"/verify/{certificate.number}", headers={"Accept-Language": "ru"})
    assert LONG["ru"][0] in russian.get_data(as_text=True)


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return document[0].get_textpage().get_text_range()
    finally:
        document.close()


@pytest.mark.parametrize(
    ("language", "issued", "seminar"),
    [
        ("ru", f"1 декабря 2026{NNBSP}г.", f"23 ноября 2026{NNBSP}г. – 27 ноября 2026{NNBSP}г."),
        ("kk", f"2026{NNBSP}ж. 1 желтоқсан", f"2026{NNBSP}ж. 23 қараша – 2026{NNBSP}ж. 27 қараша"),
        ("en", "1 December 2026", "23 November 2026 – 27 November 2026"),
    ],
)
def test_the_pdf_prints_dates_in_the_certificates_language(app, language, issued, seminar):
    facts = {
        "format": 2,
        "number": "KZM-7QX3-9D2K-M4TA-B8RZ-K",
        "kind": "attendance",
        "qualification": {"slug": "q", "title": "Title"},
        "holder": "Әсел Төлеуова",
        "seminar": {"title": "Seminar", "starts_on": "2026-11-23", "ends_on": "2026-11-27"},
        "criteria": [],
        "issuer": "Demo Mediation Training Centre",
        "issued_on": "2026-12-01",
        "expires_on": None,
        "language": language,
        "disclaimer": "",
    }
    with app.test_request_context(headers={"Accept-Language": "en"}):  # not the reader's
        text = " ".join(_pdf_text(render_pdf(facts, "https://example.kz/verify/x", "t")).split())
    # fit_text writes white space as plain spaces (Babel's narrow no-break space included).
    assert " ".join(issued.split()) in text
    assert " ".join(seminar.split()) in text
