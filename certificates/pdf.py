"""The certificate as a PDF: one A4 landscape page of real text, with a QR code to verify it.

Everything printed comes from the certificate's frozen facts (see ``certificates.facts``), in
the certificate's language, with the bundled DejaVu Sans (it covers Kazakh and Russian
letters; licence beside it). The QR code opens the verification page for the number. It carries
only that short URL, so a phone reads it easily from paper; the compact JWS travels inside the
PDF instead, as the attached file ``certificate.jws`` that ``flask --app wsgi certificates
verify-offline`` (or any JOSE library) checks without a network.

The bytes of an issued certificate's PDF never change: a download renders it again from the
facts and checks the SHA-256 recorded at issue. What this module keeps per process to draw
faster (parsed fonts, font subsets per set of glyphs, text layouts and widths) gives exactly
the bytes fpdf2 gives without it; ``tests/certificates/test_pdf_golden.py`` holds the digests
of every layout, recorded before any of it was kept.
"""

from __future__ import annotations

import copy
import io
import logging
import math
import zlib
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _
from fontTools import subset as ftsubset
from fontTools import ttLib
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFFont,
    PDFFontStream,
    _build_cmap_blocks,
    _tt_font_widths,
)
from fpdf.syntax import Name, PDFArray, PDFContentStream, PDFObject
from PIL import Image

from certificates import qr
from lms.formatting import format_date

FONTS = Path(__file__).parent / "fonts"
FPDF_LOG = logging.getLogger("fpdf.output")
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


class _MeasuredFont(TTFFont):
    """A document's font that remembers the width of each text it measured, for every
    document of the process: fpdf2 measures a text character by character while it breaks
    lines, summing the widths of the same stretches again and again. The width is the sum
    fpdf2 makes (``TTFFont.get_text_width``: whole font units, then scaled), so the same."""

    __slots__ = ()

    def get_text_width(self, text, font_size_pt, text_shaping_params):
        if text_shaping_params or self.is_symbol:
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        if font_size_pt > self.biggest_size_pt:
            self.biggest_size_pt = font_size_pt
        key = (self.ttffile, text)
        units = _UNITS.get(key)
        if units is None:
            if len(_UNITS) >= UNITS_MAX:
                _UNITS.clear()
            cw = self.cw
            units = _UNITS[key] = sum(cw[ord(c)] for c in text)
        return len(text), units * font_size_pt * 0.001


_UNITS: dict[tuple, int] = {}
UNITS_MAX = 20_000  # at most a few MB


def _add_fonts(pdf: FPDF, files: tuple[str, str]) -> None:
    """Add both styles to ``pdf`` as ``FPDF.add_font`` would, from the process's parsed
    prototypes: the read-only parts (character map, widths, descriptor) are shared, the
    per-document parts (used glyphs, missing glyphs, sizes) are new, and the fontTools object
    is opened afresh from the bytes in memory (fpdf2's own embedding subsets it in place; this
    module's takes the subset from :func:`_subset`). Each is a :class:`_MeasuredFont`.
    ``tests/certificates/test_pdf_fonts.py`` checks the bytes equal those of ``add_font``."""
    for style, (data, prototype) in zip(STYLES, _font_prototypes(files), strict=True):
        font = copy.copy(prototype)
        font.__class__ = _MeasuredFont
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
        font.ttffile = prototype.ttffile
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
        pdf.fonts[f"{FAMILY.lower()}{style}"] = font


def _date(value: str | None) -> str:
    """An ISO date of the facts as the certificate's language writes dates (under
    ``force_locale``): "6 декабря 2026 г."."""
    return format_date(value) if value else "—"


def _issued_at(facts: dict) -> datetime:
    year, month, day = (int(part) for part in facts["issued_on"].split("-"))
    return datetime(year, month, day, tzinfo=UTC)


def _kind_title(kind: str) -> str:
    if kind == "attendance":
        return _("Certificate of attendance")
    return _("Certificate of training completion")


def render_pdf(
    facts: dict,
    verify_url: str,
    token: str,
    *,
    language: str | None = None,
    sample: bool = False,
) -> bytes:
    """The PDF bytes for ``facts``; ``verify_url`` is printed and put in the QR code, and
    ``token`` (the compact JWS of ``facts``) is attached.

    Facts with a ``design`` (format 3) are drawn with their template (``designed``), in
    ``language`` where the facts hold their texts in it (a holder's copy), and with a SAMPLE
    mark across the page when ``sample`` (previews). Older facts keep the layout they were
    issued with (:func:`_render`), byte for byte."""
    if "design" not in facts:
        with force_locale(facts["language"]):
            try:
                return _render(facts, verify_url, token, CORE_FONTS)
            except _NotInCoreFonts:
                return _render(facts, verify_url, token, FULL_FONTS)
    return render_designed(facts, verify_url, token, language=language, sample=sample)


