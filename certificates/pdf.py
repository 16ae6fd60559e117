"""The certificate as a PDF: one A4 landscape page of real text, with a QR code to verify it.

Everything printed comes from the certificate's frozen facts (see ``certificates.facts``), in
the certificate's language, with the bundled DejaVu Sans (it covers Kazakh and Russian
letters; licence beside it). The QR code opens the verification page for the number. It carries
only that short URL, so a phone reads it easily from paper; the compact JWS travels inside the
PDF instead, as the attached file ``certificate.jws`` that ``flask --app wsgi certificates
verify-offline`` (or any JOSE library) checks without a network.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import segno
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

FONTS = Path(__file__).parent / "fonts"
INK = (33, 37, 41)
ACCENT = (18, 76, 110)
MUTED = (90, 98, 104)


@cache
def _font_files() -> tuple[str, str]:
    return str(FONTS / "DejaVuSans.ttf"), str(FONTS / "DejaVuSans-Bold.ttf")


def _date(value: str | None) -> str:
    if not value:
        return "—"
    year, month, day = value.split("-")
    return f"{day}.{month}.{year}"


def _kind_title(kind: str) -> str:
    if kind == "attendance":
        return _("Certificate of attendance")
    return _("Certificate of qualification")


def render_pdf(facts: dict, verify_url: str, token: str) -> bytes:
    """The PDF bytes for ``facts``; ``verify_url`` is printed and put in the QR code, and
    ``token`` (the compact JWS of ``facts``) is attached."""
    with force_locale(facts["language"]):
        return _render(facts, verify_url, token)


def _render(facts: dict, verify_url: str, token: str) -> bytes:
    regular, bold = _font_files()
    pdf = FPDF(orientation="landscape", format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(22, 20, 22)
    pdf.add_font("DejaVu", fname=regular)
    pdf.add_font("DejaVu", style="B", fname=bold)
    title = f"{_kind_title(facts['kind'])}: {facts['qualification']['title']}"
    pdf.set_title(f"{title} — {facts['holder']} — {facts['number']}")
    pdf.set_author(facts["issuer"])
    pdf.set_subject(facts["qualification"]["title"])
    pdf.set_creator(facts["issuer"])
    pdf.set_lang({"kk": "kk-KZ", "ru": "ru-RU"}.get(facts["language"], "en"))
    pdf.add_page()
    width = pdf.w

    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, width - 16, pdf.h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, width - 22, pdf.h - 22)

    def line(text, size, *, style="", color=INK, height=None, top=None):
        if top is not None:
            pdf.set_y(top)
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(*color)
        pdf.set_x(22)
        pdf.multi_cell(width - 44, height or size * 0.5, text, align="C")

    line(facts["issuer"], 12, color=MUTED, top=20)
    line(_kind_title(facts["kind"]).upper(), 24, style="B", color=ACCENT, top=32)
    line(_("Issued to"), 12, color=MUTED, top=50)
    line(facts["holder"], 26, style="B", top=58, height=12)
    if facts["kind"] == "attendance":
        line(_("for attending the seminar"), 12, color=MUTED, top=76)
    else:
        line(_("for meeting the requirements of the qualification"), 12, color=MUTED, top=76)
    line(facts["qualification"]["title"], 17, style="B", color=ACCENT, top=83, height=8)

    details = []
    seminar = facts.get("seminar")
    if seminar:
        details.append(
            _(
                "Seminar: %(title)s, %(start)s – %(end)s",
                title=seminar["title"],
                start=_date(seminar["starts_on"]),
                end=_date(seminar["ends_on"]),
            )
        )
    if facts.get("hours"):
        details.append(_("Academic hours attended: %(hours)s", hours=facts["hours"]))
    if details:
        line("\n".join(details), 11, top=101, height=6)

    criteria = facts.get("criteria") or []
    if criteria:
        pdf.set_y(116)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.set_text_color(*INK)
        cells = [f"{c['code']} {c['percent'] + '%' if c.get('percent') else '—'}" for c in criteria]
        heading = _("Results by qualification criterion")
        pdf.set_x(22)
        pdf.multi_cell(width - 44, 4.5, f"{heading}: " + " · ".join(cells), align="C")

    # Dates, number, verification (left) and the QR code (right).
    pdf.set_font("DejaVu", "", 10)
    rows = [
        (_("Certificate number"), facts["number"]),
        (_("Issued on"), _date(facts["issued_on"])),
        (_("Valid until"), _date(facts["expires_on"]) if facts["expires_on"] else _("no expiry")),
        (_("Verify at"), verify_url),
    ]
    pdf.set_y(132)
    with pdf.table(
        width=190,
        col_widths=(50, 140),
        align="LEFT",
        first_row_as_headings=False,
        borders_layout="NONE",
        line_height=5.5,
        padding=0.6,
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=FontFace(color=MUTED))
            row.cell(value, style=FontFace(emphasis="BOLD", color=INK))

    qr = segno.make(verify_url, error="q")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=8, border=2)
    image.seek(0)
    size = 42
    pdf.image(image, x=width - 22 - size, y=128, w=size, h=size, alt_text=verify_url)
    pdf.set_xy(width - 22 - size - 4, 128 + size + 1)
    pdf.set_font("DejaVu", "", 7)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(size + 8, 3.2, _("Scan to verify"), align="C")
    pdf.embed_file(
        basename="certificate.jws",
        bytes=token.encode(),
        desc=_("The signed record of this certificate (compact JWS)"),
        compress=False,
    )

    pdf.set_y(pdf.h - 30)
    pdf.set_x(22)
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(width - 44 - size - 6, 3.6, facts["disclaimer"], align="L")
    return bytes(pdf.output())
