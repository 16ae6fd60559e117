"""/glossary: the legal terms in English, Russian and Kazakh (``lms.glossary``), public."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from lms.glossary import LANGUAGES, glossary
from lms.i18n import LANGUAGE_NAMES
from lms.public_pages import for_visitors

bp = Blueprint("glossary", __name__)

# What each status lets a text do with the term (the tags of shared/domain).
STATUS_LABELS = {
    "verified": _l("Statutory term"),
    "secondary": _l("Secondary source"),
    "unverified": _l("Not verified"),
    "platform": _l("Platform's wording"),
}
STATUS_MEANINGS = {
    "verified": _l(
        "V – verified in the text of the Law or the Code, or in an official source: "
        "the term as the law writes it."
    ),
    "secondary": _l(
        "S – from a secondary source (news, a law firm, an academic paper): "
        "never presented as the law's own term."
    ),
    "unverified": _l("U – not verified: used informally, never as the law's own term."),
    "platform": _l("This platform's own wording: not a legal term."),
}


@bp.get("/glossary")
@for_visitors
def index():
    locale = str(get_locale() or "en")
    lang = locale if locale in LANGUAGES else "en"
    book = glossary()
    return render_template(
        "main/glossary.html",
        book=book,
        lang=lang,
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        status_labels=STATUS_LABELS,
        status_meanings=STATUS_MEANINGS,
    )
