"""The certificate PDF's fonts: parsed once per process and copied per document (the bytes are
those ``FPDF.add_font`` gives), the cut-down "core" files for Latin and Cyrillic, and the full
files when a text has a letter the core files lack."""

from __future__ import annotations

import zlib

import pypdfium2
import pytest
from fpdf import FPDF
from fpdf.syntax import PDFContentStream

from certificates import pdf
from tests.certificates.test_pdf_layout import _facts

URL = "https://academy.example.kz/verify/KZM-7QX3-9D2K-M4TA-B8RZ-K"


def _text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return document[0].get_textpage().get_text_range()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_copied_fonts_give_the_bytes_add_font_gives(app, monkeypatch, language):
    facts = _facts("Әсел Нұрланқызы Жұмабаева", language)
    copied = pdf.render_pdf(facts, URL, "a.b.c")

    def plain(document: FPDF, files) -> None:
        for style, name in zip(pdf.STYLES, files, strict=True):
            document.add_font(pdf.FAMILY, style=style, fname=str(pdf.FONTS / name))

    monkeypatch.setattr(pdf, "_add_fonts", plain)
    assert pdf.render_pdf(facts, URL, "a.b.c") == copied


def test_documents_do_not_share_what_they_used(app):
    first = pdf.render_pdf(_facts("Ыңғай Өмірзақ", "kk"), URL, "a.b.c")
    pdf.render_pdf(_facts("Zygmunt Qwerty-Xavier", "en"), URL, "a.b.c")
    assert pdf.render_pdf(_facts("Ыңғай Өмірзақ", "kk"), URL, "a.b.c") == first


@pytest.mark.parametrize(
    "holder", ["Әсел Нұрланқызы Жұмабаева", "Александра Преображенская", "Zoë Łukasik-Çelik"]
)
def test_latin_and_cyrillic_names_use_the_core_fonts(app, monkeypatch, holder):
    used = []
    original = pdf._add_fonts
    monkeypatch.setattr(
        pdf, "_add_fonts", lambda document, files: used.append(files) or original(document, files)
    )
    data = pdf.render_pdf(_facts(holder, "kk"), URL, "a.b.c")
    assert used == [pdf.CORE_FONTS]
    assert holder in _text(data)


@pytest.mark.parametrize("holder", ["Νίκος Παπαδόπουλος", "Անի Սարգսյան", "ნინო ბერიძე"])
def test_a_letter_outside_the_core_fonts_is_drawn_with_the_full_ones(app, monkeypatch, holder):
    used = []
    original = pdf._add_fonts
    monkeypatch.setattr(
        pdf, "_add_fonts", lambda document, files: used.append(files) or original(document, files)
    )
    data = pdf.render_pdf(_facts(holder, "en"), URL, "a.b.c")
    assert used == [pdf.CORE_FONTS, pdf.FULL_FONTS]
    assert holder in _text(data)


@pytest.mark.parametrize("files", [pdf.CORE_FONTS, pdf.FULL_FONTS], ids=["core", "full"])
def test_a_subset_is_the_one_fonttools_makes_alone(files):
    """``pdf._subset`` names the core files' glyphs up front (their ``post`` table has no
    names) and keeps what it made: the bytes are those of fontTools' own subsetting."""
    import random

    rng = random.Random(11)
    for data, prototype in pdf._font_prototypes(files):
        names = sorted(set(prototype.cmap.values()))
        for _ in range(3):
            glyphs = frozenset(rng.sample(names, 60)) | {".notdef"}
            made, _, glyph_ids = pdf._subset(str(prototype.ttffile), glyphs)
            assert (made, glyph_ids) == _fonttools_alone(data, glyphs)


@pytest.mark.parametrize("files", [pdf.CORE_FONTS, pdf.FULL_FONTS], ids=["core", "full"])
def test_glyphs_compiled_once_give_the_subsets_fonttools_makes_alone(files):
    """A subset saved with glyphs compiled for earlier subsets (``pdf._use_compiled_glyphs``)
    is the one fontTools saves compiling every glyph anew: subsets one after the other,
    sharing glyphs, composite ones among them (accented and Cyrillic letters)."""
    import random

    rng = random.Random(20261207)
    pdf._COMPILED.clear()
    for data, prototype in pdf._font_prototypes(files):
        ttffile = str(prototype.ttffile)
        names = sorted(set(prototype.cmap.values()))
        for size in (1, 12, 40, 75, 75, 120, 300):
            glyphs = frozenset(rng.sample(names, size)) | {".notdef"}
            made, _, _ = pdf._subset.__wrapped__(ttffile, glyphs)
            assert made == _fonttools_alone(data, glyphs)[0]
    assert any(key[0].endswith(files[0]) for key in pdf._COMPILED)


