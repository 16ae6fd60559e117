"""What a certificate states: its facts as plain JSON values, its language and dates. Pure but
for the configuration (no queries). :func:`draft` (``issuance.draft``) is the one owner of the
language and dates, for a preview and an issue alike."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from flask import current_app

from certificates import eligibility
from certificates.models import Qualification, QualificationKind
from certificates.public_record import FACTS_FORMAT, criterion_fact
from lms import content_translations as ct
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
) -> dict:
    """What the certificate states, as plain JSON values (decimals as strings)."""
    # Only the public record is signed (certificates.public_record): criteria as met or not
    # with their rule, no percentages, no hours.
    criteria = []
    if result.criteria is not None and qualification.kind == QualificationKind.QUALIFICATION:
        average = result.criteria.compensable_average
        criteria = [criterion_fact(row, average) for row in result.criteria.criteria]
    return {
        "format": FACTS_FORMAT,
        "number": number,
        "kind": qualification.kind,
        "qualification": {"slug": qualification.slug, "title": qualification.title(language)},
        "holder": holder,
        "seminar": seminar_facts(seminar, language),
        "criteria": criteria,
        "issuer": current_app.config["ORGANISATION_NAME"],
        "issued_on": issued_on.isoformat(),
        "expires_on": expires_on.isoformat() if expires_on else None,
        "language": language,
        "disclaimer": qualification.disclaimer(language),
    }


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
