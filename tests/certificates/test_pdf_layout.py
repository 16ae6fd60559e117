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


# --- the designed templates (facts format 3) ------------------------------------------------

LONG_CRITERION = "Знание законодательства о медиации и его применение на практике"


@pytest.fixture
def site_images(app):
    """A logo, a signature and a seal in file storage, by their content addresses."""
    import io

    from PIL import Image

    from lms import site_settings

    def png(size, colour):
        buffer = io.BytesIO()
        Image.new("RGB", size, colour).save(buffer, format="PNG")
        return site_settings.store_image(buffer.getvalue())

    return {
        "logo": png((300, 300), "navy"),
        "signature": png((900, 200), "black"),
        "seal": png((400, 400), "blue"),
    }


def _designed(holder, language, template, images, *, long_texts=False, **overrides) -> dict:
    """Facts of format 3; ``long_texts`` puts every setting at its longest."""
    from lms.site_settings import TEXTS

    def text(base, name):
        return _longest(base, TEXTS[name]) if long_texts else base

    facts = _facts(holder, language, format=3, **overrides)
    for row in facts["criteria"]:
        row["title"] = LONG_CRITERION
    texts = {
        "kk": {
            "issuer": text("Алматы медиация орталығы", "organisation_name"),
            "address": text("Алматы қ., Абай даңғылы, 10", "organisation_address"),
            "signatory_name": text("Айгүл Серікова", "signatory_name"),
            "signatory_title": text("Оқу орталығының директоры", "signatory_title"),
            "qualification": facts["qualification"]["title"],
            "seminar": facts["seminar"]["title"],
            "criteria": [LONG_CRITERION] * len(facts["criteria"]),
            "disclaimer": facts["disclaimer"],
        },
        "ru": {
            "issuer": text("Алматинский центр медиации", "organisation_name"),
            "address": text("г. Алматы, проспект Абая, 10", "organisation_address"),
            "signatory_name": text("Айгуль Серикова", "signatory_name"),
            "signatory_title": text("Директор учебного центра", "signatory_title"),
            "qualification": facts["qualification"]["title"] + " (рус.)",
            "seminar": facts["seminar"]["title"],
            "criteria": [LONG_CRITERION] * len(facts["criteria"]),
            "disclaimer": facts["disclaimer"],
        },
    }
    own = texts[language]
    facts["issuer"] = own["issuer"]
    facts["design"] = {
        "template": template,
        "address": own["address"],
        "signatory": {"name": own["signatory_name"], "title": own["signatory_title"]},
        "images": images,
    }
    facts["translations"] = {code: t for code, t in texts.items() if code != language}
    return facts


def assert_designed_layout(data: bytes, printed: list[str], images: int) -> None:
    """As :func:`assert_nothing_overlaps`, with the logo, signature and seal beside the QR
    code: every image inside the frame, none over another or over a text."""
    (width, height), rects, boxes = _layout(data)
    assert len(boxes) == images
    for box in boxes:
        assert box[0] >= BORDER and box[2] <= width - BORDER
        assert box[1] >= BORDER and box[3] <= height - BORDER
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), "two images overlap"
    for box, words in rects:
        assert box[0] >= BORDER and box[2] <= width - BORDER, f"outside the frame: {words}"
        assert box[1] >= BORDER and box[3] <= height - BORDER, f"outside the frame: {words}"
        for image in boxes:
            assert not _overlap(box, image), f"over an image: {words}"
    for (a, first), (b, second) in itertools.combinations(rects, 2):
        assert not _overlap(a, b), f"{first!r} overlaps {second!r}"
    compact = "".join("".join(words for _, words in rects).split())
    for text in printed:
        assert "".join(text.split()) in compact, f"not printed in full: {text[:40]}…"


def _printed(data: bytes) -> str:
    return " ".join(words for _, words in _layout(data)[1])


@pytest.mark.parametrize("template", ["classic", "bilingual"])
@pytest.mark.parametrize(("language", "name"), [("kk", KAZAKH_NAME), ("ru", RUSSIAN_NAME)])
@pytest.mark.parametrize("length", [79, 200])
def test_designed_long_names_fit_their_box(app, site_images, template, language, name, length):
    holder = _longest(name, length)
    facts = _designed(holder, language, template, site_images)
    data = render_pdf(facts, "https://academy.example.kz/verify/" + facts["number"], "a.b.c")
    titles = [facts["qualification"]["title"]]
    if template == "bilingual":
        titles = [t["qualification"] for t in (facts["translations"].values())] + titles
    assert_designed_layout(
        data, [holder, facts["number"], *titles, facts["design"]["signatory"]["name"]], 4
    )
    assert "SAMPLE" not in _printed(data)


@pytest.mark.parametrize("template", ["classic", "bilingual"])
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_designed_every_long_text_fits(app, site_images, template, language):
    """Every text at its longest: name, titles and seminar (200 characters), disclaimer
    (1,000), the organisation, address and signatory at the settings' limits."""
    facts = _designed(
        _longest(KAZAKH_NAME, 200),
        language,
        template,
        site_images,
        long_texts=True,
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
    design = facts["design"]
    assert_designed_layout(
        data,
        [
            facts["holder"],
            facts["qualification"]["title"],
            facts["issuer"],
            design["address"],
            design["signatory"]["name"],
            design["signatory"]["title"],
            facts["disclaimer"],
            url,
        ],
        4,
    )


@pytest.mark.parametrize("template", ["classic", "bilingual"])
def test_designed_without_images_or_signatory(app, template):
    facts = _designed(RUSSIAN_NAME, "ru", template, {})
    facts["design"]["signatory"] = None
    data = render_pdf(facts, "https://academy.example.kz/verify/" + facts["number"], "a.b.c")
    assert_designed_layout(data, [RUSSIAN_NAME], 1)


@pytest.mark.parametrize(
    ("template", "language", "words"),
    [("classic", "kk", ["ҮЛГІ"]), ("classic", "ru", ["ОБРАЗЕЦ"]),
     ("bilingual", "kk", ["ҮЛГІ", "ОБРАЗЕЦ"])],
)  # fmt: skip
def test_sample_is_printed_on_previews_only(app, site_images, template, language, words):
    facts = _designed("Әлия Нұрланова", language, template, site_images)
    url = "https://academy.example.kz/verify/PREVIEW"
    sample = _printed(render_pdf(facts, url, "x", language=language, sample=True))
    issued = _printed(render_pdf(facts, url, "x", language=language))
    for word in words:
        assert word in sample and word not in issued


def test_criteria_are_printed_by_name_never_by_code(app, site_images):
    facts = _designed("Әлия Нұрланова", "ru", "classic", site_images)
    printed = _printed(render_pdf(facts, "https://academy.example.kz/verify/X", "a.b.c"))
    assert "Знание законодательства о медиации" in printed
    assert "CODE" not in printed and "C1-" not in printed