PT = 25.4 / 72  # millimetres per point
PAGE_LEFT = 22  # the text column: inside the double border, 22 mm from each side
QR_SIZE = 42


# What fontTools makes of a font for a set of glyphs: the subset's bytes as fpdf2 embeds them
# (``TTFont.save`` after ``fontTools.subset``, with fpdf2's options) and each glyph's id in it.
# They depend on nothing else, so a process makes them once per font and set of glyphs: the
# labels, dates and disclaimer use the same glyphs on every certificate of a run, and a
# certificate drawn again (a download, a holder's copy) uses the same ones as before.
SUBSET_OPTIONS = {"notdef_outline": True, "recommended_glyphs": True}
SUBSET_DROPPED = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC",
                  "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR"]  # fmt: skip


@lru_cache(maxsize=64)  # a subset and its compressed copy: 20–100 KB
def _subset(ttffile: str, glyph_names: frozenset[str]) -> tuple[bytes, bytes, dict[str, int]]:
    """The subset of ``ttffile`` with ``glyph_names`` as fpdf2 2.8 makes it
    (``OutputProducer._add_fonts``): its bytes, the bytes compressed as the PDF stream holds
    them, and the glyph ids. Made from the font's common letters (:func:`_common_subset`) when
    they hold every glyph asked for, and one of them draws a character at least (without any,
    fontTools leaves the first and last character of the font it cuts in ``OS/2``)."""
    common, order = _common_subset(ttffile)
    if glyph_names <= frozenset(order) and not glyph_names.isdisjoint(_mapped(ttffile)):
        data, kept = _make_subset(ttffile, common, order, glyph_names)
    else:
        data, kept = _make_subset(ttffile, _font_bytes(ttffile), _glyph_order(ttffile), glyph_names)
    compressed = zlib.compress(data, level=PDFContentStream._COMPRESSION_LEVEL)
    glyph_ids = {name: glyph_id for glyph_id, name in enumerate(kept)}
    return data, compressed, {name: glyph_ids[name] for name in glyph_names}


def _make_subset(
    ttffile: str, source: bytes, order: tuple[str, ...] | None, glyph_names: frozenset[str]
) -> tuple[bytes, tuple[str, ...]]:
    """fontTools' subset of the font ``source`` (``ttffile`` or a subset of it, glyphs named
    ``order`` when its ``post`` table names none) with ``glyph_names``, saved as fpdf2 saves
    it: its bytes and its glyph names."""
    ttfont = ttLib.TTFont(io.BytesIO(source), recalcTimestamp=False, lazy=True)
    if order is not None:
        ttfont.setGlyphOrder(list(order))
    options = ftsubset.Options(**SUBSET_OPTIONS)
    options.drop_tables += SUBSET_DROPPED
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(glyphs=list(glyph_names))
    subsetter.subset(ttfont)
    _use_compiled_glyphs(ttffile, ttfont["glyf"])
    output = io.BytesIO()
    ttfont.save(output)
    kept = tuple(ttfont.getGlyphOrder())
    ttfont.close()
    return output.getvalue(), kept


# The letters of most certificates: Latin (with its extensions A and B) and Cyrillic (with
# Kazakh), punctuation, the euro, numero and trade mark signs, U+FFFD. fontTools reads and cuts
# every table of the font for each new subset, so most of a new subset's time went on
# glyphs it then dropped; a subset of a subset holding all its glyphs is the same bytes
# (``tests/certificates/test_pdf_fonts.py`` compares both).
COMMON_LETTERS = (
    *range(0x20, 0x250),
    *range(0x400, 0x530),
    *range(0x2010, 0x2045),
    0x20AC,
    0x2116,
    0x2122,
    0xFFFD,
)


@cache
def _mapped(ttffile: str) -> frozenset[str]:
    """The glyphs that draw a character of the font's character map."""
    return frozenset(_prototype(ttffile).cmap.values())


@cache
def _common_subset(ttffile: str) -> tuple[bytes, tuple[str, ...]]:
    """The font cut down to :data:`COMMON_LETTERS` (and the glyphs they are made of), once
    per process: its bytes and its glyph names."""
    cmap = _prototype(ttffile).cmap
    names = frozenset({".notdef"} | {cmap[code] for code in COMMON_LETTERS if code in cmap})
    _, closed = _make_subset(ttffile, _font_bytes(ttffile), _glyph_order(ttffile), names)
    # Asked for again with the glyphs they are made of (a combining accent): the character
    # map keeps the characters of the glyphs asked for only, and a subset asking for an
    # accent maps its character.
    return _make_subset(ttffile, _font_bytes(ttffile), _glyph_order(ttffile), frozenset(closed))


