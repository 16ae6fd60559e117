"""The demo's ten-day programme on the model of the General course of mediation (issue 19):
at least 72 academic hours in a group of at most 10, sessions in order without overlap, role-
plays on most days leading to the practical assessments, its texts in three languages, and a
description that says what is verified and what is not. Seeding again changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import func, select

from assessments.lifecycle import start_assessment
from assessments.models import Assessment, Rubric, RubricKind
from certificates.demo import REQUIRED_TOPICS
from lms import content_translations as ct
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import User
from lms.timezone import site_zone
from seminars import registration
from seminars.authoring import total_hours
from seminars.demo import (
    ASSESSED_ROLE_PLAY,
    DEMO_SEMINAR_TITLE,
    DRAFTING_TASK,
    GENERAL_PROGRAMME_TITLE,
    GENERAL_SESSIONS,
    UPCOMING_SEMINAR_TITLE,
    programme_times,
)
from seminars.models import Seminar, SeminarSession


def _programme() -> Seminar:
    return db.session.scalar(select(Seminar).where(Seminar.title == GENERAL_PROGRAMME_TITLE))


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_the_programme_is_long_enough_small_and_in_order(app, seed_demo):
    seed_demo()
    seminar = _programme()
    assert seminar.status == "open"
    assert seminar.capacity <= app.config["SEMINAR_MAX_CAPACITY"] == 10
    assert total_hours(seminar) >= 72
    assert total_hours(seminar) == sum(s.hours for s in GENERAL_SESSIONS) == 80
    # The short seminars stay beside it.
    for title in (DEMO_SEMINAR_TITLE, UPCOMING_SEMINAR_TITLE):
        assert db.session.scalar(select(Seminar.id).where(Seminar.title == title))

    sessions = seminar.sessions
    assert [s.topic for s in sessions] == [s.topic for s in GENERAL_SESSIONS]
    now = datetime.now(site_zone())
    assert sessions[0].starts_at > now  # upcoming
    for earlier, later in pairwise(sessions):
        assert earlier.ends_at <= later.starts_at, (earlier.topic, later.topic)
    days = {}
    for session, planned in zip(sessions, GENERAL_SESSIONS, strict=True):
        assert session.topic.startswith(f"Day {planned.day}: ")
        assert session.academic_hours == Decimal(planned.hours)
        # An academic hour is 45 minutes (assumed): the session's clock time holds its hours.
        assert session.ends_at - session.starts_at >= planned.hours * timedelta(minutes=45)
        date = session.starts_at.astimezone(site_zone()).date()
        assert date.weekday() < 5, session.topic
        days.setdefault(planned.day, set()).add(date)
    assert sorted(days) == list(range(1, 11))
    assert all(len(dates) == 1 for dates in days.values())  # one date per day, ten dates
    assert len(set().union(*days.values())) == 10

    # What a real programme teaches (review-2026-12.md, section 4), each in some session.
    topics = " ".join(s.topic.casefold() for s in sessions)
    for subject in (
        "conflict theory",
        "negotiation theory",
        "process stages as skills",
        "communication",
        "emotion",
        "screening",
        "family",
        "labour",
        "administrative",
        "criminal",
        "co-mediation",
        "two languages",
        "online mediation",
        "practice management",
    ):
        assert subject in topics, subject
    # The sessions CPM-B requires are found in it too (a session counts when its topic
    # contains the required text).
    for required in REQUIRED_TOPICS:
        assert any(required.casefold() in s.topic.casefold() for s in sessions), required


def test_the_times_follow_the_day_plan(app):
    monday = datetime(2027, 3, 1).date()  # a Monday
    times = programme_times(monday)
    first_start, first_end = times[0]
    assert (first_start.hour, first_start.minute) == (9, 0)
    assert (first_end.hour, first_end.minute) == (9, 45)  # 1 academic hour
    assert (times[1][0].hour, times[1][0].minute) == (9, 45)
    assert (times[1][1].hour, times[1][1].minute) == (12, 15)  # 3 hours and a short break
    last_of_day_one = times[3][1]
    assert (last_of_day_one.hour, last_of_day_one.minute) == (16, 30)
    sixth_day = times[[s.day for s in GENERAL_SESSIONS].index(6)][0]
    assert sixth_day.date() == monday + timedelta(days=7)  # the second week's Monday


def test_role_plays_lead_to_the_assessments_that_score_them(app, seed_demo):
    seed_demo()
    seminar = _programme()
    role_play_days = {s.day for s in GENERAL_SESSIONS if s.kind == "role-play"}
    assert len(role_play_days) >= 7  # most of the ten days
    rubrics = {r.slug: r for r in db.session.scalars(select(Rubric))}
    kinds = {ASSESSED_ROLE_PLAY: RubricKind.ROLE_PLAY, DRAFTING_TASK: RubricKind.DRAFTING}
    for planned in GENERAL_SESSIONS:
        if planned.kind == "role-play":
            assert planned.rubric == ASSESSED_ROLE_PLAY, planned.topic
        if planned.rubric is not None:
            rubric = rubrics[planned.rubric]
            assert rubric.active and rubric.lines and rubric.kind == kinds[planned.rubric]
    assessed = [s for s in GENERAL_SESSIONS if s.kind == "assessment"]
    assert {s.rubric for s in assessed} == {ASSESSED_ROLE_PLAY, DRAFTING_TASK}
    # Every session that prepares for a rubric comes before the session scored with it.
    order = {s.topic: n for n, s in enumerate(GENERAL_SESSIONS)}
    for planned in GENERAL_SESSIONS:
        if planned.rubric and planned.kind != "assessment":
            scored = next(s for s in assessed if s.rubric == planned.rubric)
            assert order[planned.topic] < order[scored.topic]
    role_play_codes = {line.criterion.code for line in rubrics[ASSESSED_ROLE_PLAY].lines}
    assert role_play_codes == {"C2-PROC", "C3-ETH", "C4-COMM", "C5-NEG"}
    assert {line.criterion.code for line in rubrics[DRAFTING_TASK].lines} == {"C6-DRAFT"}

    # A trainee who takes a seat is assessed on both rubrics in this seminar.
    trainer = _user("aigerim.trainer@example.kz")
    trainee = _user("gulnur@example.kz")
    registration.add_participant(seminar, trainee)
    for slug in (ASSESSED_ROLE_PLAY, DRAFTING_TASK):
        assessment = start_assessment(rubrics[slug], trainee, trainer, seminar=seminar)
        assert assessment.seminar_id == seminar.id
    attached = db.session.scalar(
        select(func.count(Assessment.id)).where(Assessment.seminar_id == seminar.id)
    )
    assert attached == 2


def test_the_programme_reads_in_three_languages(app, seed_demo, client, login):
    seed_demo()
    seminar = _programme()
    english = seminar.description_paragraphs
    assert len(english) == 2
    assert "80 academic hours" in english[0] and "at most 10" in english[0]
    assert "not an accredited course" in english[1]
    assert "at least 72 academic hours" in english[1] and "not verified" in english[1]

    wanted = {
        "ru": ("не аккредитованный курс", "не менее 72 академических часов", "не проверен"),
        "kk": ("аккредиттелген курс емес", "кемінде 72 академиялық сағат", "тексерілген жоқ"),
    }
    day = {"ru": "День {}: ", "kk": "{}-күн: "}
    for locale, phrases in wanted.items():
        title = ct.text(seminar, "title", locale)
        assert title and title != seminar.title
        description = ct.text(seminar, "description", locale)
        assert len([p for p in description.split("\n\n") if p.strip()]) == 2
        for phrase in phrases:
            assert phrase in description, (locale, phrase)
        assert ct.text(seminar, "venue", locale) != seminar.venue
        for session, planned in zip(seminar.sessions, GENERAL_SESSIONS, strict=True):
            topic = ct.text(session, "topic", locale)
            assert topic != session.topic and topic.startswith(day[locale].format(planned.day))
    coverage = ct.coverage([seminar, *seminar.sessions], ("ru", "kk"))
    assert coverage["ru"].complete and coverage["kk"].complete

    # The pages: English for a visitor, Kazakh for Әсел, Russian for Гүлнұр.
    page = client.get(f"/seminars/{seminar.id}").get_data(as_text=True)
    assert f'<h1 class="h3">{seminar.title}</h1>' in page
    assert "not an accredited course" in page
    readers = {"kk": "asel@example.kz", "ru": "gulnur@example.kz"}
    for locale, email in readers.items():
        reader = login(_user(email), DEMO_PASSWORD)
        page = reader.get(f"/seminars/{seminar.id}").get_data(as_text=True)
        assert f'<h1 class="h3">{ct.text(seminar, "title", locale)}</h1>' in page
        assert ct.text(seminar.sessions[-1], "topic", locale) in page


def test_seeding_again_changes_nothing(app, seed_demo, runner):
    seed_demo()

    def counts() -> tuple:
        seminar = _programme()
        return (
            db.session.scalar(select(func.count(Seminar.id))),
            db.session.scalar(
                select(func.count(SeminarSession.id)).where(SeminarSession.seminar_id == seminar.id)
            ),
            [(s.id, s.topic, s.starts_at) for s in seminar.sessions],
            [ct.text(seminar, "title", locale) for locale in ("ru", "kk")],
            db.session.scalar(select(func.count(Rubric.id))),
        )

    before = counts()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    assert counts() == before
