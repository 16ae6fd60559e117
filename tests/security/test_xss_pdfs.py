"""Hostile text in rendered certificate PDFs (issue 18): real certificates issued through the
services to holders whose names, and the seminar and qualification titles a trainer or an
administrator types, are the XSS payloads and strings hostile to PDF itself (unbalanced
parentheses and backslashes, PDF names and action dictionaries, file-structure keywords),
direction overrides, combining marks, characters the font lacks, Kazakh letters and the
longest name allowed.

Each PDF is downloaded over HTTP by its holder and by the trainer: it is made (no 500), both
parsers (pypdf and pdfium) read every text as the literal characters typed (a character the
bundled font lacks is drawn as U+FFFD, never dropped silently), its metadata holds them
exactly, and it carries nothing active: no JavaScript, no action of any kind, no link but the
certificate's own verification address, and no attachment but ``certificate.jws``. The
structure is checked twice: walking the objects pypdf parsed, and lexing the raw bytes (a
name smuggled out of a string would show as a name token there).
"""

from __future__ import annotations

import io
import re
from functools import cache

import pypdfium2
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject
from sqlalchemy import select

from certificates import issuance, pdf, rendering
from certificates.facts import verify_url
from certificates.qualifications import QualificationData, save_qualification
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.text import normalise_person_name
from tests.certificates.factories import attend, make_seminar, seat
from tests.security.xss import PAYLOADS

pytestmark = pytest.mark.real_pdf

KAZAKH = "Әсел Ғалымқызы Қаңтарбаева-Өмірұлы Үһі әғқңөұүһі ӘҒҚҢӨҰҮҺІ"
CASES = {
    **{f"xss-{number}": payload for number, payload in enumerate(PAYLOADS)},
    "parentheses": r"Ali (( Khan ) \ \\ ) ( Ali \) \( \\\ ",
    "pdf names": "/JavaScript /JS /OpenAction /AA /Launch /EmbeddedFile /SubmitForm /URI",
    "action dictionary": "<< /S /JavaScript /JS (app.alert(1)) >>",
    "string break-out": ") >> /OpenAction << /S /JavaScript /JS (app.alert(2)) >> (",
    "file structure": "%PDF-1.7 endstream endobj trailer startxref %%EOF",
    "direction override": "Asel \u202eexe.tnemucod\u202c Tuleuova",
    "combining marks": "Zoe\u0308 Ana\u0301 q\u0307 Kazi\u0306m Ѐ\u0325",
    "missing glyphs": "Asel 😀 \U0001f9d1\u200d\U0001f91d 王芳 Tuleuova",
    "kazakh": KAZAKH,
    "longest": (KAZAKH + " " + PAYLOADS[0] + " ") * 3,
}
ACTIVE_KEYS = {
    "/JS", "/JavaScript", "/AA", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm",
    "/RichMedia", "/XFA", "/AcroForm", "/GoToR", "/GoToE", "/Movie", "/Sound", "/Rendition",
}  # fmt: skip
# Action types (ISO 32000 12.6.4) but /GoTo, a jump within the document.
ACTIONS = {
    "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm", "/URI", "/GoToR",
    "/GoToE", "/Rendition", "/Movie", "/Sound", "/Hide", "/Named", "/SetOCGState", "/Trans",
    "/GoTo3DView", "/RichMediaExecute", "/Thread",
}  # fmt: skip
NAME_TOKEN = re.compile(rb"/[^\s()<>\[\]{}/%]*")
LINE_END = re.compile(rb"[\r\n]")


@cache
def _glyphs() -> frozenset[int]:
    """The code points both bundled faces (regular and bold) draw."""
    faces = (pdf.FONTS / "DejaVuSans.ttf", pdf.FONTS / "DejaVuSans-Bold.ttf")
    regular, bold = (TTFont(path).getBestCmap() for path in faces)
    return frozenset(regular) & frozenset(bold)


def _as_printed(text: str) -> str:
    """``text`` as the certificate should print it: white space folded, a character the
    font lacks shown as U+FFFD."""
    text = " ".join(text.split())
    return "".join(ch if ord(ch) in _glyphs() else "\ufffd" for ch in text)


