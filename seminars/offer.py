"""Seminars a trainee can still join and what each would give: the academic hours and the
topics of its sessions still to come. Read by the course's "next step" (registered with
``courses.next_steps`` by ``seminars.init_app``) and by "My certificates", which lists the
seminars that would give the hours and sessions a trainee lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from courses.models import Course
from courses.next_steps import NextStep, title_of
from lms.database import utcnow
from lms.extensions import db
from lms.formatting import format_date, format_hours
from lms.models import User
from seminars.authoring import upcoming_query
from seminars.models import Registration, Seminar, SeminarSession, SeminarStatus
from seminars.registration import ACTIVE, counts, registration_problem


@dataclass(frozen=True)
class Offer:
    """An open seminar and what it would still give someone who registers now."""

    seminar: Seminar
    sessions: list[SeminarSession]  # the sessions still to come
    hours: Decimal
    seats_free: int

    @property
    def starts_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    def covers(self, topic: str) -> bool:
        """Whether a session still to come is on ``topic`` (the eligibility rule: the wanted
        text within the session's topic, case aside)."""
        wanted = topic.casefold()
        return any(wanted in session.topic.casefold() for session in self.sessions)


def open_offers(course_ids: list[int] | None = None, *, now: datetime | None = None) -> list[Offer]:
    """Seminars open for registration now, with sessions still to come (of ``course_ids``
    when given), the soonest first: three queries however many seminars."""
    now = now or utcnow()
    query = upcoming_query().where(Seminar.status == SeminarStatus.OPEN.value)
    if course_ids is not None:
        query = query.where(Seminar.course_id.in_(course_ids))
    seminars = [
        seminar
        for seminar in db.session.scalars(query)
        if registration_problem(seminar, now) is None
    ]
    seats = counts([seminar.id for seminar in seminars])
    offers = []
    for seminar in seminars:
        coming = [session for session in seminar.sessions if session.starts_at > now]
        if not coming:
            continue
        hours = sum((session.academic_hours for session in coming), Decimal(0))
        free = max(seminar.capacity - seats[seminar.id]["seats"], 0)
        offers.append(Offer(seminar, coming, hours, free))
    offers.sort(key=lambda offer: (offer.starts_at, offer.seminar.id))
    return offers


def _details(offer: Offer) -> tuple[str, ...]:
    return (
        _("starts on %(date)s", date=format_date(offer.starts_at)),
        _("%(hours)s academic hours", hours=format_hours(offer.hours)),
    )


def next_steps(user: User, courses: list[Course]) -> dict[int, NextStep]:
    """For each course (every module read, its quiz done): the trainee's own seminar of the
    course still to come, else an open seminar of the course to register for. Four queries
    for any number of courses."""
    course_ids = [course.id for course in courses]
    now = utcnow()
    mine = {
        seminar.course_id: seminar
        for seminar in db.session.scalars(
            select(Seminar)
            .join(Registration, Registration.seminar_id == Seminar.id)
            .join(SeminarSession, SeminarSession.seminar_id == Seminar.id)
            .where(
                Registration.user_id == user.id,
                Registration.status.in_(ACTIVE),
                Seminar.course_id.in_(course_ids),
                Seminar.status != SeminarStatus.CANCELLED.value,
                SeminarSession.ends_at > now,
            )
            .order_by(Seminar.id.desc())
        )
    }
    steps: dict[int, NextStep] = {}
    for course_id, seminar in mine.items():
        steps[course_id] = NextStep(
            "seminar",
            _("Your seminar: %(title)s", title=title_of(seminar)),
            url_for("seminars.detail", seminar_id=seminar.id),
        )
    wanted = [course_id for course_id in course_ids if course_id not in steps]
    if wanted:
        for offer in open_offers(wanted, now=now):
            seminar = offer.seminar
            if seminar.course_id in steps:
                continue
            steps[seminar.course_id] = NextStep(
                "seminar",
                _("Register for the seminar: %(title)s", title=title_of(seminar)),
                url_for("seminars.detail", seminar_id=seminar.id),
                _details(offer),
            )
    return steps