class _CompiledGlyph(Glyph):
    """A simple (not composite) glyph of a font file, expanded, with the bytes ``glyf`` gives
    it when a font is saved (``Glyph.compile`` with its bounds recalculated, as ``TTFont``
    does by default): they depend on the glyph alone, not on the subset it is in. Saving a new
    subset compiled every glyph again from its points, most of the time of a new subset."""

    def compile(self, glyfTable, recalcBBoxes=True, *, boundsDone=None, optimizeSize=True):
        if not recalcBBoxes or not optimizeSize or glyfTable.extended:
            return super().compile(
                glyfTable, recalcBBoxes, boundsDone=boundsDone, optimizeSize=optimizeSize
            )
        return self.compiled


_COMPILED: dict[tuple[str, str], _CompiledGlyph] = {}
COMPILED_MAX = 2048  # of every font file together, about 4 KB each: both core files fit


def _use_compiled_glyphs(ttffile: str, glyf) -> None:
    """Put each simple glyph of the subset's ``glyf`` table in its compiled form, kept per
    process for the font file and glyph; a composite glyph's bytes name its components' new
    ids, so those are compiled as before. The same objects are read (never changed) by every
    subset they are in: the bounds a composite's recalculation may set again are theirs."""
    for name, glyph in glyf.glyphs.items():
        key = (ttffile, name)
        kept = _COMPILED.get(key)
        if kept is None:
            glyph.expand(glyf)
            if glyph.isComposite():
                continue
            data = glyph.compile(glyf, True)
            kept = _CompiledGlyph.__new__(_CompiledGlyph)
            kept.__dict__.update(glyph.__dict__)
            kept.compiled = data
            if len(_COMPILED) >= COMPILED_MAX:
                _COMPILED.clear()
            _COMPILED[key] = kept
        glyf.glyphs[name] = kept


@cache
def _glyph_order(ttffile: str) -> tuple[str, ...] | None:
    """The font's glyph names, when its ``post`` table has none (the core files): fontTools
    would derive them from the character map for every subset, reading that map twice."""
    ttfont = ttLib.TTFont(io.BytesIO(_font_bytes(ttffile)), lazy=True)
    if ttfont["post"].formatType != 3:
        return None
    return tuple(ttfont.getGlyphOrder())


def _font_bytes(ttffile: str) -> bytes:
    return _font_file(ttffile)[0]


def _prototype(ttffile: str) -> TTFFont:
    return _font_file(ttffile)[1]


def _font_file(ttffile: str) -> tuple[bytes, TTFFont]:
    for files in (CORE_FONTS, FULL_FONTS):
        for data, prototype in _font_prototypes(files):
            if str(prototype.ttffile) == ttffile:
                return data, prototype
    raise KeyError(ttffile)


def _font_stream(data: bytes, compressed: bytes) -> PDFFontStream:
    """``PDFFontStream(data)`` with its compression done already (the same attributes in the
    same order, so the same bytes)."""
    stream = PDFFontStream.__new__(PDFFontStream)
    PDFObject.__init__(stream)
    stream._contents = compressed
    stream.filter = Name("FlateDecode")
    stream.length = len(compressed)
    stream.length1 = len(data)
    return stream


