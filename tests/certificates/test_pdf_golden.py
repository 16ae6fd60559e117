"""The certificate PDF's bytes never change for the same facts.

PDFs are not kept: a download renders the certificate again from its signed facts and checks
the bytes against the SHA-256 recorded at issue (``certificates.rendering.pdf_bytes``). A
change to the renderer that moves one byte of an existing certificate's PDF makes every issued
certificate undownloadable. These are fixed facts (no dates, numbers or names made at run
time) through every path of ``certificates.pdf``: the classic layout (formats 1 and 2) with
the core and the full fonts, the designed one (format 3) in Kazakh, Russian and English, its
bilingual page, a holder's copy, a text cut at the smallest size and the SAMPLE previews.

The digests were recorded from commit a9532cb (before the renderer was made faster) and must
NEVER change: issued certificates' PDFs are regenerated and checked against recorded hashes.
A test failing here means the change breaks issued certificates; change the code, not these.
The labels are those of the compiled catalogs (``make translations``) of that commit.
"""

from __future__ import annotations

import base64
import copy
import hashlib

import pytest
from flask_babel import force_locale, gettext

from certificates.pdf import render_pdf
from lms import file_storage, site_settings

NUMBER = "KZM-7QX3-9D2K-M4TA-B8RZ-K"
URL = "https://academy.example.kz/certificates/verify/" + NUMBER
TOKEN = (
    "eyJhbGciOiJFZERTQSIsImtpZCI6ImtleS0yMDI2LTEyIiwidHlwIjoidm5kLmNlcnRpZmljYXRlK2p3cyJ9."
    "eyJudW1iZXIiOiJLWk0tN1FYMy05RDJLLU00VEEtQjhSWi1LIiwiaG9sZGVyIjoiw4bDpnNlbCJ9."
    "c2lnbmF0dXJlLW9mLXRoZS1jZXJ0aWZpY2F0ZS1mYWN0cy1vdmVyLWVkMjU1MTktNjQtYnl0ZXMtbG9uZw"
)

# The site images as stored (``site_settings.store_image`` output): constant bytes, not made
# by this Pillow. A PNG without and one with transparency, and a JPEG.
LOGO_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAAAPElEQVR42u3OAQkAIBDAwAl+Z+NbQ+TGAtyqM/XOu+mp"
    "gICAgICAgICAgICAgICAgICAgICAgICAgH4GXR1bAwzB1mHYAAAAAElFTkSuQmCC"
)
SIGNATURE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAFoAAAAUCAYAAAAN+ioeAAAAiklEQVR42u2YQQ6AMAzDyP8fHa6ICxpsyIH4PupW7dSx"
    "baWUUqgI5OIw36E8FFDclIKbKuyPTKSpon7g4oBmEaHQnhTfsDwuHXQ4JGAH0zr8djydDosiFhBjKI4Wia7s4sipUe/P"
    "dyZFEz9O2ghwm40W7biUBwVmV1dfbe/koYmSsf8hAvMopfyDHbilJgsKMPj4AAAAAElFTkSuQmCC"
)
SEAL_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsL"
    "EBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU"
    "FBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAAoACgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcI"
    "CQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRol"
    "JicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ip"
    "qrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAA"
    "AAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLR"
    "ChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaX"
    "mJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEA"
    "PwD5I0p/u12WlP0rhtJf7tdlpT/dr+psZjt9T8lx8dzudJfpXZaU/wB2uF0p/u12elP92vhsZjt9T84x8dzudKf7tFQa"
    "U/3aK+Pq473tz4GvH32fF+kv0rstKf7tcNpT9K7LSX+7X1OMx2+p/R+PjudzpT/drstJfpXDaU/3a7LSn+7Xw2Mx2+p+"
    "cY+O53WlP0oqvpT9KK+Pq473tz4KvH3z4w0p/u12OlP92iivs8ZVnrqf0bj1udnpT/drstKf7tFFfDYyrPXU/OMetzst"
    "JfpRRRXx9WrPm3Pga698/9k="
)
IMAGES = {"logo": LOGO_PNG, "signature": SIGNATURE_PNG, "seal": SEAL_JPEG}


def _stored(data: bytes, extension: str) -> str:
    return f"{hashlib.sha256(data).hexdigest()}.{extension}"


STORED = {
    "logo": _stored(LOGO_PNG, "png"),
    "signature": _stored(SIGNATURE_PNG, "png"),
    "seal": _stored(SEAL_JPEG, "jpg"),
}

