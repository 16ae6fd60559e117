"""Every text on the certificate PDF stays in its own place, whatever the length of a name,
a title or a disclaimer: checked from the positions of the text in the PDF itself."""

from __future__ import annotations

import itertools

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from certificates.pdf import render_pdf

MM = 72 / 25.4  # points per millimetre
BORDER = 11 * MM  # the inner frame
# Lines of one paragraph may touch; two texts drawn over each other overlap by far more.
TOLERANCE = 0.6 * MM

KAZAKH_NAME = (
    "Әлия-Гүлнұр Қасымқызы Нұрланова-Жұмабаева-Төлеубекова-Сейітқалиева-Әбдіқадырова-Серікбайқызы"
)
RUSSIAN_NAME = (
    "Александра-Анастасия Константиновна Преображенская-Верхнеднепровская-"
    "Старокрымская-Новогиреевская"
)


def _longest(text: str, length: int) -> str:
    """``text`` repeated (with spaces) to exactly ``length`` characters."""
    repeated = " ".join(itertools.repeat(text, length // len(text) + 2))
    return repeated[:length].rstrip() + "я" * (length - len(repeated[:length].rstrip()))


def _facts(holder: str, language: str, **overrides) -> dict:
    facts = {
        "format": 2,
        "number": "KZM-7QX3-9D2K-M4TA-B8RZ-K",
        "kind": "qualification",
        "qualification": {"slug": "q", "title": "Базовая подготовка общественных медиаторов"},
        "holder": holder,
        "seminar": {
            "title": "Basic training for public mediators (demo)",
            "starts_on": "2026-11-23",
            "ends_on": "2026-11-27",
        },
        "criteria": [
            {"code": f"C{n}-CODE", "title": "Criterion", "met": True, "rule": None}
            for n in range(1, 8)
        ],
        "issuer": "Demo Mediation Training Centre",
        "issued_on": "2026-12-01",
        "expires_on": "2029-12-01",
        "language": language,
        "disclaimer": "Не является государственной квалификацией. " * 4,
    }
    facts.update(overrides)
    return facts


def _layout(data: bytes):
    """The page's text rectangles (with their text) and the QR image's box, in points."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        width, height = page.get_size()
        text = page.get_textpage()
        rects = []
        for index in range(text.count_rects()):
            left, bottom, right, top = text.get_rect(index)
            words = text.get_text_bounded(left, bottom, right, top).strip()
            if words:
                rects.append(((left, bottom, right, top), words))
        images = [
            obj.get_bounds()
            for obj in page.get_objects()
            if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE
        ]
        return (width, height), rects, images
    finally:
        document.close()


def _overlap(a, b) -> bool:
    return (
        min(a[2], b[2]) - max(a[0], b[0]) > TOLERANCE
        and min(a[3], b[3]) - max(a[1], b[1]) > TOLERANCE
    )


def assert_nothing_overlaps(data: bytes, printed: list[str]) -> None:
    (width, height), rects, images = _layout(data)
    (qr,) = images
    for box, words in rects:
        assert box[0] >= BORDER and box[2] <= width - BORDER, f"outside the frame: {words}"
        assert box[1] >= BORDER and box[3] <= height - BORDER, f"outside the frame: {words}"
        assert not _overlap(box, qr), f"over the QR code: {words}"
    for (a, first), (b, second) in itertools.combinations(rects, 2):
        assert not _overlap(a, b), f"{first!r} overlaps {second!r}"
    # Each text in reading order, whole: nothing was cut to make it fit.
    compact = "".join("".join(words for _, words in rects).split())
    for text in printed:
        assert "".join(text.split()) in compact, f"not printed in full: {text[:40]}…"


@pytest.mark.parametrize(
    ("language", "name"),
    [("kk", KAZAKH_NAME), ("ru", RUSSIAN_NAME)],
)
@pytest.mark.parametrize("length", [79, 200])
def test_long_names_fit_their_box(app, language, name, length):
    holder = _longest(name, length)
    assert len(holder) == length
    facts = _facts(holder, language)
    data = render_pdf(facts, "https://academy.example.kz/verify/" + facts["number"], "a.b.c")
    assert_nothing_overlaps(data, [holder, facts["number"], facts["qualification"]["title"]])


def test_every_long_text_fits(app):
    """Name, qualification title and seminar title at their forms' maximum (200
    characters), a 1,000-character disclaimer and a long public address."""
    facts = _facts(
        _longest(KAZAKH_NAME, 200),
        "kk",
        qualification={"slug": "q", "title": _longest("Қоғамдық медиаторларды даярлау", 200)},
        seminar={
            "title": _longest("Семинар по медиации в Алматы", 200),
            "starts_on": "2026-11-23",
            "ends_on": "2026-11-27",
        },
        disclaimer=_longest("Бұл сертификат мемлекет таныған біліктілік емес.", 1000),
    )
    url = "https://training.mediation-centre.example.kz/certificates/verify/" + facts["number"]
    data = render_pdf(facts, url, "a.b.c")
    assert_nothing_overlaps(
        data,
        [
            facts["holder"],
            facts["qualification"]["title"],
            facts["seminar"]["title"],
            facts["disclaimer"],
            url,
        ],
    )


@pytest.mark.parametrize(
    ("language", "heading", "issued_to", "claims"),
    [
        ("ru", "СЕРТИФИКАТ О ПРОХОЖДЕНИИ ОБУЧЕНИЯ", "Сертификат выдан:", "КВАЛИФИКАЦИОННЫЙ"),
        ("kk", "ОҚУДАН ӨТКЕНІ ТУРАЛЫ СЕРТИФИКАТ", "Сертификат иесі:", "БІЛІКТІЛІК СЕРТИФИКАТЫ"),
        ("en", "CERTIFICATE OF TRAINING COMPLETION", "Issued to", "OF QUALIFICATION"),
    ],
)
def test_the_heading_says_training_was_completed_not_a_qualification(
    app, language, heading, issued_to, claims
):
    """A platform certificate records training: no "qualification certificate" heading
    (shared/domain/review-2026-12.md, section 5)."""
    facts = _facts("Әлия Нұрланова", language)
    data = render_pdf(facts, "https://academy.example.kz/verify/" + facts["number"], "a.b.c")
    printed = " ".join(words for _, words in _layout(data)[1])
    assert heading in printed and issued_to in printed
    assert claims not in printed
