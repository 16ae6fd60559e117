"""A qualification's declaration in several languages (lms.content_translations).

The declaration is written in English (the original, like the qualification's required
English title); its translations are what trainees reading the site in Russian or Kazakh
sign. A translation counts only while it is *up to date*: made from the original as it
reads now. When the original changes, a translation not yet redone is not offered for
signing (the original is) and signatures in it no longer count, like signatures of the old
original. A signature keeps the exact text and language signed (``EthicsDeclaration``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from certificates.models import Qualification
from lms import content_translations as ct
from lms.extensions import db

ORIGINAL_LANGUAGE = "en"
DECLARATION_LIMIT = 5000

QUALIFICATION = ct.register_kind(
    "qualification",
    Qualification,
    (ct.Field("declaration_text", _l("Ethics declaration"), DECLARATION_LIMIT, multiline=True),),
    original_language=lambda qualification: ORIGINAL_LANGUAGE,
)


def declarations_in_force(qualification: Qualification) -> dict[str, str]:
    """The declaration's texts a trainee may sign, by language: the original and each
    translation made from the original as it reads now (one query)."""
    original = qualification.declaration_text or ""
    if not original.strip():
        return {}
    texts = {ORIGINAL_LANGUAGE: original}
    current = ct.digest(original)
    for row in db.session.scalars(
        select(ct.ContentTranslation).where(
            ct.ContentTranslation.kind == QUALIFICATION.name,
            ct.ContentTranslation.object_id == qualification.id,
            ct.ContentTranslation.field == "declaration_text",
        )
    ):
        if row.source_digest == current and row.text.strip():
            texts[row.locale] = row.text
    return texts


def declaration_for(qualification: Qualification, locale: str) -> tuple[str, str]:
    """The text a reader in ``locale`` signs and its language: the translation in force,
    else the original."""
    texts = declarations_in_force(qualification)
    if locale in texts:
        return texts[locale], locale
    return qualification.declaration_text, ORIGINAL_LANGUAGE


def signature_in_force(texts: dict[str, str], text: str, language: str | None) -> bool:
    """Whether a signature of ``text`` in ``language`` is of a text in force now."""
    wanted = texts.get(language or ORIGINAL_LANGUAGE)
    return wanted is not None and wanted.strip() == (text or "").strip()
