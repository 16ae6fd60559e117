"""The seminars' calendar: the sessions of a month and the upcoming ones, as everyone sees
them (seminars open, closed or completed, of published courses) plus the reader's own (where
they hold a seat or teach, whatever its state but cancelled); and a user's personal feed.

Each list is one query for the sessions (seminars and courses loaded with them) and one for
the reader's own seminars, whatever the number of sessions."""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from courses.models import Course, CourseStatus
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.timezone import site_zone
from seminars.models import (
    Registration,
    Seminar,
    SeminarSession,
    SeminarStatus,
    SeminarTrainer,
)
from seminars.registration import HOLDS_A_SEAT

PUBLIC = (SeminarStatus.OPEN.value, SeminarStatus.CLOSED.value, SeminarStatus.COMPLETED.value)


def own_seminar_ids(user: User) -> set[int]:
    """The seminars ``user`` holds a seat in or teaches (a trainer of the seminar or of one of
    its sessions); one query. Nobody's for visitors."""
    if not user.is_authenticated:
        return set()
    seats = select(Registration.seminar_id).where(
        Registration.user_id == user.id, Registration.status.in_(HOLDS_A_SEAT)
    )
    teaches = select(SeminarTrainer.seminar_id).where(SeminarTrainer.user_id == user.id)
    sessions = select(SeminarSession.seminar_id).where(SeminarSession.trainer_id == user.id)
    return set(db.session.scalars(seats.union(teaches, sessions)))


def _public() -> ColumnElement[bool]:
    return Seminar.status.in_(PUBLIC) & (Course.status == CourseStatus.PUBLISHED.value)


def _sessions(where, mine: set[int], *, public: bool = True, limit: int | None = None):
    shown = [Seminar.id.in_(mine) & (Seminar.status != SeminarStatus.CANCELLED.value)]
    if public:
        shown.append(_public())
    query = (
        select(SeminarSession)
        .join(Seminar, SeminarSession.seminar_id == Seminar.id)
        .join(Course, Seminar.course_id == Course.id)
        .where(or_(*shown), *where)
        .options(contains_eager(SeminarSession.seminar).contains_eager(Seminar.course))
        .order_by(SeminarSession.starts_at, SeminarSession.id)
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    sessions: list  # SeminarSession, by start


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[Day]]
    sessions: list  # every session of the month, by start
    mine: set[int]  # the reader's own seminar ids

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.first + timedelta(days=32)).replace(day=1)


def parse_month(text: str | None, today: date) -> date | None:
    """``YYYY-MM`` as the first day of that month (years 2000 to 2100); empty: this month;
    anything else None."""
    if not text:
        return today.replace(day=1)
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2 or not (year + month).isascii():
            return None
        first = date(int(year), int(month), 1)
    except ValueError:
        return None
    return first if 2000 <= first.year <= 2100 else None


def month(first: date, user: User) -> Month:
    """The weeks (Monday first) of the month starting ``first``, each day with its sessions
    as the site's time zone dates them."""
    zone = site_zone()
    weeks_dates = month_calendar.Calendar(firstweekday=0).monthdatescalendar(
        first.year, first.month
    )
    start = datetime.combine(weeks_dates[0][0], time(), zone).astimezone(UTC)
    end = datetime.combine(weeks_dates[-1][-1] + timedelta(days=1), time(), zone).astimezone(UTC)
    mine = own_seminar_ids(user)
    found = _sessions([SeminarSession.starts_at >= start, SeminarSession.starts_at < end], mine)
    by_day: dict[date, list] = {}
    for session in found:
        by_day.setdefault(session.starts_at.astimezone(zone).date(), []).append(session)
    weeks = [
        [Day(day, day.month == first.month, by_day.get(day, [])) for day in week]
        for week in weeks_dates
    ]
    in_month = [s for s in found if s.starts_at.astimezone(zone).date().month == first.month]
    return Month(first, weeks, in_month, mine)


def upcoming(user: User, limit: int = 20) -> tuple[list, set[int]]:
    """The next ``limit`` sessions not yet ended, and the reader's own seminar ids."""
    mine = own_seminar_ids(user)
    return _sessions([SeminarSession.ends_at > utcnow()], mine, limit=limit), mine


def feed_seminars(user: User) -> list[Seminar]:
    """The seminars of ``user``'s personal feed: those they hold a seat in or teach, but
    cancelled ones, with their sessions (two queries)."""
    mine = own_seminar_ids(user)
    if not mine:
        return []
    return list(
        db.session.scalars(
            select(Seminar)
            .where(Seminar.id.in_(mine), Seminar.status != SeminarStatus.CANCELLED.value)
            .options(joinedload(Seminar.course))
            .order_by(Seminar.id)
        ).unique()
    )
