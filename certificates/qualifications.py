"""Qualifications and what trainees provide for them: the ethics declaration and identity."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import Select

from certificates.models import (
    EthicsDeclaration,
    IdentityConfirmation,
    Qualification,
    QualificationCriterion,
    QualificationKind,
)
from certificates.translations import declaration_for
from courses.models import Course
from lms import content_translations as ct
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.text import normalise_person_name
from lms.timezone import site_today
from quizzes.models import Criterion

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class QualificationData:
    """Everything a qualification states, as typed (validated by :func:`save_qualification`)."""

    slug: str
    kind: str
    titles: dict[str, str]
    disclaimers: dict[str, str]
    course_ids: list[int] = field(default_factory=list)
    criterion_codes: list[str] = field(default_factory=list)
    compensable_average: int | None = None
    min_hours: str | Decimal | None = None
    required_session_topics: str = ""
    declaration_text: str = ""
    declaration_valid_days: int | None = None
    requires_identity: bool = True
    min_age: int | None = None
    requires_higher_education: bool = False
    validity_months: int | None = None
    ce_hours: str | Decimal | None = None  # continuing education per period, to renew
    ce_ethics_hours: str | Decimal | None = None
    self_claim: bool = False
    active: bool = True


def all_qualifications(
    *, active_only: bool = False, requirements: bool = True
) -> list[Qualification]:
    """Every qualification (the active ones with ``active_only``) by id, with the courses
    and criteria each requires (three queries, whatever their number). Without
    ``requirements``, one query and neither: for a reader that may need none, such as the
    dashboard card when its user holds every qualification; it then reads them all at once
    with :func:`load_requirements` (read one by one, they would cost two queries each)."""
    return list(db.session.scalars(_qualifications(active_only, requirements)))


@functools.cache
def _qualifications(active_only: bool, requirements: bool) -> Select:
    """``all_qualifications``' statement, built once per combination (the trainee's
    dashboard asks on every visit)."""
    query = select(Qualification)
    if requirements:
        query = query.options(
            selectinload(Qualification.courses), selectinload(Qualification.criteria)
        )
    if active_only:
        query = query.where(Qualification.active.is_(True))
    return query.order_by(Qualification.id)


def load_requirements(qualifications: list[Qualification]) -> None:
    """Read the courses and criteria of ``qualifications`` read without them
    (``all_qualifications(requirements=False)``) in two queries, as its eager loads would,
    and set them as loaded."""
    by_id = {qualification.id: qualification for qualification in qualifications}
    if not by_id:
        return
    for relation, target in ((Qualification.courses, Course), (Qualification.criteria, Criterion)):
        found: dict[int, list] = {qualification_id: [] for qualification_id in by_id}
        rows = db.session.execute(
            select(Qualification.id, target).join(relation).where(Qualification.id.in_(by_id))
        )
        for qualification_id, item in rows:
            found[qualification_id].append(item)
        for qualification_id, items in found.items():
            set_committed_value(by_id[qualification_id], relation.key, items)


def judged_criterion_ids() -> set[int]:
    """The criteria an active qualification judges: every quiz measuring one of them counts
    towards eligibility, so ``quizzes.quiz_authoring`` holds it to the quiz rule (registered
    in ``certificates.init_app``)."""
    return set(
        db.session.scalars(
            select(QualificationCriterion.criterion_id)
            .join(Qualification, Qualification.id == QualificationCriterion.qualification_id)
            .where(Qualification.active.is_(True))
        )
    )


def qualification_by_slug(slug: str) -> Qualification | None:
    return db.session.scalar(select(Qualification).where(Qualification.slug == slug))


def _whole(value, name: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ServiceError(
            _l("Use a whole number from %(low)d to %(high)d.", low=low, high=high), field=name
        )
    return value


def _hours(value, name: str) -> Decimal | None:
    """Hours as typed: empty is None; "36,5" as Russian and Kazakh write it, like seminar
    hours; more than 0, at most 10,000, in tenths."""
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        hours = Decimal(-1)
    if not (hours.is_finite() and 0 < hours <= 10000 and hours == hours.quantize(Decimal("0.1"))):
        raise ServiceError(_l("Give the hours as a number such as 36 or 36.5."), name)
    return hours


def save_qualification(data: QualificationData, qualification: Qualification | None = None):
    """Create or update a qualification after checking every field; commits."""
    languages = current_app.config["LANGUAGES"]
    slug = (data.slug or "").strip().lower()
    if not SLUG.match(slug) or len(slug) > 80:
        raise ServiceError(_l("Use lower-case letters, digits and hyphens."), field="slug")
    clash = qualification_by_slug(slug)
    if clash is not None and clash is not qualification:
        raise ServiceError(_l("Another qualification uses this short name."), field="slug")
    if data.kind not in set(QualificationKind):
        raise ServiceError(_l("Choose the kind of certificate."), field="kind")
    titles = {lang: " ".join((data.titles.get(lang) or "").split()) for lang in languages}
    if not titles.get("en") or any(len(t) > 200 for t in titles.values()):
        raise ServiceError(_l("Give the title in English (at most 200 characters)."), "titles")
    disclaimers = {lang: (data.disclaimers.get(lang) or "").strip() for lang in languages}
    if not disclaimers.get("en") or any(len(t) > 1000 for t in disclaimers.values()):
        raise ServiceError(
            _l("Give the disclaimer printed on the certificate (at most 1,000 characters)."),
            "disclaimers",
        )
    courses = list(db.session.scalars(select(Course).where(Course.id.in_(data.course_ids or []))))
    if len(courses) != len(set(data.course_ids or [])):
        raise ServiceError(_l("One of the chosen courses does not exist."), field="courses")
    criteria = list(
        db.session.scalars(select(Criterion).where(Criterion.code.in_(data.criterion_codes or [])))
    )
    if len(criteria) != len(set(data.criterion_codes or [])):
        raise ServiceError(_l("One of the chosen criteria does not exist."), field="criteria")
    hours = _hours(data.min_hours, "min_hours")
    validity_months = _whole(data.validity_months, "validity_months", 1, 600)
    ce_hours = _hours(data.ce_hours, "ce_hours")
    ce_ethics_hours = _hours(data.ce_ethics_hours, "ce_ethics_hours")
    if ce_hours is not None and validity_months is None:
        raise ServiceError(
            _l("Continuing education applies to certificates that expire: give the validity."),
            "ce_hours",
        )
    if ce_ethics_hours is not None and (ce_hours is None or ce_ethics_hours > ce_hours):
        raise ServiceError(
            _l("The ethics hours are part of the hours needed: at most as many."),
            "ce_ethics_hours",
        )
    # Line ends as stored everywhere (browsers send CRLF): re-saving the same text from a
    # form must not look like a changed declaration that every trainee has to sign again.
    declaration = (data.declaration_text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(declaration) > 5000:
        raise ServiceError(_l("Keep the declaration under 5,000 characters."), "declaration_text")
    topics = "\n".join(
        t.strip()[:300] for t in (data.required_session_topics or "").splitlines() if t.strip()
    )
    values = {
        "slug": slug,
        "kind": data.kind,
        "titles_json": json.dumps(titles, ensure_ascii=False, sort_keys=True),
        "disclaimers_json": json.dumps(disclaimers, ensure_ascii=False, sort_keys=True),
        "compensable_average": _whole(data.compensable_average, "compensable_average", 0, 100),
        "min_hours": hours,
        "required_session_topics": topics,
        "declaration_text": declaration,
        "declaration_valid_days": _whole(
            data.declaration_valid_days, "declaration_valid_days", 1, 3650
        ),
        "requires_identity": bool(data.requires_identity),
        "min_age": _whole(data.min_age, "min_age", 14, 100),
        "requires_higher_education": bool(data.requires_higher_education),
        "validity_months": validity_months,
        "ce_hours": ce_hours,
        "ce_ethics_hours": ce_ethics_hours,
        "self_claim": bool(data.self_claim),
        "active": bool(data.active),
    }
    if qualification is None:
        qualification = Qualification(**values)
        db.session.add(qualification)
    else:
        for name, value in values.items():
            setattr(qualification, name, value)
    qualification.courses = courses
    qualification.criteria = criteria
    db.session.commit()
    return qualification


def signatures_latest_first(user_ids: list[int], qualification: Qualification) -> Select:
    """The users' signatures under ``qualification``'s declaration, each user's latest (the
    one that counts) first."""
    return (
        select(EthicsDeclaration)
        .where(
            EthicsDeclaration.user_id.in_(user_ids),
            EthicsDeclaration.qualification_id == qualification.id,
        )
        .order_by(EthicsDeclaration.signed_at.desc(), EthicsDeclaration.id.desc())
    )


def latest_declaration(user: User, qualification: Qualification) -> EthicsDeclaration | None:
    """The signature that counts: ``user``'s latest under ``qualification``'s declaration."""
    return db.session.scalars(signatures_latest_first([user.id], qualification).limit(1)).first()


def sign_declaration(
    user: User,
    qualification: Qualification,
    signed_name: str,
    *,
    locale: str | None = None,
    shown_digest: str | None = None,
) -> EthicsDeclaration:
    """The trainee signs the declaration as it reads now in their language (``locale``, the
    reader's by default: its translation in force, else the original), typing their full
    name. The signature keeps that exact text and its language. ``shown_digest``, the SHA-256
    of the text the page showed, refuses a signature when the text changed meanwhile."""
    if not qualification.declaration_text:
        raise ServiceError(_l("This qualification asks for no declaration."))
    text, language = declaration_for(qualification, locale or ct.current_locale())
    if shown_digest is not None and shown_digest != ct.digest(text):
        raise ServiceError(
            _l("The declaration changed while you were reading it: read it again, then sign."),
            field="signed_name",
        )
    typed = normalise_person_name(signed_name, field="signed_name", max_length=200)
    profile_name = " ".join(unicodedata.normalize("NFKC", user.full_name).split())
    if typed.casefold() != profile_name.casefold():
        raise ServiceError(
            _l("Type your full name exactly as in your profile: %(name)s", name=user.full_name),
            field="signed_name",
        )
    signature = EthicsDeclaration(
        user_id=user.id,
        qualification_id=qualification.id,
        text=text,
        language=language,
        signed_name=typed,
    )
    db.session.add(signature)
    db.session.commit()
    return signature


def confirm_identity(
    user: User,
    *,
    legal_name: str,
    date_of_birth: date | None,
    higher_education: bool,
    by: User,
) -> IdentityConfirmation:
    """A trainer records what they checked on the identity document (no document numbers)."""
    name = normalise_person_name(legal_name, field="legal_name", max_length=200, min_length=2)
    today = site_today()
    if date_of_birth is not None and not (date(1900, 1, 1) <= date_of_birth <= today):
        raise ServiceError(_l("Give a real date of birth."), field="date_of_birth")
    identity = db.session.scalar(
        select(IdentityConfirmation).where(IdentityConfirmation.user_id == user.id)
    )
    if identity is None:
        identity = IdentityConfirmation(user_id=user.id)
        db.session.add(identity)
    identity.legal_name = name
    identity.date_of_birth = date_of_birth
    identity.higher_education = bool(higher_education)
    identity.confirmed_by_id = by.id
    identity.confirmed_at = utcnow()
    db.session.commit()
    return identity


def name_on_certificate(user: User, identity: IdentityConfirmation | None) -> str:
    """The legal name a trainer confirmed, else the profile's name."""
    return identity.legal_name if identity else user.full_name


def holder_name(user: User) -> str:
    identity = db.session.scalar(
        select(IdentityConfirmation).where(IdentityConfirmation.user_id == user.id)
    )
    return name_on_certificate(user, identity)
