"""The certificate as a PDF: one A4 landscape page of real text, with a QR code to verify it.

Everything printed comes from the certificate's frozen facts (see ``certificates.facts``), in
the certificate's language, with the bundled DejaVu Sans (it covers Kazakh and Russian
letters; licence beside it). The QR code opens the verification page for the number. It carries
only that short URL, so a phone reads it easily from paper; the compact JWS travels inside the
PDF instead, as the attached file ``certificate.jws`` that ``flask --app wsgi certificates
verify-offline`` (or any JOSE library) checks without a network.
"""

from __future__ import annotations

import copy
import io
import math
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import segno
from flask_babel import force_locale
from flask_babel import gettext as _
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONTS = Path(__file__).parent / "fonts"
INK = (33, 37, 41)
ACCENT = (18, 76, 110)
MUTED = (90, 98, 104)


# Two sets of the same typeface: the "core" files are DejaVu Sans cut down (pyftsubset, see
# fonts/README.md) to Latin, Cyrillic (Kazakh and Russian letters included) and common
# punctuation and symbols: a tenth of the size, so a PDF costs a fraction of the time. A text
# with a letter outside them (Greek, Georgian, Armenian, ...) is drawn again with the full files.
CORE_SUFFIX = "-core.ttf"
CORE_FONTS = ("DejaVuSans" + CORE_SUFFIX, "DejaVuSans-Bold" + CORE_SUFFIX)
FULL_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
FAMILY = "DejaVu"
STYLES = ("", "B")


@cache
def _font_prototypes(files: tuple[str, str]) -> tuple[tuple[bytes, TTFFont], ...]:
    """Each font file's bytes and a parsed ``TTFFont``, once per process: parsing a TrueType
    font (its character map, widths and names) was most of a PDF's time. Documents get a
    copy (``_add_fonts``)."""
    sample = FPDF()
    prototypes = []
    for style, name in zip(STYLES, files, strict=True):
        sample.add_font(FAMILY, style=style, fname=str(FONTS / name))
        prototypes.append(((FONTS / name).read_bytes(), sample.fonts[f"{FAMILY.lower()}{style}"]))
    return tuple(prototypes)


def _add_fonts(pdf: FPDF, files: tuple[str, str]) -> None:
    """Add both styles to ``pdf`` as ``FPDF.add_font`` would, from the process's parsed
    prototypes: the read-only parts (character map, widths, descriptor) are shared, the
    per-document parts (used glyphs, missing glyphs, sizes) are new, and the fontTools object
    is opened afresh from the bytes in memory, since embedding subsets it in place.
    ``tests/certificates/test_pdf_fonts.py`` checks the bytes equal those of ``add_font``."""
    for style, (data, prototype) in zip(STYLES, _font_prototypes(files), strict=True):
        font = copy.copy(prototype)
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
        font.ttffile = prototype.ttffile
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
        pdf.fonts[f"{FAMILY.lower()}{style}"] = font


def _date(value: str | None) -> str:
    if not value:
        return "—"
    year, month, day = value.split("-")
    return f"{day}.{month}.{year}"


def _issued_at(facts: dict) -> datetime:
    year, month, day = (int(part) for part in facts["issued_on"].split("-"))
    return datetime(year, month, day, tzinfo=UTC)


def _kind_title(kind: str) -> str:
    if kind == "attendance":
        return _("Certificate of attendance")
    return _("Certificate of training completion")


def render_pdf(facts: dict, verify_url: str, token: str) -> bytes:
    """The PDF bytes for ``facts``; ``verify_url`` is printed and put in the QR code, and
    ``token`` (the compact JWS of ``facts``) is attached."""
    with force_locale(facts["language"]):
        try:
            return _render(facts, verify_url, token, CORE_FONTS)
        except _NotInCoreFonts:
            return _render(facts, verify_url, token, FULL_FONTS)


PT = 25.4 / 72  # millimetres per point
PAGE_LEFT = 22  # the text column: inside the double border, 22 mm from each side
QR_SIZE = 42


