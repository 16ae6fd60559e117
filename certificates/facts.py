"""What a certificate states: its facts as plain JSON values, its language and dates.
:func:`draft` (``issuance.draft``) is the one owner of the language and dates, for a preview
and an issue alike.

Since facts format 3 the design is frozen with the facts, so a PDF is rendered again byte for
byte whatever the site settings say later (``certificates.pdf``):

- ``design``: the template the qualification chose (``classic`` or ``bilingual``), the
  organisation's address and the signatory (name, title) in the certificate's language, and
  the images printed, each by its content address ``<sha256>.<ext>`` (``lms.site_settings``
  stores them under that name and never changes nor deletes them).
- ``translations``: the same texts (issuer, address, signatory, qualification and seminar
  titles, criterion titles, disclaimer) in every other language the qualification has a title
  in (and Kazakh and Russian for the bilingual template), read from the qualification and
  ``lms.content_translations`` at issue. A copy in another language is drawn from these.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from flask import current_app

from certificates import eligibility
from certificates.models import Qualification, QualificationKind
from certificates.public_record import FACTS_FORMAT, criterion_fact
from lms import content_translations as ct
from lms import site_settings
from lms.timezone import site_today
from seminars.models import Seminar


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def verify_url(number: str) -> str:
    """The address printed on the certificate: the configured public URL, never the host of
    whichever request happened to issue it."""
    return f"{current_app.config['PUBLIC_URL']}/verify/{number}"


def language_of(seminar: Seminar | None, language: str | None) -> str:
    """The language asked for if offered, else the seminar's, else the site's."""
    languages = current_app.config["LANGUAGES"]
    for candidate in (language, seminar.language if seminar else None):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def expiry(qualification: Qualification, issued_on: date) -> date | None:
    months = qualification.validity_months
    return add_months(issued_on, months) if months else None


def translated(obj, field: str, language: str) -> str:
    """``obj.field`` in ``language`` where a translation exists, else the original (also for
    a model not registered for translation)."""
    try:
        return ct.text(obj, field, language)
    except KeyError:
        return getattr(obj, field)


def seminar_facts(seminar: Seminar | None, language: str | None = None) -> dict | None:
    """The seminar's title in the certificate's ``language`` where translated (frozen with the
    facts: a later edit of the seminar or its translation never changes a certificate)."""
    if seminar is None:
        return None
    # The days as people where the seminar ran saw them, not UTC dates.
    days = sorted(site_today(session.starts_at) for session in seminar.sessions)
    return {
        "title": ct.text(seminar, "title", language) if language else seminar.title,
        "starts_on": days[0].isoformat() if days else None,
        "ends_on": days[-1].isoformat() if days else None,
    }


TEMPLATES = ("classic", "bilingual")
BILINGUAL_LANGUAGES = ("kk", "ru")


def copy_languages(qualification: Qualification, language: str, template: str) -> list[str]:
    """The languages other than ``language`` the certificate's texts are frozen in: those the
    qualification has a title in, and Kazakh and Russian for the bilingual template."""
    languages = current_app.config["LANGUAGES"]
    wanted = {code for code, title in qualification.titles.items() if (title or "").strip()}
    if template == "bilingual":
        wanted.update(BILINGUAL_LANGUAGES)
    return [code for code in languages if code in wanted and code != language]


def _criterion_titles(qualification: Qualification, codes: list[str], language: str) -> list:
    by_code = {criterion.code: criterion for criterion in qualification.criteria}
    return [
        translated(by_code[code], "title", language) if code in by_code else None for code in codes
    ]


def _texts(qualification: Qualification, seminar: Seminar | None, codes, language: str) -> dict:
    """The certificate's texts in ``language`` (see the module's note)."""
    return {
        "issuer": site_settings.organisation_name(language),
        "address": site_settings.text("organisation_address", language),
        "signatory_name": site_settings.text("signatory_name", language),
        "signatory_title": site_settings.text("signatory_title", language),
        "qualification": qualification.title(language),
        "seminar": translated(seminar, "title", language) if seminar else None,
        "criteria": _criterion_titles(qualification, codes, language),
        "disclaimer": qualification.disclaimer(language),
    }


def design_facts(template: str, texts: dict) -> dict:
    images = {name: site_settings.image(name) for name in site_settings.IMAGES}
    signatory = None
    if texts["signatory_name"]:
        signatory = {"name": texts["signatory_name"], "title": texts["signatory_title"]}
    return {
        "template": template if template in TEMPLATES else TEMPLATES[0],
        "address": texts["address"],
        "signatory": signatory,
        "images": {name: stored for name, stored in images.items() if stored},
    }


def build_facts(
    *,
    number: str,
    qualification: Qualification,
    holder: str,
    seminar: Seminar | None,
    result: eligibility.Eligibility,
    language: str,
    issued_on: date,
    expires_on: date | None,
    template: str | None = None,
) -> dict:
    """What the certificate states, as plain JSON values (decimals as strings)."""
    # Only the public record is signed (certificates.public_record): criteria as met or not
    # with their rule, no percentages, no hours.
    criteria = []
    if result.criteria is not None and qualification.kind == QualificationKind.QUALIFICATION:
        average = result.criteria.compensable_average
        criteria = [criterion_fact(row, average) for row in result.criteria.criteria]
    return facts_of(
        number=number,
        qualification=qualification,
        holder=holder,
        seminar=seminar,
        criteria=criteria,
        language=language,
        issued_on=issued_on,
        expires_on=expires_on,
        template=template or qualification.certificate_template,
    )


def facts_of(
    *,
    number: str,
    qualification: Qualification,
    holder: str,
    seminar: Seminar | None,
    criteria: list[dict],
    language: str,
    issued_on: date,
    expires_on: date | None,
    template: str,
) -> dict:
    codes = [row["code"] for row in criteria]
    texts = _texts(qualification, seminar, codes, language)
    for row, title in zip(criteria, texts["criteria"], strict=True):
        if title:
            row["title"] = title
    translations = {}
    for other in copy_languages(qualification, language, template):
        translations[other] = _texts(qualification, seminar, codes, other)
    seminar_fact = seminar_facts(seminar)
    if seminar_fact is not None:
        seminar_fact["title"] = texts["seminar"]
    return {
        "format": FACTS_FORMAT,
        "number": number,
        "kind": qualification.kind,
        "qualification": {"slug": qualification.slug, "title": texts["qualification"]},
        "holder": holder,
        "seminar": seminar_fact,
        "criteria": criteria,
        "issuer": texts["issuer"],
        "issued_on": issued_on.isoformat(),
        "expires_on": expires_on.isoformat() if expires_on else None,
        "language": language,
        "disclaimer": texts["disclaimer"],
        "design": design_facts(template, texts),
        "translations": translations,
    }


def keep(facts: dict, kept: dict, earlier_translations: dict | None) -> None:
    """``facts`` stating what an earlier certificate stated (a reissue or renewal keeps its
    seminar and criteria): ``kept`` replaces those facts, and their texts in the other
    languages are the earlier certificate's too (its original titles where it had none)."""
    facts.update(kept)
    for language, texts in (facts.get("translations") or {}).items():
        earlier = (earlier_translations or {}).get(language) or {}
        if "seminar" in kept:
            texts["seminar"] = earlier.get("seminar") or (kept["seminar"] or {}).get("title")
        if "criteria" in kept:
            texts["criteria"] = earlier.get("criteria") or [
                row.get("title") for row in kept["criteria"] or []
            ]