class _Producer(OutputProducer):
    """fpdf2's output producer, letting go of the document once the bytes are made: its list
    of PDF objects and the trailer in it refer back to it, a cycle that would keep the whole
    drawing (and the FPDF) alive until the garbage collector next runs. Broken here, a
    rendering is freed as soon as it returns, however many are drawn at once.

    Its fonts are embedded as fpdf2 2.8 embeds a TrueType font (``OutputProducer._add_fonts``,
    the same objects in the same order: ``tests/certificates/test_pdf_golden.py`` holds the
    bytes), with the subset made once per process for a set of glyphs (:func:`_subset`) and
    the document's own copy of the font descriptor (fpdf2 numbers the shared one)."""

    def bufferize(self):
        try:
            return super().bufferize()
        finally:
            self.pdf_objs = []
            self.fpdf = None

    def _add_fonts(self, image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name):
        fonts = sorted(self.fpdf.fonts.values(), key=lambda font: font.i)
        if self.fpdf._compliance or not all(
            isinstance(font, TTFFont) and not font.color_font and not font.is_cff for font in fonts
        ):
            return super()._add_fonts(
                image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name
            )
        objects = {}
        for font in fonts:
            fontname = f"MPDFAA+{font.name}"
            glyph_names = font.subset.get_all_glyph_names()
            if font.missing_glyphs:  # as fpdf2 says it
                FPDF_LOG.warning("Font %s is missing %d glyphs", fontname, len(font.missing_glyphs))
            data, compressed, glyph_ids = _subset(str(font.ttffile), frozenset(glyph_names))
            code_to_glyph = {
                char_id: glyph_ids[glyph.glyph_name]
                for glyph, char_id in font.subset.items()
                if glyph is not None
            }
            composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
            self._add_pdf_obj(composite, "fonts")
            objects[font.i] = composite
            cid_font = PDFFont(
                subtype="CIDFontType2",
                base_font=fontname,
                d_w=font.desc.missing_width,
                w=_tt_font_widths(font),
            )
            self._add_pdf_obj(cid_font, "fonts")
            composite.descendant_fonts = PDFArray([cid_font])
            to_unicode = []
            for glyph, code in font.subset.items():
                if glyph is None or not isinstance(glyph.unicode, tuple) or not glyph.unicode:
                    continue
                to_unicode.append(
                    f"<{code:04X}> <{''.join(_utf16_code(u) for u in glyph.unicode)}>\n"
                )
            to_unicode_obj = PDFContentStream(
                (
                    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                    "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n"
                    ">> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                    f"{_build_cmap_blocks(to_unicode, 'bfchar')}"
                    "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
                ).encode("latin-1")
            )
            self._add_pdf_obj(to_unicode_obj, "fonts")
            composite.to_unicode = to_unicode_obj
            system_info = CIDSystemInfo()
            self._add_pdf_obj(system_info, "fonts")
            cid_font.c_i_d_system_info = system_info
            descriptor = copy.copy(font.desc)
            descriptor.font_name = Name(fontname)
            self._add_pdf_obj(descriptor, "fonts")
            cid_font.font_descriptor = descriptor
            cid_to_gid = bytearray(256 * 256 * 2)
            for code, glyph_id in code_to_glyph.items():
                cid_to_gid[code * 2] = glyph_id >> 8
                cid_to_gid[code * 2 + 1] = glyph_id & 0xFF
            cid_to_gid_obj = PDFContentStream(contents=cid_to_gid, compress=True)
            self._add_pdf_obj(cid_to_gid_obj, "fonts")
            cid_font.c_i_d_to_g_i_d_map = cid_to_gid_obj
            font_file = _font_stream(data, compressed)
            self._add_pdf_obj(font_file, "fonts")
            descriptor.font_file2 = font_file
            font.subset.pick.cache_clear()
            font.subset.get_glyph.cache_clear()
            font.close()
        return objects


def _utf16_code(unicode: int) -> str:
    if unicode > 0xFFFF:  # a surrogate pair
        return f"{0xD800 | (unicode - 0x10000) >> 10:04X}{0xDC00 | (unicode & 0x3FF):04X}"
    return f"{unicode:04X}"


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


class _Picks(SubsetMap):
    """A stand-in for a document font's subset during a trial layout: it records which
    characters fpdf2 picks, in order, and leaves the document's subset as it was."""

    def __init__(self, font: TTFFont):
        super().__init__(font)
        self.picked: list[int] = []

    def pick(self, unicode: int) -> int | None:
        self.picked.append(unicode)
        return super().pick(unicode)


# The lines of a text in a font, size and box, for every document of the process: fit_text
# tries sizes until a text fits, and most texts (labels, issuer, title, disclaimer) are the same
# on every certificate of a run. With them, the characters fpdf2's trial layout puts in the
# document's font subset, in order: the subset (its glyph numbering) is part of the bytes.
_LAID_OUT: dict[tuple, tuple[list[str], tuple[int, ...]]] = {}
LAID_OUT_MAX = 4096


def _lines(pdf: FPDF, text: str, width: float, height: float, align: str) -> list[str]:
    """``multi_cell(..., dry_run=True, output="LINES")``, laid out once per process for a
    font, size, text and box. A trial layout is not quite dry: fpdf2 draws it to nowhere,
    and drawing picks the characters' glyphs into the font's subset (in the order they come,
    which numbers them); a layout known already picks the same characters in the same order
    (picking one twice does nothing), so the document's subset, and its bytes, are those of
    the trial layout itself."""
    font = pdf.current_font
    if pdf.text_shaping or not isinstance(font, TTFFont):
        return pdf.multi_cell(width, height, text, align=align, dry_run=True, output="LINES")
    if _surely_one_line(pdf, text, width):
        for unicode in dict.fromkeys(map(ord, text)):
            font.subset.pick(unicode)
        return [text]
    key = (str(font.ttffile), pdf.font_size_pt, pdf.c_margin, text, width, height, align)
    known = _LAID_OUT.get(key)
    if known is None:
        subset, font.subset = font.subset, _Picks(font)
        try:
            lines = pdf.multi_cell(width, height, text, align=align, dry_run=True, output="LINES")
            picked = tuple(dict.fromkeys(font.subset.picked))
        finally:
            font.subset = subset
        if len(_LAID_OUT) >= LAID_OUT_MAX:
            _LAID_OUT.clear()
        known = _LAID_OUT[key] = (lines, picked)
    lines, picked = known
    for unicode in picked:
        font.subset.pick(unicode)
    return list(lines)