def test_a_text_known_to_be_one_line_is_what_fpdf2_lays_out():
    """``pdf._lines`` answers a text narrower than its box without fpdf2's trial layout
    (``pdf._surely_one_line``): the one line fpdf2 gives, and the characters its drawing to
    nowhere picks into the font subset, in the same order. Widths at the edge included."""
    import random

    from fpdf import FPDF

    rng = random.Random(5)
    alphabet = "aбвгдеёжзийқңөұүһәі ABCDXYZ0123456789-–.,«»№ ‘’"
    answered = 0
    for _ in range(400):
        document = FPDF(orientation="landscape", format="A4", unit="mm")
        document.add_page()
        pdf._add_fonts(document, pdf.CORE_FONTS)
        document.set_font(pdf.FAMILY, rng.choice(pdf.STYLES), rng.choice((5, 7.5, 9.5, 16, 26)))
        text = " ".join("".join(rng.choices(alphabet, k=rng.randint(1, 60))).split())
        if not text:
            continue
        width = document.get_string_width(text) + 2 * document.c_margin
        width += rng.choice((-1, -1e-5, 0, 1e-7, 2e-6, 1e-3, 0.5, 30))
        width = max(width, 2 * document.c_margin + 3)
        font = document.current_font
        subset, font.subset = font.subset, pdf._Picks(font)
        try:
            lines = document.multi_cell(width, 5, text, dry_run=True, output="LINES")
            picked = list(dict.fromkeys(font.subset.picked))
        finally:
            font.subset = subset
        if pdf._surely_one_line(document, text, width):
            answered += 1
            assert lines == [text]
            assert picked == list(dict.fromkeys(map(ord, text)))
    assert answered > 100


@pytest.mark.parametrize("files", [pdf.CORE_FONTS, pdf.FULL_FONTS], ids=["core", "full"])
def test_a_subset_of_the_common_letters_is_the_one_from_the_whole_font(files):
    """``pdf._subset`` cuts a set of glyphs all among the common letters (Latin, Cyrillic)
    from the font already cut down to them (``pdf._common_subset``): the bytes and glyph ids
    fontTools gives from the whole font, for sets of every size and at the edges."""
    import random

    rng = random.Random(17)
    for data, prototype in pdf._font_prototypes(files):
        ttffile = str(prototype.ttffile)
        _, common = pdf._common_subset(ttffile)
        names = sorted(common)
        cyrillic = [prototype.cmap[code] for code in range(0x400, 0x530) if code in prototype.cmap]
        samples = [
            frozenset(names),
            frozenset({".notdef"}),
            frozenset(cyrillic) | {".notdef"},
            *(frozenset(rng.sample(names, size)) | {".notdef"} for size in (3, 40, 75, 75, 200)),
            *(frozenset(rng.sample(names, rng.randint(10, 120))) for _ in range(8)),
        ]
        for glyphs in samples:
            whole, glyph_ids = _fonttools_alone(data, glyphs)
            assert pdf._subset.__wrapped__(ttffile, glyphs) == (
                whole,
                zlib.compress(whole, level=PDFContentStream._COMPRESSION_LEVEL),
                glyph_ids,
            )


def _fonttools_alone(data: bytes, glyphs: frozenset[str]):
    """The subset fontTools makes alone from the whole font file (its own glyph names, every
    glyph compiled anew), and its glyph ids."""
    import io

    from fontTools import subset as ftsubset
    from fontTools import ttLib

    font = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
    options.drop_tables += pdf.SUBSET_DROPPED
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(glyphs=sorted(glyphs))
    subsetter.subset(font)
    output = io.BytesIO()
    font.save(output)
    return output.getvalue(), {name: font.getGlyphID(name) for name in glyphs}
