""" "My certificates" in plain words: each requirement of a qualification with its status (done,
in progress, to do), what is missing in numbers and a link to where it is met (the course,
the quiz, the seminar, the practical assessments, the declaration below), and the open
seminars that would give the hours and sessions a trainee lacks.

``eligibility.evaluate`` stays the one judge (met or not); this module only phrases its
answer for the trainee and finds the places. The trainers' pages keep the plain checklist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assessments.combination import Reason, Standing, describe_reason
from certificates.current import current_of
from certificates.eligibility import CourseEvidence, Eligibility, Evidence, Requirement
from certificates.models import Qualification, QualificationCourse
from certificates.status import holds
from courses.models import Course, Enrolment
from courses.next_steps import NextStep, title_of
from lms import content_translations
from lms.extensions import db
from lms.formatting import format_hours, format_percent
from lms.models import User
from quizzes.path import quizzes_measuring
from seminars.models import Seminar
from seminars.offer import Offer

DONE, IN_PROGRESS, TO_DO = "done", "in_progress", "to_do"
STATUS_WORDS = {DONE: _l("done"), IN_PROGRESS: _l("in progress"), TO_DO: _l("to do")}


@dataclass(frozen=True)
class Line:
    """One thing done or missing, and where to do it (None: nothing to open)."""

    text: str
    url: str | None = None
    done: bool = False  # says what is done (a completed course), not what is missing


@dataclass
class Step:
    """One requirement for the trainee."""

    key: str
    label: str
    status: str
    lines: list[Line] = field(default_factory=list)

    @property
    def status_word(self) -> str:
        return str(STATUS_WORDS[self.status])

    @property
    def missing(self) -> list[Line]:
        return [] if self.status == DONE else [line for line in self.lines if not line.done]


@dataclass
class Places:
    """What the page looks up once for every qualification: the user's enrolments and the
    quizzes that measure each criterion."""

    enrolled: set[int]
    quizzes: dict[int, list]  # criterion id -> quizzes measuring it

    @classmethod
    def of(cls, user: User, qualifications: list[Qualification]) -> Places:
        enrolled = set(
            db.session.scalars(select(Enrolment.course_id).where(Enrolment.user_id == user.id))
        )
        ids = sorted({criterion.id for q in qualifications for criterion in q.criteria})
        return cls(enrolled, quizzes_measuring(ids))


def _status(met: bool, started: bool) -> str:
    return DONE if met else IN_PROGRESS if started else TO_DO


def steps(
    qualification: Qualification,
    seminar: Seminar | None,
    evidence: Evidence,
    result: Eligibility,
    places: Places,
) -> list[Step]:
    """The requirements of ``result`` (in its order) as the trainee's steps."""
    found = []
    for requirement in result.requirements:
        build = _BUILDERS.get(requirement.key)
        if build is None:
            found.append(_plain(requirement))
        else:
            found.append(build(requirement, qualification, seminar, evidence, places))
    return found


def _plain(requirement: Requirement) -> Step:
    lines = [Line(text) for text in requirement.left] if not requirement.met else []
    return Step(requirement.key, requirement.label, _status(requirement.met, False), lines)


def _courses(requirement, qualification, seminar, evidence, places) -> Step:
    lines, started = [], False
    entries = [e if isinstance(e, CourseEvidence) else CourseEvidence(*e) for e in evidence.courses]
    for course, entry in zip(qualification.courses, entries, strict=False):
        title = title_of(course)
        url = url_for("courses.course_page", slug=course.slug)
        if entry.counts_as_completed:
            lines.append(Line(_("“%(course)s”: completed", course=title), url, done=True))
            started = True
            continue
        text = _(
            "“%(course)s”: %(done)d of %(total)d modules read, %(left)d to go",
            course=title,
            done=entry.done,
            total=entry.total,
            left=entry.total - entry.done,
        )
        started = started or entry.done > 0
        lines.append(Line(text, url))
    return Step("courses", _("Complete the courses"), _status(requirement.met, started), lines)


