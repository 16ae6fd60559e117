"""The certificate PDF's fonts: parsed once per process and copied per document (the bytes are
those ``FPDF.add_font`` gives), the cut-down "core" files for Latin and Cyrillic, and the full
files when a text has a letter the core files lack."""

from __future__ import annotations

import pypdfium2
import pytest
from fpdf import FPDF

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
    import io
    import random

    from fontTools import subset as ftsubset
    from fontTools import ttLib

    rng = random.Random(11)
    for data, prototype in pdf._font_prototypes(files):
        names = sorted(set(prototype.cmap.values()))
        for _ in range(3):
            glyphs = frozenset(rng.sample(names, 60)) | {".notdef"}
            font = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
            options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
            options.drop_tables += pdf.SUBSET_DROPPED
            subsetter = ftsubset.Subsetter(options)
            subsetter.populate(glyphs=sorted(glyphs))
            subsetter.subset(font)
            output = io.BytesIO()
            font.save(output)
            made, _, glyph_ids = pdf._subset(str(prototype.ttffile), glyphs)
            assert made == output.getvalue()
            assert glyph_ids == {name: font.getGlyphID(name) for name in glyphs}


@pytest.mark.parametrize("files", [pdf.CORE_FONTS, pdf.FULL_FONTS], ids=["core", "full"])
def test_glyphs_compiled_once_give_the_subsets_fonttools_makes_alone(files):
    """A subset saved with glyphs compiled for earlier subsets (``pdf._use_compiled_glyphs``)
    is the one fontTools saves compiling every glyph anew: subsets one after the other,
    sharing glyphs, composite ones among them (accented and Cyrillic letters)."""
    import io
    import random

    from fontTools import subset as ftsubset
    from fontTools import ttLib

    rng = random.Random(20261207)
    pdf._COMPILED.clear()
    for data, prototype in pdf._font_prototypes(files):
        ttffile = str(prototype.ttffile)
        names = sorted(set(prototype.cmap.values()))
        for size in (1, 12, 40, 75, 75, 120, 300):
            glyphs = frozenset(rng.sample(names, size)) | {".notdef"}
            font = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
            if pdf._glyph_order(ttffile) is not None:
                font.setGlyphOrder(list(pdf._glyph_order(ttffile)))
            options = ftsubset.Options(**pdf.SUBSET_OPTIONS)
            options.drop_tables += pdf.SUBSET_DROPPED
            subsetter = ftsubset.Subsetter(options)
            subsetter.populate(glyphs=sorted(glyphs))
            subsetter.subset(font)
            output = io.BytesIO()
            font.save(output)
            made, _, _ = pdf._subset.__wrapped__(ttffile, glyphs)
            assert made == output.getvalue()
    assert any(key[0].endswith(files[0]) for key in pdf._COMPILED)
