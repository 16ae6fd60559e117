"""The public list of the register of mediators (``certificates.public_register`` owns who
may be listed): its filters, the one query of what is shown today, the feed's items.

An entry is joined to its holder's newest current certificate of its qualification that is
valid on the site's date (status valid, ``live``, not expired); an entry without one is not
in the result, so a revoked, suspended or expired certificate hides its entry in the same
moment, with no job, and a renewed or reissued one carries it on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, contains_eager, with_expression
from sqlalchemy.sql import Select

from certificates import regions
from certificates.models import Certificate, CertificateStatus, Qualification, QualificationKind
from certificates.register_models import RegisterEntry
from lms.extensions import db
from lms.search import contains
from lms.timezone import site_today

LANGUAGES = ("kk", "ru", "en")  # the languages a mediator may mediate in
MAX_WORDS = 100


@dataclass
class Filters:
    words: str = ""
    region: str = ""
    language: str = ""
    qualification: str = ""  # a qualification's slug

    @classmethod
    def of(cls, args) -> tuple[Filters, list[str]]:
        """The filters in ``args`` (a query string) and the names of those given with a
        value that is not one of the choices (left out of the filters)."""
        words = " ".join((args.get("q") or "").split())[:MAX_WORDS]
        filters, unknown = cls(words=words), []
        for name, allowed in (
            ("region", regions.BY_CODE),
            ("language", LANGUAGES),
            ("qualification", None),
        ):
            value = (args.get(name) or "").strip()
            if not value:
                continue
            if allowed is not None and value not in allowed:
                unknown.append(name)
                continue
            if allowed is None and len(value) > 80:
                unknown.append(name)
                continue
            setattr(filters, name, value)
        return filters, unknown

    def as_args(self) -> dict[str, str]:
        """The filters given, as query-string values (the feed's link from the page)."""
        values = {"q": self.words, "region": self.region, "language": self.language}
        values["qualification"] = self.qualification
        return {key: value for key, value in values.items() if value}


def current_certificate(today: date):
    """SQL: the id of the entry's holder's newest current certificate of its qualification
    that is valid on ``today`` (None: the entry is not shown)."""
    c = aliased(Certificate)
    return (
        select(c.id)
        .where(
            c.holder_id == RegisterEntry.user_id,
            c.qualification_id == RegisterEntry.qualification_id,
            c.live == 1,
            c.status == CertificateStatus.VALID.value,
            or_(c.expires_on.is_(None), c.expires_on >= today),
        )
        .order_by(c.id.desc())
        .limit(1)
        .correlate(RegisterEntry)
        .scalar_subquery()
    )


def listed(filters: Filters | None = None, today: date | None = None) -> Select:
    """The entries shown today, matching ``filters``, by name; each with its qualification
    and its certificate's number and validity date (``certificate_number``,
    ``valid_until``) in the same statement."""
    filters = filters or Filters()
    query = (
        select(RegisterEntry)
        .join(Certificate, Certificate.id == current_certificate(today or site_today()))
        .join(Qualification, Qualification.id == RegisterEntry.qualification_id)
        .options(
            contains_eager(RegisterEntry.qualification),
            with_expression(RegisterEntry.certificate_number, Certificate.number),
            with_expression(RegisterEntry.valid_until, Certificate.expires_on),
        )
        .order_by(RegisterEntry.name, RegisterEntry.id)
    )
    if filters.words:
        query = query.where(contains(RegisterEntry.name, filters.words))
    if filters.region:
        query = query.where(RegisterEntry.region == filters.region)
    if filters.language:
        query = query.where(RegisterEntry.languages.contains(f",{filters.language},"))
    if filters.qualification:
        query = query.where(Qualification.slug == filters.qualification)
    return query


def listing_exists():
    """SQL: whether the holder of the ``Certificate`` in the statement has an entry for its
    qualification (the verification page asks it within its one lookup)."""
    return (
        select(RegisterEntry.id)
        .where(
            RegisterEntry.user_id == Certificate.holder_id,
            RegisterEntry.qualification_id == Certificate.qualification_id,
        )
        .exists()
    )


def qualification_choices() -> list[Qualification]:
    """The qualifications whose holders may be listed (the list's filter), one query."""
    return list(
        db.session.scalars(
            select(Qualification)
            .where(Qualification.kind == QualificationKind.QUALIFICATION.value)
            .order_by(Qualification.id)
        )
    )


def feed_item(entry: RegisterEntry, verify_url) -> dict:
    """One entry of the JSON feed: every name in every language, so a reader needs no locale."""
    region = regions.BY_CODE.get(entry.region)
    return {
        "name": entry.name,
        "qualification": {"slug": entry.qualification.slug, "title": entry.qualification.titles},
        "region": {"code": entry.region, "name": region.names if region else {}},
        "languages": entry.language_codes,
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
        "contacts": {
            key: getattr(entry, key) for key in ("email", "phone", "website") if getattr(entry, key)
        },
        "certificate_number": entry.certificate_number,
        "verify_url": verify_url(entry.certificate_number),
    }