def _quiz_place(criterion_id: int, places: Places) -> tuple[str, str] | None:
    """(the quiz's title, where to take it): the quiz page in a course the trainee takes,
    else the course page (enrol first)."""
    quizzes = places.quizzes.get(criterion_id) or []
    for quiz in quizzes:
        if quiz.course_id in places.enrolled:
            return title_of(quiz), url_for("quizzes.quiz_page", quiz_id=quiz.id)
    if quizzes:
        quiz = quizzes[0]
        return title_of(quiz), url_for("courses.course_page", slug=quiz.course.slug)
    return None


def _reason_line(criterion, reason: Reason, places: Places) -> Line:
    title = title_of(criterion)
    if reason.instrument == "quiz" and reason.kind in ("missing", "below_threshold"):
        place = _quiz_place(criterion.id, places)
        quiz, url = place if place else ("", None)
        needed = format_percent(criterion.threshold("quiz"))
        if reason.kind == "missing":
            text = _(
                "%(criterion)s: take the quiz “%(quiz)s”; at least %(needed)s is needed",
                criterion=title,
                quiz=quiz,
                needed=needed,
            )
        else:
            text = _(
                "%(criterion)s: your best quiz result is %(result)s and at least %(needed)s is "
                "needed; take the quiz “%(quiz)s” again",
                criterion=title,
                result=format_percent(reason.percent),
                needed=needed,
                quiz=quiz,
            )
        return Line(text, url)
    assessments = url_for("practical.my_assessments")
    if reason.kind == "missing":
        return Line(
            _(
                "%(criterion)s: a trainer assesses it in a practical task at the seminar "
                "(a role-play or a written agreement); not assessed yet",
                criterion=title,
            ),
            assessments,
        )
    if reason.kind == "below_threshold":
        return Line(
            _(
                "%(criterion)s: your practical assessment gave %(result)s and at least "
                "%(needed)s is needed",
                criterion=title,
                result=format_percent(reason.percent),
                needed=format_percent(reason.limit),
            ),
            assessments,
        )
    return Line(f"{title}: {describe_reason(reason)}", url_for("practical.my_standing"))


def _criteria(requirement, qualification, seminar, evidence, places) -> Step:
    label = _("Pass the quizzes and the practical assessments")
    standing: Standing | None = evidence.criteria
    by_code = {criterion.code: criterion for criterion in qualification.criteria}
    lines: list[Line] = []
    started = False
    if standing is not None:
        for row in standing.criteria:
            criterion = by_code.get(row.code)
            if criterion is None:
                continue
            started = started or any(item.result is not None for item in row.instruments)
            if row.met:
                continue
            for reason in row.reasons or [Reason("missing", "quiz")]:
                line = _reason_line(criterion, reason, places)
                if line not in lines:  # a rubric and a checklist both missing: said once
                    lines.append(line)
        if standing.average_met is False:
            lines.append(
                Line(
                    _(
                        "Average of the criteria that may make up for each other: %(result)s, "
                        "at least %(needed)s is needed",
                        result=format_percent(standing.average),
                        needed=format_percent(standing.compensable_average),
                    ),
                    url_for("practical.my_standing"),
                )
            )
    if requirement.met:
        lines = [Line(_("Every criterion is met."), url_for("practical.my_standing"), done=True)]
    return Step("criteria", label, _status(requirement.met, started), lines)