CRITERIA = [
    {"code": "C1-LAW", "title": "Законодательство о медиации", "met": True, "rule": None},
    {"code": "C2-ETH", "title": "Этика медиатора", "met": True, "rule": "compensable"},
    {"code": "C3-PRC", "title": "Процедура медиации", "met": False, "rule": "compensable"},
    {"code": "C4-COM", "title": "Коммуникация в конфликте", "met": True, "rule": None},
]
SEMINAR = {
    "title": "Базовая подготовка общественных медиаторов, Алматы",
    "starts_on": "2026-11-23",
    "ends_on": "2026-11-27",
}


def _classic(language: str, **overrides) -> dict:
    """Facts of format 2 (the classic layout, no design)."""
    facts = {
        "format": 2,
        "number": NUMBER,
        "kind": "qualification",
        "qualification": {"slug": "basic", "title": "Базовая подготовка общественных медиаторов"},
        "holder": "Әсел Нұрланқызы Жұмабаева",
        "seminar": copy.deepcopy(SEMINAR),
        "criteria": [{key: row[key] for key in ("code", "met", "rule")} for row in CRITERIA],
        "issuer": "Demo Mediation Training Centre",
        "issued_on": "2026-12-01",
        "expires_on": "2029-12-01",
        "language": language,
        "disclaimer": "Не является государственной квалификацией и не вносит в реестр медиаторов.",
    }
    facts.update(overrides)
    return facts


TEXTS = {
    "kk": {
        "issuer": "Алматы медиация орталығы",
        "address": "Алматы қ., Абай даңғылы, 10",
        "signatory_name": "Айгүл Серікова",
        "signatory_title": "Оқу орталығының директоры",
        "qualification": "Қоғамдық медиаторларды базалық даярлау",
        "seminar": "Қоғамдық медиаторларды базалық даярлау, Алматы",
        "criteria": [
            "Медиация туралы заңнама",
            "Медиатор этикасы",
            None,
            "Жанжалдағы коммуникация",
        ],
        "disclaimer": "Мемлекеттік біліктілік емес және медиаторлар тізіліміне енгізбейді.",
    },
    "ru": {
        "issuer": "Алматинский центр медиации",
        "address": "г. Алматы, проспект Абая, 10",
        "signatory_name": "Айгуль Серикова",
        "signatory_title": "Директор учебного центра",
        "qualification": "Базовая подготовка общественных медиаторов",
        "seminar": SEMINAR["title"],
        "criteria": [row["title"] for row in CRITERIA],
        "disclaimer": "Не является государственной квалификацией и не вносит в реестр медиаторов.",
    },
    "en": {
        "issuer": "Almaty Mediation Centre",
        "address": "10 Abay Avenue, Almaty",
        "signatory_name": "Aigul Serikova",
        "signatory_title": "Director of the training centre",
        "qualification": "Basic training for public mediators",
        "seminar": "Basic training for public mediators, Almaty",
        "criteria": ["Mediation law", "Mediator ethics", "Mediation procedure", None],
        "disclaimer": "Not a state qualification; does not enter anyone in a register.",
    },
}


def _designed(language: str, template: str, *, holder="Әсел Нұрланқызы Жұмабаева", **overrides):
    """Facts of format 3, as ``certificates.facts.facts_of`` makes them."""
    own = TEXTS[language]
    criteria = copy.deepcopy(CRITERIA)
    for row, title in zip(criteria, own["criteria"], strict=True):
        if title:
            row["title"] = title
    facts = {
        "format": 3,
        "number": NUMBER,
        "kind": "qualification",
        "qualification": {"slug": "basic", "title": own["qualification"]},
        "holder": holder,
        "seminar": {**SEMINAR, "title": own["seminar"]},
        "criteria": criteria,
        "issuer": own["issuer"],
        "issued_on": "2026-12-01",
        "expires_on": "2029-12-01",
        "language": language,
        "disclaimer": own["disclaimer"],
        "design": {
            "template": template,
            "address": own["address"],
            "signatory": {"name": own["signatory_name"], "title": own["signatory_title"]},
            "images": dict(STORED),
        },
        "translations": {
            code: copy.deepcopy(texts) for code, texts in TEXTS.items() if code != language
        },
    }
    facts.update(overrides)
    return facts


LONG_NAME = (
    "Александра-Анастасия Константиновна Преображенская-Верхнеднепровская-"
    "Старокрымская-Новогиреевская Әлия-Гүлнұр Қасымқызы Нұрланова-Жұмабаева-Төлеубекова"
)
LONG_DISCLAIMER = "Бұл сертификат мемлекет таныған біліктілік емес. " * 150  # cut with "…"
# Cut as well, and the letters of its end are on no other line of the page: the trial layouts
# put them in the font subset all the same, and the bytes keep them there.
CUT_TAIL = LONG_DISCLAIMER + "QXZ qxz Ёё №§ 1907"