MISSING = "\ufffd"  # drawn for a character the font has no glyph for


class _NotInCoreFonts(Exception):
    """A text has a character the core font files lack: the page is drawn again with the
    full ones."""


def printable(pdf: FPDF, text: str) -> str:
    """``text`` with every character the current font cannot draw shown as U+FFFD: fpdf2
    would leave it out without a trace, and a name would lose letters unseen (an emoji,
    a script DejaVu Sans does not cover). With the core files, such a character first sends
    the whole page to the full ones."""
    cmap = pdf.current_font.cmap
    if all(ord(ch) in cmap or ch.isspace() for ch in text):
        return text
    if str(pdf.current_font.ttffile).endswith(CORE_SUFFIX):
        raise _NotInCoreFonts
    return "".join(ch if ord(ch) in cmap or ch.isspace() else MISSING for ch in text)


def _lines(pdf: FPDF, text: str, width: float, height: float, align: str) -> list[str]:
    return pdf.multi_cell(width, height, text, align=align, dry_run=True, output="LINES")


def fit_text(
    pdf: FPDF,
    text: str,
    *,
    x: float,
    y: float,
    w: float,
    h: float,
    size: float,
    min_size: float,
    wrap_below: float | None = None,
    style: str = "",
    color=INK,
    align: str = "C",
) -> None:
    """Draw ``text`` inside the box (``x``, ``y``, ``w``, ``h``, in mm), never outside it.

    The font shrinks from ``size`` while the text is too wide for one line; once it reaches
    ``wrap_below`` (default: ``size``) the text may wrap, and shrinks further until its lines
    fit the box's height. Text too long even at ``min_size`` is cut with "…" (no text the
    forms accept gets there: the boxes are sized for their fields' maximum lengths). A
    character the font lacks is drawn as U+FFFD (:func:`printable`)."""
    wrap_below = size if wrap_below is None else wrap_below
    pdf.set_font("DejaVu", style, size)
    text = printable(pdf, " ".join(text.split()))
    current = size
    if size > wrap_below:
        # Width grows with the size: start at the largest step of 0.5 pt whose one line
        # could fit, instead of trying every step down to it (the loop still checks it).
        pdf.set_font("DejaVu", style, size)
        room = w - 2 * pdf.c_margin
        width = pdf.get_string_width(text)
        if width > room:
            steps = math.floor((size - size * room / width) / 0.5)
            current = max(wrap_below, min_size, size - 0.5 * steps)
    while True:
        pdf.set_font("DejaVu", style, current)
        leading = current * PT * 1.18
        lines = _lines(pdf, text, w, leading, align)
        fits = len(lines) * leading <= h + 0.01
        if (len(lines) == 1 and fits) or (current <= wrap_below and fits):
            break
        if current <= min_size:
            while text and not fits:
                text = text[: max(0, len(text) - max(1, len(text) // 20))].rstrip() + "…"
                lines = _lines(pdf, text, w, leading, align)
                fits = len(lines) * leading <= h + 0.01
            break
        current = max(min_size, current - 0.5)
    pdf.set_text_color(*color)
    pdf.set_xy(x, y + (h - len(lines) * leading) / 2)
    pdf.multi_cell(w, leading, text, align=align)


def _render(facts: dict, verify_url: str, token: str, fonts: tuple[str, str]) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(PAGE_LEFT, 20, PAGE_LEFT)
    _add_fonts(pdf, fonts)
    title = f"{_kind_title(facts['kind'])}: {facts['qualification']['title']}"
    pdf.set_title(f"{title} — {facts['holder']} — {facts['number']}")
    pdf.set_author(facts["issuer"])
    pdf.set_subject(facts["qualification"]["title"])
    pdf.set_creator(facts["issuer"])
    pdf.set_lang({"kk": "kk-KZ", "ru": "ru-RU"}.get(facts["language"], "en"))
    # The same facts give the same bytes: the creation date is the day of issue (fpdf2 would
    # write the current time, and derive the file's /ID from it); fonts are subset and
    # embedded deterministically. A download renders again and checks the recorded SHA-256.
    pdf.set_creation_date(_issued_at(facts))
    pdf.add_page()
    width = pdf.w
    column = width - 2 * PAGE_LEFT

    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, width - 16, pdf.h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, width - 22, pdf.h - 22)

    def box(text, top, height, size, min_size, **options):
        fit_text(pdf, text, x=PAGE_LEFT, y=top, w=column, h=height, size=size,
                 min_size=min_size, **options)  # fmt: skip

    # Every text has its own box, one under the other: a long name or title shrinks and
    # wraps inside its box and never reaches the next one (see fit_text).
    box(facts["issuer"], 16, 8, 12, 7, color=MUTED, wrap_below=9)
    box(_kind_title(facts["kind"]).upper(), 26, 12, 24, 11, style="B", color=ACCENT)
    box(_("Issued to"), 40, 6, 12, 9, color=MUTED)
    box(facts["holder"], 47, 23, 26, 9, wrap_below=16, style="B")
    if facts["kind"] == "attendance":
        box(_("for attending the seminar"), 71, 6, 12, 8, color=MUTED)
    else:
        box(_("for meeting the requirements of the qualification"), 71, 6, 12, 8, color=MUTED)
    box(facts["qualification"]["title"], 78, 16, 17, 8, wrap_below=13, style="B", color=ACCENT)

    seminar = facts.get("seminar")
    if seminar:
        text = _(
            "Seminar: %(title)s, %(start)s – %(end)s",
            title=seminar["title"],
            start=_date(seminar["starts_on"]),
            end=_date(seminar["ends_on"]),
        )
        box(text, 95, 11, 11, 6.5, wrap_below=10)

    criteria = facts.get("criteria") or []
    if criteria:
        cells = [c["code"] if c.get("met") else f"{c['code']} ({_('not met')})" for c in criteria]
        heading = _("Qualification criteria met under the qualification's rules")
        box(f"{heading}: " + " · ".join(cells), 107, 12, 9, 5.5, wrap_below=9)

    # Number, dates, verification (left) and the QR code (right).
    qr_left = width - PAGE_LEFT - QR_SIZE
    rows = [
        (_("Certificate number"), facts["number"]),
        (_("Issued on"), _date(facts["issued_on"])),
        (_("Valid until"), _date(facts["expires_on"]) if facts["expires_on"] else _("no expiry")),
        (_("Verify at"), verify_url),
    ]
    label_width, top = 50, 124
    value_width = qr_left - 6 - PAGE_LEFT - label_width
    for label, value in rows:
        fit_text(pdf, label, x=PAGE_LEFT, y=top, w=label_width - 2, h=9, size=10, min_size=6,
                 wrap_below=8, color=MUTED, align="L")  # fmt: skip
        fit_text(pdf, value, x=PAGE_LEFT + label_width, y=top, w=value_width, h=9, size=10,
                 min_size=6, wrap_below=8, style="B", align="L")  # fmt: skip
        top += 10

    qr = segno.make(verify_url, error="q")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=8, border=2)
    image.seek(0)
    pdf.image(image, x=qr_left, y=124, w=QR_SIZE, h=QR_SIZE, alt_text=verify_url)
    fit_text(pdf, _("Scan to verify"), x=qr_left - 4, y=124 + QR_SIZE + 0.5, w=QR_SIZE + 8,
             h=4, size=7, min_size=5, color=MUTED)  # fmt: skip
    pdf.embed_file(
        basename="certificate.jws",
        bytes=token.encode(),
        desc=_("The signed record of this certificate (compact JWS)"),
        compress=False,
    )

    fit_text(pdf, facts["disclaimer"], x=PAGE_LEFT, y=pdf.h - 35, w=column, h=22, size=7.5,
             min_size=4.5, wrap_below=7.5, color=MUTED, align="L")  # fmt: skip
    return bytes(pdf.output())