def _compact(text: str) -> str:
    return "".join(text.split())


# --- what a PDF holds ----------------------------------------------------------------------


def _walk(reader: PdfReader) -> list[tuple[str, object, object]]:
    """Every (key, value, dictionary) of every dictionary reachable from the trailer."""
    found, seen, stack = [], set(), [reader.trailer]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                found.append((str(key), value, item))
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return found


def _raw_tokens(data: bytes) -> tuple[list[bytes], list[bytes]]:
    """The name tokens and the comments of the file as a lexer sees them: outside literal
    and hex strings and stream data (where the hostile text may be, as data)."""
    names, comments, i, n = [], [], 0, len(data)
    while i < n:
        char = data[i : i + 1]
        if char == b"(":
            depth, i = 1, i + 1
            while i < n and depth:
                if data[i : i + 1] == b"\\":
                    i += 2
                    continue
                depth += {b"(": 1, b")": -1}.get(data[i : i + 1], 0)
                i += 1
        elif char == b"<" and data[i + 1 : i + 2] != b"<":
            i = data.index(b">", i) + 1
        elif char == b"<":
            i += 2
        elif char == b"%":
            end = LINE_END.search(data, i)
            comments.append(data[i : end.start() if end else n])
            i = end.end() if end else n
        elif char == b"/":
            token = NAME_TOKEN.match(data, i)
            names.append(token.group())
            i = token.end()
        elif data.startswith(b"stream", i) and data[i + 6 : i + 7] in (b"\r", b"\n"):
            i = data.index(b"endstream", i) + len(b"endstream")
        else:
            i += 1
    return names, comments


def active_content(data: bytes, own_url: str, token: str) -> list[str]:
    """What in the PDF could act or reach out: JavaScript, actions, links other than
    ``own_url``, attachments other than the signed record, an open action that is not a
    plain page destination."""
    found = []
    reader = PdfReader(io.BytesIO(data), strict=True)
    for key, value, where in _walk(reader):
        if key in ACTIVE_KEYS:
            found.append(f"{key} in the document")
        if key == "/S" and value in ACTIONS and where.get("/URI") != own_url:
            found.append(f"an action {value}")
        if key == "/URI" and str(value) != own_url:
            found.append(f"a link to {value!r}")
        if key == "/OpenAction" and not (
            isinstance(value, ArrayObject) and isinstance(value[0], IndirectObject)
        ):
            found.append(f"an open action that is not a destination: {value!r}")
        if isinstance(value, NameObject) and value in ACTIVE_KEYS:
            found.append(f"the name {value} as a value of {key}")
        if key == "/Type" and value == "/EmbeddedFile" and where.get_data() != token.encode():
            found.append("an embedded file other than the signed record")
    attached = {name: [bytes(c) for c in files] for name, files in reader.attachments.items()}
    if attached != {"certificate.jws": [token.encode()]}:
        found.append(f"attachments {sorted(reader.attachments)}")
    raw, comments = _raw_tokens(data)
    found += [f"raw name {name!r}" for name in raw if name.decode("latin-1") in ACTIVE_KEYS]
    found += [f"raw name {name!r}" for name in raw if name == b"/URI"]
    if raw.count(b"/OpenAction") > 1:
        found.append("more than one /OpenAction")
    if not data.startswith(b"%PDF-") or [c for c in comments if c.startswith(b"%PDF")] != [
        comments[0]
    ]:
        found.append("a file header that is not the first line, or a second one")
    if [c for c in comments if c.startswith(b"%%EOF")] != [b"%%EOF"]:
        found.append("an end of file marker that is not the only one")
    return found


def texts_of(data: bytes) -> tuple[str, str, PdfReader]:
    """The page's text as pypdf and as pdfium read it, and the parsed document."""
    reader = PdfReader(io.BytesIO(data), strict=True)
    document = pypdfium2.PdfDocument(data)
    try:
        by_pdfium = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    return reader.pages[0].extract_text(), by_pdfium, reader