def _cases() -> dict[str, tuple[dict, dict]]:
    """Each case: the facts and the keyword arguments of ``render_pdf``."""
    attendance = _classic(
        "en",
        kind="attendance",
        criteria=[],
        expires_on=None,
        holder="Zoë Łukasik-Çelik",
        qualification={"slug": "seminar", "title": "Mediation basics seminar"},
        issuer="Demo Mediation Training Centre",
        disclaimer="This certificate records training on this platform. It is not a state "
        "qualification and does not enter anyone in a register of mediators.",
    )
    no_design_images = _designed("ru", "classic")
    no_design_images["design"]["images"] = {}
    no_design_images["design"]["signatory"] = None
    no_design_images["design"]["address"] = ""
    return {
        "format1_ru": (_classic("ru", format=1, criteria=[]), {}),
        "classic_kk": (_classic("kk"), {}),
        "classic_ru": (_classic("ru"), {}),
        "classic_en_attendance": (attendance, {}),
        "classic_long_texts": (
            _classic("kk", holder=LONG_NAME, disclaimer=LONG_DISCLAIMER, seminar=None),
            {},
        ),
        "classic_full_fonts": (_classic("en", holder="Νίκος Παπαδόπουλος"), {}),
        "designed_kk": (_designed("kk", "classic"), {}),
        "designed_ru": (_designed("ru", "classic"), {}),
        "designed_en": (_designed("en", "classic", holder="Aigerim Nurlanova"), {}),
        "designed_kk_copy_in_en": (_designed("kk", "classic"), {"language": "en"}),
        "designed_ru_copy_in_kk": (_designed("ru", "classic"), {"language": "kk"}),
        "designed_full_fonts": (_designed("ru", "classic", holder="ნინო ბერიძე"), {}),
        "designed_no_images": (no_design_images, {}),
        "designed_long_texts": (
            _designed("kk", "classic", holder=LONG_NAME, disclaimer=LONG_DISCLAIMER),
            {},
        ),
        "designed_sample_ru": (_designed("ru", "classic"), {"sample": True}),
        "classic_cut_tail": (_classic("kk", disclaimer=CUT_TAIL, expires_on=None), {}),
        "designed_cut_tail": (_designed("kk", "classic", disclaimer=CUT_TAIL), {}),
        "bilingual_kk": (_designed("kk", "bilingual"), {}),
        "bilingual_ru": (_designed("ru", "bilingual"), {}),
        "bilingual_copy_in_en": (_designed("ru", "bilingual"), {"language": "en"}),
        "bilingual_full_fonts": (_designed("kk", "bilingual", holder="Անի Սարգսյան"), {}),
        "bilingual_sample": (_designed("kk", "bilingual"), {"sample": True}),
    }