# A text narrower than its box by more than this (mm) is on one line: fpdf2 sums the widths
# of its characters one by one (rounding differs from the whole text's by far less).
ONE_LINE_SLACK = 1e-6
SOFT_HYPHEN = "\u00ad"  # a break fpdf2 may take (and draw as "-") even on one line


def _surely_one_line(pdf: FPDF, text: str, width: float) -> bool:
    """Whether fpdf2's trial layout of ``text`` (spaces already collapsed, see
    :func:`fit_text`) in a box ``width`` wide is the text itself on one line, without laying
    it out: its width leaves room inside the cell margins. Its drawing to nowhere would then
    pick the text's characters into the font subset in the order they first come, which
    :func:`_lines` does instead. Most texts of a certificate (the holder's name, the number,
    the labels) are one line; laying out each new one character by character was a tenth
    of a PDF's time."""
    if not text or SOFT_HYPHEN in text or pdf.char_spacing or pdf.font_stretching != 100:
        return False
    _, text_width = pdf.current_font.get_text_width(text, pdf.font_size_pt, None)
    return text_width / pdf.k <= width - 2 * pdf.c_margin - ONE_LINE_SLACK


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


QR_PIXELS = bytes([255, 0]) + bytes(254)  # a light module white, a dark one black


def _qr_image(url: str) -> Image.Image:
    """The QR code of ``url`` as the black and white picture (8 pixels a module, a border of
    2) that segno's PNG of it (``save(kind="png", scale=8, border=2)``) holds: the same pixels
    for fpdf2, without writing a PNG and reading it back. segno's code, its mask chosen faster
    (:func:`certificates.qr.matrix`)."""
    modules = qr.matrix(url, "q")
    border = b"\xff" * (len(modules) + 4)
    pixels = [border, border]
    pixels += [b"\xff\xff" + bytes(row).translate(QR_PIXELS) + b"\xff\xff" for row in modules]
    size = len(modules) + 4
    small = Image.frombytes("L", (size, size), b"".join([*pixels, border, border]))
    large = small.resize((size * 8, size * 8), Image.Resampling.NEAREST)
    return large.convert("1", dither=Image.Dither.NONE)


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

    pdf.image(_qr_image(verify_url), x=qr_left, y=124, w=QR_SIZE, h=QR_SIZE, alt_text=verify_url)
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
    return bytes(pdf.output(output_producer_class=_Producer))


# --- the designed certificate (facts format 3) ---------------------------------------------
#
# Two templates, chosen per qualification and frozen in the facts (``design.template``):
# "classic" (one language) and "bilingual" (Kazakh and Russian side by side). Every text comes
# from the facts, in the language drawn (the certificate's own, or a holder's copy in another
# language the facts hold texts in, ``translations``); the labels from the catalogs of that
# language. The logo, signature and seal are the images the facts name by their SHA-256
# (``lms.site_settings.image_bytes`` refuses bytes that are not the named ones).

LANG_TAGS = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en"}
SAMPLE_COLOUR = (200, 30, 45)
SIGNATORY_LINE = (120, 126, 130)


def copy_languages(facts: dict) -> list[str]:
    """The languages a holder's copy of these facts may be drawn in: the certificate's own
    and those its facts hold texts in (none besides its own before format 3)."""
    if "design" not in facts:
        return [facts["language"]]
    others = sorted(facts.get("translations") or {})
    if facts["design"].get("template") == "bilingual":  # one page holds Kazakh and Russian
        others = [code for code in others if code not in ("kk", "ru")]
    return [facts["language"], *others]


def texts_in(facts: dict, language: str) -> dict:
    """The certificate's texts in ``language``: its own facts, or their frozen translation
    (a criterion title missing there falls back to the facts' own)."""
    design = facts["design"]
    signatory = design.get("signatory") or {}
    own = {
        "issuer": facts["issuer"],
        "address": design.get("address") or "",
        "signatory_name": signatory.get("name") or "",
        "signatory_title": signatory.get("title") or "",
        "qualification": facts["qualification"]["title"],
        "seminar": (facts.get("seminar") or {}).get("title"),
        "criteria": [row.get("title") or "" for row in facts.get("criteria") or []],
        "disclaimer": facts["disclaimer"],
    }
    other = (facts.get("translations") or {}).get(language)
    if language == facts["language"] or not other:
        return own
    merged = {**own, **{key: value for key, value in other.items() if value is not None}}
    merged["criteria"] = [
        theirs or mine
        for theirs, mine in zip(other.get("criteria") or [], own["criteria"], strict=False)
    ] or own["criteria"]
    merged["seminar"] = other.get("seminar") or own["seminar"]
    return merged