# --- the certificates ----------------------------------------------------------------------


def _holder(make_user, text: str, number: int) -> User:
    """A trainee named ``text`` through the sign-up service; a name the service refuses
    (a direction override) is written straight into the row, as older data might be."""
    name = text[:200].strip()
    try:
        normalise_person_name(name, field="full_name", max_length=200, min_length=2)
    except ServiceError:
        user = make_user(email=f"hostile{number}@example.kz")
        user.full_name = name
        db.session.commit()
        return user
    return make_user(email=f"hostile{number}@example.kz", full_name=name)


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_name_and_titles_print_as_text_in_a_pdf_with_nothing_active(
    app, make_course, trainer, make_user, login, case
):
    text = CASES[case]
    number = list(CASES).index(case)
    language = ("kk", "ru", "en")[number % 3]
    holder = _holder(make_user, text, number)
    qualification = save_qualification(
        QualificationData(
            slug=f"hostile-{number}",
            kind="attendance",
            titles=dict.fromkeys(("en", "ru", "kk"), text[:200]),
            disclaimers=dict.fromkeys(("en", "ru", "kk"), "Not a state qualification."),
            min_hours="4",
            requires_identity=False,
            validity_months=36,
        )
    )
    seminar = make_seminar(make_course(), trainer, [("Day 1", 4)], title=text[:200])
    seat(seminar, holder)
    attend(seminar.sessions[0], trainer, {holder: "present"})

    certificate, created = issuance.issue(
        qualification, holder, seminar, by=trainer, language=language
    )
    assert created
    facts = certificate.facts
    own_url = verify_url(certificate.number)
    data = rendering.pdf_bytes(certificate)
    for client, url in (
        (login(holder), f"/certificates/{certificate.id}/pdf"),
        (login(trainer), f"/manage/certificates/{certificate.id}/pdf"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/pdf"
        assert response.data == data, url

    assert active_content(data, own_url, certificate.jws) == []
    by_pypdf, by_pdfium, reader = texts_of(data)
    printed = [facts["holder"], facts["qualification"]["title"], facts["seminar"]["title"]]
    for value in printed:
        for reading in (by_pypdf, by_pdfium):
            assert _compact(_as_printed(value)) in _compact(reading), (value, reading)
    assert facts["holder"] in reader.metadata.title
    assert facts["qualification"]["title"] in reader.metadata.subject  # after the kind
    assert certificate.number in by_pypdf and own_url in _compact(by_pypdf)


def test_the_checks_find_what_they_look_for():
    """``active_content`` is not blind: a PDF with a JavaScript open action, a foreign link
    and a name smuggled out of a string is reported on each count."""
    token = "a.b.c"
    body = (
        b"%PDF-1.7\n1 0 obj\n<</Type/Catalog/Pages 2 0 R"
        b"/OpenAction<</S/JavaScript/JS(app.alert\\(1\\))>>>>\nendobj\n"
        b"2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n"
        b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]"
        b"/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 1 1]"
        b"/A<</S/URI/URI(https://evil.example/)>>>>]>>\nendobj\n"
        b"4 0 obj\n<</Title(x) /AA<<>>>>\nendobj\n"
    )
    offsets, position = [], 0
    for number in range(1, 5):
        position = body.index(b"%d 0 obj" % number, position)
        offsets.append(position)
    xref = len(body)
    body += b"xref\n0 5\n0000000000 65535 f \n"
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<</Size 5/Root 1 0 R/Info 4 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
    found = " | ".join(active_content(body, "https://academy.example.kz/verify/X", token))
    for expected in ("/JS in", "an action /JavaScript", "https://evil.example/", "open action",
                     "/AA in", "raw name b'/JavaScript'", "attachments"):  # fmt: skip
        assert expected in found, (expected, found)


def test_a_name_with_a_direction_override_is_refused_at_sign_up(app, make_user):
    with pytest.raises(ServiceError):
        make_user(full_name=CASES["direction override"])
    assert db.session.scalar(select(User).where(User.full_name.contains("\u202e"))) is None
