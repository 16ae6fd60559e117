"""Is a trainee eligible for a qualification? Every requirement, met or not, and what is left.

:func:`gather` reads the evidence from the database in a fixed number of queries;
:func:`evaluate` is pure and turns the evidence into the checklist a trainee sees on "My
certificates" and a trainer sees before issuing. :func:`check` does both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assessments.combination import Standing, describe_reason
from assessments.standing import standings
from certificates.models import IdentityConfirmation, Qualification
from certificates.qualifications import signatures_latest_first
from certificates.translations import (
    ORIGINAL_LANGUAGE,
    declarations_in_force,
    signature_in_force,
)
from courses.learning import progress_of_many
from lms.extensions import db
from lms.formatting import format_hours, format_percent
from lms.models import User
from lms.timezone import site_today
from seminars.attendance import attended_hours
from seminars.models import Seminar


@dataclass(frozen=True)
class Requirement:
    key: str  # courses, criteria, hours, sessions, declaration, identity, age, education
    label: str
    met: bool
    left: tuple[str, ...] = ()  # what is still missing, in words


@dataclass
class Eligibility:
    requirements: list[Requirement]
    criteria: Standing | None = None
    hours: Decimal | None = None

    @property
    def eligible(self) -> bool:
        return all(requirement.met for requirement in self.requirements)

    @property
    def missing(self) -> list[str]:
        return [text for r in self.requirements if not r.met for text in (r.left or (r.label,))]


class CourseEvidence(NamedTuple):
    title: str
    done: int  # modules of the course read now
    total: int  # modules the course has now
    # Completed once (``CourseCompletion``) or every module read now; None: from done/total.
    completed: bool | None = None

    @property
    def counts_as_completed(self) -> bool:
        if self.completed is not None:
            return self.completed
        return self.total > 0 and self.done >= self.total


@dataclass
class Evidence:
    """What the database says about one trainee, for one qualification and seminar."""

    courses: list[tuple] = field(default_factory=list)  # CourseEvidence (or its first three)
    criteria: Standing | None = None
    hours: Decimal | None = None  # attended hours in signed-off sessions of the seminar
    attended_topics: list[str] = field(default_factory=list)
    declaration: tuple[str, datetime] | None = None  # text signed, when
    declaration_language: str | None = None  # the language signed in (None: the original)
    # The declaration's texts in force by language (``certificates.translations``); None:
    # only the qualification's original text.
    declaration_texts: dict[str, str] | None = None
    identity: IdentityConfirmation | None = None


def _years_between(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _course(entry: tuple) -> CourseEvidence:
    return entry if isinstance(entry, CourseEvidence) else CourseEvidence(*entry)


def evaluate(qualification: Qualification, evidence: Evidence, today: date) -> Eligibility:
    """The checklist for ``evidence`` under ``qualification``'s rules (pure)."""
    requirements: list[Requirement] = []
    if qualification.courses:
        left = tuple(
            str(
                _l(
                    "%(course)s: %(count)d of %(total)d modules left",
                    course=course.title,
                    count=course.total - course.done,
                    total=course.total,
                )
            )
            for course in map(_course, evidence.courses)
            if not course.counts_as_completed
        )
        requirements.append(
            Requirement("courses", str(_l("Required courses completed")), not left, left)
        )
    if qualification.criteria:
        requirements.append(_criteria(evidence.criteria))
    if qualification.min_hours is not None:
        attended = evidence.hours or Decimal(0)
        short = qualification.min_hours - attended
        requirements.append(
            Requirement(
                "hours",
                str(
                    _l(
                        "At least %(hours)s academic hours of seminar attended",
                        hours=format_hours(qualification.min_hours),
                    )
                ),
                short <= 0,
                ()
                if short <= 0
                else (
                    str(
                        _l(
                            "%(hours)s more seminar hours",
                            hours=format_hours(short, round_up_to_tenth=True),
                        )
                    ),
                ),
            )
        )
    if qualification.session_topics:
        attended = [topic.casefold() for topic in evidence.attended_topics]
        left = tuple(
            str(_l("Attend the session “%(topic)s”", topic=wanted))
            for wanted in qualification.session_topics
            if not any(wanted.casefold() in topic for topic in attended)
        )
        requirements.append(
            Requirement("sessions", str(_l("Required seminar sessions attended")), not left, left)
        )
    if qualification.declaration_text:
        requirements.append(_declaration(qualification, evidence, today))
    requirements.extend(_identity(qualification, evidence.identity, today))
    return Eligibility(requirements, evidence.criteria, evidence.hours)


def _criteria(result: Standing | None) -> Requirement:
    label = str(_l("Qualification criteria met"))
    if result is None:
        return Requirement("criteria", label, False, (label,))
    left = []
    for row in result.criteria:
        if row.met:
            continue
        texts = [describe_reason(reason) for reason in row.reasons] or [str(_l("not met"))]
        left += [f"{row.title}: {text}" for text in texts]
    if result.average_met is False:
        left.append(
            str(
                _l(
                    "Average of the criteria that may compensate each other: "
                    "%(p)s < %(t)s required",
                    p=format_percent(result.average),
                    t=format_percent(result.compensable_average),
                )
            )
        )
    return Requirement("criteria", label, result.met, tuple(left))