def labels_in(facts: dict, language: str) -> dict:
    """The printed labels and dates in ``language``, with the texts of :func:`texts_in`."""
    texts = texts_in(facts, language)
    with force_locale(language):
        seminar = facts.get("seminar")
        criteria = facts.get("criteria") or []
        not_met = _("not met")
        names = [
            title if row.get("met") else f"{title} ({not_met})"
            for row, title in zip(criteria, texts["criteria"], strict=False)
        ]
        return {
            **texts,
            "kind": _kind_title(facts["kind"]),
            "issued_to": _("Issued to"),
            "for": (
                _("for attending the seminar")
                if facts["kind"] == "attendance"
                else _("for meeting the requirements of the qualification")
            ),
            "seminar_line": _(
                "Seminar: %(title)s, %(start)s – %(end)s",
                title=texts["seminar"] or "",
                start=_date(seminar["starts_on"]),
                end=_date(seminar["ends_on"]),
            )
            if seminar
            else "",
            "criteria_line": (
                _("Qualification criteria met under the qualification's rules")
                + ": "
                + " · ".join(names)
            )
            if names
            else "",
            "number": _("Certificate number"),
            "issued_on_label": _("Issued on"),
            "issued_on": _date(facts["issued_on"]),
            "valid_until_label": _("Valid until"),
            "valid_until": _date(facts["expires_on"]) if facts["expires_on"] else _("no expiry"),
            "verify_at": _("Verify at"),
            "scan": _("Scan to verify"),
            "attachment": _("The signed record of this certificate (compact JWS)"),
            "sample": _("SAMPLE"),
        }


def _site_image(stored: str) -> io.BytesIO:
    from lms.site_settings import image_bytes

    return io.BytesIO(image_bytes(stored))


def _both(first: str, second: str) -> str:
    return first if first == second else f"{first} / {second}"


class _Page:
    """One designed page: the document, its fonts and the helpers every template uses."""

    def __init__(self, facts: dict, fonts: tuple[str, str], language: str, subject: str):
        pdf = FPDF(orientation="landscape", format="A4", unit="mm")
        pdf.set_auto_page_break(False)
        pdf.set_margins(PAGE_LEFT, 20, PAGE_LEFT)
        _add_fonts(pdf, fonts)
        pdf.set_title(f"{subject} — {facts['holder']} — {facts['number']}")
        pdf.set_author(facts["issuer"])
        pdf.set_subject(subject)
        pdf.set_creator(facts["issuer"])
        pdf.set_lang(LANG_TAGS.get(language, "en"))
        pdf.set_creation_date(_issued_at(facts))  # the same facts give the same bytes
        pdf.add_page()
        self.pdf = pdf
        self.facts = facts
        self.images = facts["design"].get("images") or {}
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(1.2)
        pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
        pdf.set_line_width(0.3)
        pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)

    def text(self, text, x, y, w, h, size, min_size, **options):
        if text:
            fit_text(self.pdf, text, x=x, y=y, w=w, h=h, size=size, min_size=min_size, **options)

    def image(self, name: str, x: float, y: float, w: float, h: float, alt: str) -> None:
        stored = self.images.get(name)
        if stored:
            self.pdf.image(
                _site_image(stored), x=x, y=y, w=w, h=h, keep_aspect_ratio=True, alt_text=alt
            )

    def qr(self, url: str, scan: str, label_height: float = 4) -> None:
        left = self.pdf.w - PAGE_LEFT - QR_SIZE
        self.pdf.image(_qr_image(url), x=left, y=BOTTOM, w=QR_SIZE, h=QR_SIZE, alt_text=url)
        self.text(scan, left - 4, BOTTOM + QR_SIZE + 0.5, QR_SIZE + 8, label_height, 7, 5,
                  color=MUTED)  # fmt: skip

    def signatory(self, name: str, title: str, signature_alt: str) -> None:
        """The signature image above a line, the signatory's name and title under it."""
        x, w = SIGNATORY_LEFT, SIGNATORY_WIDTH
        self.image("signature", x + 5, BOTTOM, w - 10, 19, signature_alt)
        if not name:
            return
        self.pdf.set_draw_color(*SIGNATORY_LINE)
        self.pdf.set_line_width(0.3)
        self.pdf.line(x, BOTTOM + 21, x + w, BOTTOM + 21)
        self.text(name, x, BOTTOM + 22, w, 10, 10, 5, style="B", wrap_below=9)
        self.text(title, x, BOTTOM + 32.5, w, 11.5, 8, 4.5, color=MUTED, wrap_below=8)

    def rows(self, rows: list[tuple[str, str]]) -> None:
        top = BOTTOM
        for label, value in rows:
            self.text(label, PAGE_LEFT, top, ROW_LABEL - 1, 9, 9, 5, color=MUTED, align="L",
                      wrap_below=8)  # fmt: skip
            self.text(value, PAGE_LEFT + ROW_LABEL, top, ROW_VALUE, 9, 9.5, 5, style="B",
                      align="L", wrap_below=8)  # fmt: skip
            top += 10.5

    def sample(self, word: str) -> None:
        """A SAMPLE mark across the page, over everything, half transparent."""
        pdf = self.pdf
        pdf.set_font(FAMILY, "B", 96)
        word = printable(pdf, word)
        size = 96
        while pdf.get_string_width(word) > 200 and size > 30:
            size -= 4
            pdf.set_font(FAMILY, "B", size)
        width = pdf.get_string_width(word)
        with (
            pdf.local_context(fill_opacity=0.22, text_color=SAMPLE_COLOUR),
            pdf.rotation(22, x=pdf.w / 2, y=pdf.h / 2),
        ):
            pdf.text(pdf.w / 2 - width / 2, pdf.h / 2 + size * PT / 3, word)

    def output(self, token: str, description: str) -> bytes:
        self.pdf.embed_file(
            basename="certificate.jws", bytes=token.encode(), desc=description, compress=False
        )
        return bytes(self.pdf.output(output_producer_class=_Producer))


