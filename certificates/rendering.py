"""A certificate's PDFs: the issued bytes (:func:`pdf_bytes`), the holder's copies in other
languages, and the SAMPLE previews a trainer or an administrator draws before issuing.

``certificates.pdf`` (the renderer: fpdf2 and fontTools, about 30 MB) is imported at the first
PDF a process makes, never at start-up: a web worker that only verifies never needs it.
Everything that draws an issued certificate goes through :func:`render_pdf` here (issuing
too, see ``issuance.create_signed``), so one stand-in replaces the renderer for all of them.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask import current_app
from flask_babel import force_locale, gettext

from certificates import eligibility
from certificates.facts import draft, sample_facts, verify_url
from certificates.models import Certificate, Qualification
from certificates.qualifications import name_on_certificate
from certificates.storage import stored_pdf
from lms.models import User
from seminars.models import Seminar

PREVIEW_NUMBER = "PREVIEW"


def preview_pdf(
    qualification: Qualification, seminar: Seminar | None, holder: User, today: date | None = None
) -> bytes:
    """The certificate ``holder`` would get today, unsigned and unnumbered: nothing stored."""
    plan = draft(qualification, seminar, today=today)
    found = eligibility.gather(holder, qualification, seminar)
    facts = plan.facts(
        number=PREVIEW_NUMBER,
        holder=name_on_certificate(holder, found.identity),
        result=eligibility.evaluate(qualification, found, plan.issued_on),
    )
    # ``certificates.pdf``'s own renderer: tests stand in for this module's, never a preview's.
    from certificates import pdf

    return pdf.render_pdf(facts, verify_url(PREVIEW_NUMBER), "PREVIEW (not signed)", sample=True)


def design_preview_pdf(qualification: Qualification, template: str, language: str) -> bytes:
    """A SAMPLE certificate of ``qualification`` drawn with ``template`` and today's site
    settings, for a sample holder with every criterion met: nothing is signed or stored."""
    from certificates import pdf

    with force_locale("kk" if template == "bilingual" else language):
        holder = gettext("Sample Holder Name")
    facts = sample_facts(
        qualification, template=template, language=language, holder=holder, number=PREVIEW_NUMBER
    )
    return pdf.render_pdf(facts, verify_url(PREVIEW_NUMBER), "PREVIEW (not signed)", sample=True)


def render_pdf(facts: dict, url: str, token: str) -> bytes:
    """``certificates.pdf.render_pdf``, imported at the first PDF a process makes: with fpdf2
    and fontTools it takes about 30 MB, which a web worker that only verifies never needs."""
    from certificates import pdf

    return pdf.render_pdf(facts, url, token)


def copy_languages(certificate: Certificate) -> list[str]:
    """The languages the holder may download a copy of ``certificate`` in: its own first."""
    from certificates import pdf

    return pdf.copy_languages(certificate.facts)


def copy_pdf(certificate: Certificate, language: str) -> bytes:
    """The holder's copy in another language: the same signed facts (and the same attached
    JWS) drawn with the texts the facts hold in ``language`` and that language's labels.
    Rendered on each download, never stored, and not checked against the recorded SHA-256
    (which is the issue language's PDF's): the same facts, fonts and catalogs give the same
    bytes, but a release that improves a label changes a copy's bytes."""
    if language == certificate.language:
        return pdf_bytes(certificate)
    from certificates import pdf

    return pdf.render_pdf(
        certificate.facts, verify_url(certificate.number), certificate.jws, language=language
    )


def pdf_bytes(certificate: Certificate) -> bytes:
    """The certificate's PDF exactly as issued, whichever instance asks: the stored copy when
    its SHA-256 is the recorded one; otherwise rendered again from the signed facts, which
    gives the same bytes (``certificates.pdf`` fixes every date and id) and is checked against
    the recorded SHA-256. FileNotFoundError when neither gives the issued bytes: a certificate
    rendered by an older template (or library) whose stored copy is lost."""
    expected = certificate.pdf_sha256
    try:
        stored = stored_pdf(certificate)
    except FileNotFoundError:
        stored = None
    if stored is not None and hashlib.sha256(stored).hexdigest() == expected:
        return stored
    if stored is not None:
        current_app.logger.error(
            "stored PDF of certificate %s does not match its SHA-256", certificate.number
        )
    rendered = render_pdf(certificate.facts, verify_url(certificate.number), certificate.jws)
    if hashlib.sha256(rendered).hexdigest() == expected:
        return rendered
    raise FileNotFoundError(
        f"no PDF of certificate {certificate.number} matches its recorded SHA-256"
    )