# Recorded from commit a9532cb. NEVER change these: issued certificates' PDFs are rendered
# again on download and checked against the SHA-256 recorded at issue.
DIGESTS = {
    "bilingual_copy_in_en": "984ff72e9f15bab3f2b086a99ed7fc38e9b9997eaa2752945e5167641034e7c3",
    "bilingual_full_fonts": "d4bf3696a270522f4c82dfee0980cf22b4d45e1fa1641020e162dc3b1b3e4805",
    "bilingual_kk": "a8fba92354f412d37542f7a0dce21e9a68ae3b610c74bff0b56bedf7c18b61ce",
    "bilingual_ru": "d72f3d6f29f99c714f152674043c9798269a9650ae433acb6761e132a8dbfaab",
    "bilingual_sample": "85ed8efef57afddd59bf8aaaccacf276845f4e0b67be86d7de869ca596aaaa24",
    "classic_cut_tail": "d4b3415673b357ffc435bf6c8b755fe9a21777a5df8a1817abe2c59e7574eb57",
    "classic_en_attendance": "b6834077a5cde326f105adad2be57efa5f572c0a21de83dc718b6088b1c15b89",
    "classic_full_fonts": "c66d616f8d2bf61f26b8c08ddd42d85dfa39089e8b984289a59fb059013d4515",
    "classic_kk": "48adcd2c9e0cb127b3928f39e6644ad426477d328b967a76a4b7c365c43586d9",
    "classic_long_texts": "19c13052b29fd7ed4277d8dd4de1b306b600899f6558a3a4795607d68e383118",
    "classic_ru": "731881bf4a801b1148335ea74d9e2b4aacbe1c84a347e3ff67024ac7b7b6c754",
    "designed_cut_tail": "83cb22b42a9cfaff438c05de8c2d54550c8cc45e695c29acd5c4c87c2234fb54",
    "designed_en": "c47bab27f248c70905047ad76d1bc7b5d5b8b24c59f653aa379af50212f7c22d",
    "designed_full_fonts": "40f2bf4004ce5fd28c50798d0a1d26af0ffb40f9e9f9329c32483f4494741564",
    "designed_kk": "055e5643793d0a4c13afec0d7d5d4bdd585e661d5492cd8b1b14d14520f9b616",
    "designed_kk_copy_in_en": "709399adc6f842cc175f24d2bb9944df75ea7964a69ed8329b293fccf377de3a",
    "designed_long_texts": "8b9c2667d24766a26ac5540aa6cc9b379614f2ba16061e980d9bbfa024dbe0f6",
    "designed_no_images": "338232cf0ea354b6a1579c05dfc5e7e4cf173bc28d67eaf4439655dd42fe7e60",
    "designed_ru": "fbc60c3e80d4a6f42adec0a6f912733b1bf47097eb450ae58eb81ae5a067159f",
    "designed_ru_copy_in_kk": "5fd7137d790cb2e894395b7c04a0cfffab0e9bee4a25520a093c54305c7edc74",
    "designed_sample_ru": "f909bb02b584b44720220517b4853963b66b0c462d8e87831cb9ead43ac71ede",
    "format1_ru": "66ce3ba0b2fc83ad6b5917e9058cd1a2854d5bc5e1cd54f61067cd05ce9431ae",
}


@pytest.fixture
def stored_images(app):
    for name, data in IMAGES.items():
        file_storage.put(site_settings.image_path(STORED[name]), data)


def test_every_case_has_a_recorded_digest(app):
    assert set(_cases()) == set(DIGESTS)
    with force_locale("kk"):  # the labels come from the compiled catalogs
        assert gettext("Issued to") != "Issued to", "compile the catalogs: make translations"


@pytest.mark.parametrize("case", sorted(_cases()))
def test_the_pdf_bytes_are_the_recorded_ones(stored_images, case):
    facts, options = _cases()[case]
    data = render_pdf(facts, URL, TOKEN, **options)
    assert hashlib.sha256(data).hexdigest() == DIGESTS[case]
    # Again, with whatever the process remembers from the first (fonts, layouts, widths).
    assert render_pdf(facts, URL, TOKEN, **options) == data


def _plain_fpdf2(monkeypatch):
    """``certificates.pdf`` drawing as fpdf2 alone would: its own font embedding, trial
    layouts run every time, text widths summed every time."""
    from fpdf.fonts import TTFFont
    from fpdf.output import OutputProducer

    from certificates import pdf

    def lines(document, text, width, height, align):
        return document.multi_cell(width, height, text, align=align, dry_run=True, output="LINES")

    monkeypatch.setattr(pdf._Producer, "_add_fonts", OutputProducer._add_fonts)
    monkeypatch.setattr(pdf, "_lines", lines)
    monkeypatch.setattr(pdf._MeasuredFont, "get_text_width", TTFFont.get_text_width)


def test_what_the_process_keeps_changes_no_byte(stored_images, monkeypatch):
    """Beyond the recorded cases: names and numbers drawn with what the process keeps (after
    other certificates filled it) give the bytes fpdf2 alone gives for them."""
    import random

    rng = random.Random(20261207)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    names = ["Әсел Төлеуова", "Сергей Петров-Водкин", "Zoë Łukasik", "Νίκος Π.", LONG_NAME]
    cases = []
    for k, name in enumerate(names):
        number = "KZM-" + "-".join("".join(rng.sample(letters, 4)) for _ in range(4)) + "-K"
        holder = f"{name} {''.join(rng.sample('абвгдежзийклмнопрстуфхцчшщыэюя', 5))}"
        language = ("kk", "ru", "en")[k % 3]
        cut = {"disclaimer": CUT_TAIL} if k in (1, 2) else {}
        if k % 2:
            facts = _classic(language, holder=holder, number=number, **cut)
        else:
            template = "bilingual" if k == 4 else "classic"
            facts = _designed(language, template, holder=holder, number=number, **cut)
        cases.append((facts, URL.replace(NUMBER, number)))
    kept = [render_pdf(facts, url, TOKEN) for facts, url in cases]
    _plain_fpdf2(monkeypatch)
    assert [render_pdf(facts, url, TOKEN) for facts, url in cases] == kept