# The bottom block: number and dates (left), signatory, seal, QR code (right).
BOTTOM = 129
ROW_LABEL, ROW_VALUE = 36, 70
SIGNATORY_LEFT, SIGNATORY_WIDTH = 132, 60
SEAL_LEFT, SEAL_SIZE = 197, 32
HEADER_LEFT, LOGO_SIZE = 48, 22
DISCLAIMER_TOP = 177


BILINGUAL = ("kk", "ru")


def _bilingual_page(facts: dict, language: str) -> bool:
    """A bilingual certificate is drawn in Kazakh and Russian, unless a copy in another
    language (English) is asked for: that copy uses the classic template."""
    if facts["design"].get("template") != "bilingual":
        return False
    return language in BILINGUAL or language == facts["language"]


def _designed(facts, url, token, fonts, language, sample) -> bytes:
    if _bilingual_page(facts, language):
        return _bilingual(facts, url, token, fonts, sample)
    return _classic(facts, url, token, fonts, language, sample)


def _classic(facts, url, token, fonts, language, sample) -> bytes:
    t = labels_in(facts, language)
    page = _Page(facts, fonts, language, f"{t['kind']}: {t['qualification']}")
    column = page.pdf.w - 2 * PAGE_LEFT
    header = column - 2 * (HEADER_LEFT - PAGE_LEFT)
    with force_locale(language):
        page.image("logo", PAGE_LEFT, 14, LOGO_SIZE, LOGO_SIZE, t["issuer"])
        page.text(t["issuer"], HEADER_LEFT, 14, header, 11, 14, 7, style="B", color=ACCENT,
                  wrap_below=10)  # fmt: skip
        page.text(t["address"], HEADER_LEFT, 26, header, 9, 9, 5.5, color=MUTED, wrap_below=8)
        page.text(t["kind"].upper(), PAGE_LEFT, 38, column, 11, 24, 11, style="B", color=ACCENT)
        page.text(t["issued_to"], PAGE_LEFT, 50, column, 5, 11, 8, color=MUTED)
        page.text(facts["holder"], PAGE_LEFT, 56, column, 19, 26, 9, style="B", wrap_below=16)
        page.text(t["for"], PAGE_LEFT, 76, column, 5, 11, 7, color=MUTED)
        page.text(t["qualification"], PAGE_LEFT, 82, column, 14, 17, 7, style="B",
                  color=ACCENT, wrap_below=13)  # fmt: skip
        page.text(t["seminar_line"], PAGE_LEFT, 97, column, 9, 11, 5.5, wrap_below=10)
        page.text(t["criteria_line"], PAGE_LEFT, 107, column, 19, 9, 4.5, wrap_below=9)
        page.rows(
            [
                (t["number"], facts["number"]),
                (t["issued_on_label"], t["issued_on"]),
                (t["valid_until_label"], t["valid_until"]),
                (t["verify_at"], url),
            ]
        )
        page.signatory(t["signatory_name"], t["signatory_title"], t["signatory_name"])
        page.image("seal", SEAL_LEFT, BOTTOM, SEAL_SIZE, SEAL_SIZE, t["issuer"])
        page.qr(url, t["scan"])
        page.text(t["disclaimer"], PAGE_LEFT, DISCLAIMER_TOP, column, 19, 7.5, 4.5,
                  wrap_below=7.5, color=MUTED, align="L")  # fmt: skip
        if sample:
            page.sample(t["sample"])
        return page.output(token, t["attachment"])