def _declaration(qualification: Qualification, evidence: Evidence, today: date) -> Requirement:
    label = str(_l("Ethics declaration signed"))
    if evidence.declaration is None:
        return Requirement("declaration", label, False, (str(_l("Sign the ethics declaration")),))
    text, signed_at = evidence.declaration
    texts = evidence.declaration_texts
    if texts is None:
        texts = {ORIGINAL_LANGUAGE: qualification.declaration_text}
    if not signature_in_force(texts, text, evidence.declaration_language):
        return Requirement(
            "declaration",
            label,
            False,
            (str(_l("The declaration has changed since you signed it: sign it again")),),
        )
    days = qualification.declaration_valid_days
    # The day it was signed as people in the site's time zone saw it, like ``today``.
    if days is not None and site_today(signed_at) + timedelta(days=days) < today:
        return Requirement(
            "declaration",
            label,
            False,
            (str(_l("Your signature is older than %(days)d days: sign again", days=days)),),
        )
    return Requirement("declaration", label, True)


def _identity(
    qualification: Qualification, identity: IdentityConfirmation | None, today: date
) -> list[Requirement]:
    found: list[Requirement] = []
    if (
        qualification.requires_identity
        or qualification.min_age
        or (qualification.requires_higher_education)
    ):
        found.append(
            Requirement(
                "identity",
                str(_l("Identity confirmed by the training centre")),
                identity is not None,
                () if identity else (str(_l("A trainer checks your identity document")),),
            )
        )
    if qualification.min_age:
        born = identity.date_of_birth if identity else None
        years = None if born is None else _years_between(born, today)
        old_enough = years is not None and years >= qualification.min_age
        if old_enough:
            left = ()
        elif years is None:
            left = (str(_l("A trainer confirms your date of birth")),)
        else:
            left = (
                str(
                    _l(
                        "You must be at least %(age)d years old (you are %(years)d)",
                        age=qualification.min_age,
                        years=years,
                    )
                ),
            )
        found.append(
            Requirement(
                "age",
                str(_l("At least %(age)d years old", age=qualification.min_age)),
                old_enough,
                left,
            )
        )
    if qualification.requires_higher_education:
        has = bool(identity and identity.higher_education)
        found.append(
            Requirement(
                "education",
                str(_l("Higher education confirmed")),
                has,
                () if has else (str(_l("A trainer confirms your higher education diploma")),),
            )
        )
    return found


def gather(user: User, qualification: Qualification, seminar: Seminar | None) -> Evidence:
    return gather_many([user], qualification, seminar)[user.id]


def gather_many(
    users: list[User], qualification: Qualification, seminar: Seminar | None
) -> dict[int, Evidence]:
    """The evidence of each of ``users`` (by id), in a number of queries that depends on the
    qualification (its courses) but not on how many users there are."""
    ids = [user.id for user in users]
    found = {user_id: Evidence() for user_id in ids}
    if not ids:
        return found
    for course in qualification.courses:
        progress = progress_of_many(users, course)
        for user_id in ids:
            mine = progress[user_id]
            found[user_id].courses.append(
                CourseEvidence(course.title, mine.done, mine.total, mine.course_completed)
            )
    if qualification.criteria:
        results = standings(
            ids,
            criteria=[criterion.code for criterion in qualification.criteria],
            compensable_average=qualification.compensable_average,
        )
        for user_id in ids:
            found[user_id].criteria = results[user_id]
    if seminar is not None:
        for user_id, attended in attended_hours(seminar, ids).items():
            found[user_id].hours = attended.signed_off
            found[user_id].attended_topics = list(attended.topics)
    signatures = list(db.session.scalars(signatures_latest_first(ids, qualification)))
    # The texts in force (original and up-to-date translations): one query, when needed.
    texts = declarations_in_force(qualification) if signatures else {}
    for declaration in signatures:
        mine = found[declaration.user_id]
        if mine.declaration is None:  # the latest signature counts
            mine.declaration = (declaration.text, declaration.signed_at)
            mine.declaration_language = declaration.language
            mine.declaration_texts = texts
    for identity in db.session.scalars(
        select(IdentityConfirmation).where(IdentityConfirmation.user_id.in_(ids))
    ):
        found[identity.user_id].identity = identity
    return found


def check_many(
    users: list[User],
    qualification: Qualification,
    seminar: Seminar | None,
    today: date | None = None,
) -> dict[int, Eligibility]:
    """Each user's checklist (by id): one :func:`gather_many`, then pure :func:`evaluate`."""
    today = today or site_today()
    evidence = gather_many(users, qualification, seminar)
    return {user_id: evaluate(qualification, found, today) for user_id, found in evidence.items()}


def check(
    user: User, qualification: Qualification, seminar: Seminar | None, today: date | None = None
) -> Eligibility:
    return check_many([user], qualification, seminar, today)[user.id]