def _hours(requirement, qualification, seminar, evidence, places) -> Step:
    needed = qualification.min_hours or Decimal(0)
    attended = evidence.hours or Decimal(0)
    label = _("Attend %(hours)s academic hours of one seminar", hours=format_hours(needed))
    if seminar is None:
        lines = [
            Line(
                _(
                    "%(hours)s academic hours to go: register for a seminar (hours count "
                    "within one seminar)",
                    hours=format_hours(needed),
                ),
                url_for("seminars.index"),
            )
        ]
    else:
        left = max(needed - attended, Decimal(0))
        text = _(
            "“%(seminar)s”: %(done)s of %(needed)s academic hours attended, %(left)s to go",
            seminar=title_of(seminar),
            done=format_hours(attended),
            needed=format_hours(needed),
            left=format_hours(left, round_up_to_tenth=True),
        )
        if requirement.met:
            text = _(
                "“%(seminar)s”: %(done)s academic hours attended",
                seminar=title_of(seminar),
                done=format_hours(attended),
            )
        lines = [
            Line(text, url_for("seminars.detail", seminar_id=seminar.id), done=requirement.met)
        ]
    return Step("hours", label, _status(requirement.met, attended > 0), lines)


def _sessions(requirement, qualification, seminar, evidence, places) -> Step:
    attended = [topic.casefold() for topic in evidence.attended_topics]
    url = (
        url_for("seminars.detail", seminar_id=seminar.id)
        if seminar is not None
        else url_for("seminars.index")
    )
    lines, started = [], False
    for wanted in qualification.session_topics:
        done = any(wanted.casefold() in topic for topic in attended)
        started = started or done
        text = (
            _("Session “%(topic)s”: attended", topic=wanted)
            if done
            else _("Session “%(topic)s”: not attended yet", topic=wanted)
        )
        lines.append(Line(text, url, done=done))
    return Step(
        "sessions",
        _("Attend the required seminar sessions"),
        _status(requirement.met, started),
        lines,
    )


def _declaration(requirement, qualification, seminar, evidence, places) -> Step:
    url = f"#declaration-{qualification.id}"
    if requirement.met:
        lines = [Line(_("Signed."), url, done=True)]
    else:
        lines = [Line(text, url) for text in requirement.left]
    return Step(
        "declaration",
        _("Sign the ethics declaration"),
        _status(requirement.met, evidence.declaration is not None),
        lines,
    )


_BUILDERS = {
    "courses": _courses,
    "criteria": _criteria,
    "hours": _hours,
    "sessions": _sessions,
    "declaration": _declaration,
}


def filling_offers(
    qualification: Qualification, offers: list[Offer], seated: set[int]
) -> list[Offer]:
    """The open seminars (not one the trainee already holds a seat in) whose sessions still
    to come give the qualification's hours and every required session: hours count within
    one seminar, so a seminar that gives only part of them is left out."""
    found = []
    for offer in offers:
        if offer.seminar.id in seated:
            continue
        if qualification.min_hours is not None and offer.hours < qualification.min_hours:
            continue
        if not all(offer.covers(topic) for topic in qualification.session_topics):
            continue
        found.append(offer)
    return found


def next_steps(user: User, courses: list[Course]) -> dict[int, NextStep]:
    """The last step of a course a qualification requires (modules read, quiz done, no
    seminar of it to come): what the qualification still needs, on "My certificates". Two
    queries for any number of courses."""
    course_ids = [course.id for course in courses]
    rows = db.session.execute(
        select(QualificationCourse.course_id, Qualification)
        .join(Qualification, QualificationCourse.qualification_id == Qualification.id)
        .where(QualificationCourse.course_id.in_(course_ids), Qualification.active.is_(True))
        .order_by(Qualification.id)
    ).all()
    if not rows:
        return {}
    held = {
        certificate.qualification_id for certificate in current_of([user.id]) if holds(certificate)
    }
    locale = content_translations.current_locale()
    steps: dict[int, NextStep] = {}
    for course_id, qualification in rows:
        if course_id in steps or qualification.id in held:
            continue
        steps[course_id] = NextStep(
            "certificate",
            _("See what “%(title)s” still needs", title=qualification.title(locale)),
            url_for("my_certificates.index", _anchor=f"qualification-{qualification.id}"),
        )
    return steps