def _bilingual(facts, url, token, fonts, sample) -> bytes:
    """Kazakh on the left, Russian on the right; the holder's name, the number and the QR
    code once."""
    kk, ru = (labels_in(facts, language) for language in ("kk", "ru"))
    page = _Page(facts, fonts, "kk", f"{_both(kk['kind'], ru['kind'])}: {kk['qualification']}")
    column = page.pdf.w - 2 * PAGE_LEFT
    half = (column - 7) / 2
    right = PAGE_LEFT + half + 7
    header = column - 2 * (HEADER_LEFT - PAGE_LEFT)
    header_half = (header - 5) / 2

    def pair(key, top, height, size, min_size, **options):
        with force_locale("kk"):
            page.text(kk[key], PAGE_LEFT, top, half, height, size, min_size, **options)
        with force_locale("ru"):
            page.text(ru[key], right, top, half, height, size, min_size, **options)

    page.image("logo", PAGE_LEFT, 14, LOGO_SIZE, LOGO_SIZE, _both(kk["issuer"], ru["issuer"]))
    if kk["issuer"] == ru["issuer"]:
        page.text(kk["issuer"], HEADER_LEFT, 14, header, 12, 14, 7, style="B", color=ACCENT,
                  wrap_below=10)  # fmt: skip
    else:
        page.text(kk["issuer"], HEADER_LEFT, 14, header, 6, 12, 6, style="B", color=ACCENT)
        page.text(ru["issuer"], HEADER_LEFT, 20.5, header, 6, 12, 6, style="B", color=ACCENT)
    if kk["address"] == ru["address"]:
        page.text(kk["address"], HEADER_LEFT, 27.5, header, 8, 8.5, 5, color=MUTED,
                  wrap_below=8)  # fmt: skip
    else:
        page.text(kk["address"], HEADER_LEFT, 27.5, header_half, 8, 8.5, 4.5, color=MUTED,
                  wrap_below=8)  # fmt: skip
        page.text(ru["address"], HEADER_LEFT + header_half + 5, 27.5, header_half, 8, 8.5, 4.5,
                  color=MUTED, wrap_below=8)  # fmt: skip
    pair("kind", 38, 10, 16, 7, style="B", color=ACCENT, wrap_below=12)
    page.text(_both(kk["issued_to"], ru["issued_to"]), PAGE_LEFT, 49, column, 5, 11, 7,
              color=MUTED)  # fmt: skip
    page.text(facts["holder"], PAGE_LEFT, 55, column, 18, 26, 9, style="B", wrap_below=16)
    pair("for", 74, 6, 10, 5.5, color=MUTED, wrap_below=9)
    pair("qualification", 81, 15, 14, 6, style="B", color=ACCENT, wrap_below=11)
    pair("seminar_line", 97, 9, 10, 4.5, wrap_below=9)
    pair("criteria_line", 107, 19, 8.5, 4, wrap_below=8.5)
    with force_locale("ru"):
        page.rows(
            [
                (_both(kk["number"], ru["number"]), facts["number"]),
                (_both(kk["issued_on_label"], ru["issued_on_label"]),
                 _both(kk["issued_on"], ru["issued_on"])),
                (_both(kk["valid_until_label"], ru["valid_until_label"]),
                 _both(kk["valid_until"], ru["valid_until"])),
                (_both(kk["verify_at"], ru["verify_at"]), url),
            ]
        )  # fmt: skip
        page.signatory(
            _both(kk["signatory_name"], ru["signatory_name"]),
            _both(kk["signatory_title"], ru["signatory_title"]),
            kk["signatory_name"],
        )
        page.image("seal", SEAL_LEFT, BOTTOM, SEAL_SIZE, SEAL_SIZE, kk["issuer"])
        page.qr(url, _both(kk["scan"], ru["scan"]), label_height=6.5)
    pair("disclaimer", DISCLAIMER_TOP + 2, 17, 7, 4, wrap_below=7, color=MUTED, align="L")
    if sample:
        page.sample(_both(kk["sample"], ru["sample"]))
    return page.output(token, _both(kk["attachment"], ru["attachment"]))


def render_designed(
    facts: dict, verify_url: str, token: str, *, language: str | None, sample: bool
) -> bytes:
    language = language if language in copy_languages(facts) else facts["language"]
    try:
        return _designed(facts, verify_url, token, CORE_FONTS, language, sample)
    except _NotInCoreFonts:
        return _designed(facts, verify_url, token, FULL_FONTS, language, sample)