def sample_facts(
    qualification: Qualification, *, template: str, language: str, holder: str, number: str
) -> dict:
    """A certificate of ``qualification`` as ``template`` draws it, with every criterion
    met and no seminar: the trainers' preview of a design (never signed, never stored)."""
    today = site_today()
    criteria = [
        {"code": c.code, "title": c.title, "met": True, "rule": None}
        for c in sorted(qualification.criteria, key=lambda c: c.code)
    ]
    if qualification.kind != QualificationKind.QUALIFICATION:
        criteria = []
    return facts_of(
        number=number,
        qualification=qualification,
        holder=holder,
        seminar=None,
        criteria=criteria,
        language=language,
        issued_on=today,
        expires_on=expiry(qualification, today),
        template=template,
    )


@dataclass(frozen=True)
class Draft:
    """What a certificate of ``qualification`` issued on ``issued_on`` states besides its
    holder and evidence: the one owner of its language and dates, for a preview and an issue."""

    qualification: Qualification
    seminar: Seminar | None
    language: str
    issued_on: date
    expires_on: date | None

    def facts(self, *, number: str, holder: str, result: eligibility.Eligibility) -> dict:
        return build_facts(
            number=number,
            qualification=self.qualification,
            holder=holder,
            seminar=self.seminar,
            result=result,
            language=self.language,
            issued_on=self.issued_on,
            expires_on=self.expires_on,
        )


def draft(
    qualification: Qualification,
    seminar: Seminar | None,
    *,
    language: str | None = None,
    today: date | None = None,
) -> Draft:
    """The language asked for if offered, else the seminar's, else the site's; issued today;
    expiring after the qualification's validity."""
    today = today or site_today()
    return Draft(
        qualification, seminar, language_of(seminar, language), today, expiry(qualification, today)
    )
