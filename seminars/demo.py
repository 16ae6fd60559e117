"""Demo seminars for `flask seed-demo`: the five-day seminar (completed) and an upcoming one."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import select

from courses.models import Course
from lms import content_translations as ct
from lms.extensions import db
from lms.timezone import site_zone
from seminars import authoring, registration
from seminars.models import Seminar


def seed_demo(app, users: dict, **_) -> None:
    """After the courses: the demo seminars deliver two of them; their texts in Russian and
    Kazakh (``demo_content/seminars.<language>.yml``)."""
    seed_demo_seminar(app, users)
    seed_upcoming_seminar(app, users)
    for title in (DEMO_SEMINAR_TITLE, UPCOMING_SEMINAR_TITLE):
        seminar = db.session.scalar(select(Seminar).where(Seminar.title == title))
        if seminar is not None:
            load_translations(seminar)


# --- translations -----------------------------------------------------------------------------

DEMO_CONTENT = Path(__file__).resolve().parent / "demo_content"


def demo_translations() -> dict[str, dict[str, dict]]:
    """``{English title: {language: {title, description, venue, sessions: [topics]}}}`` from
    the files that exist (``seminars.ru.yml``, ``seminars.kk.yml``)."""
    found: dict[str, dict[str, dict]] = {}
    for path in sorted(DEMO_CONTENT.glob("seminars.*.yml")):
        locale = path.name.split(".")[1]
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for title, entry in (data.get("seminars") or {}).items():
            found.setdefault(title, {})[locale] = entry or {}
    return found


def load_translations(seminar: Seminar) -> None:
    """Store the demo translations of ``seminar`` (found by its English title) and of its
    sessions, in order; running it again changes nothing."""
    entries = demo_translations().get(seminar.title, {})
    original = seminar.course.language
    for locale, entry in entries.items():
        if locale == original or locale not in ct.languages():
            continue
        ct.save(
            seminar,
            locale,
            {name: entry[name] for name in ("title", "description", "venue") if name in entry},
        )
        for session, topic in zip(seminar.sessions, entry.get("sessions") or (), strict=False):
            ct.save(session, locale, {"topic": topic})
    db.session.commit()


# The demo's five-day seminar is 40 academic hours. The training rules for professional
# mediators of 30.12.2025 ask for a "General course of mediation" of at least 72 academic hours
# in groups of at most 10 (docs: /work/shared/domain/review-2026-12.md, sections 3 and 6): the
# demo says plainly, in each language, that its seminar is not that course.
NOT_THE_GENERAL_COURSE = (
    "It is not the “General course of mediation” of the training rules for professional "
    "mediators of 30.12.2025 (at least 72 academic hours) and does not replace it.\n\n"
    "Пять дней очно, 40 академических часов. Это не «Общий курс медиации» Правил обучения "
    "профессиональных медиаторов от 30.12.2025 (не менее 72 академических часов), и он его не "
    "заменяет.\n\n"
    "Бес күн бетпе-бет, 40 академиялық сағат. Бұл 30.12.2025 жылғы кәсіпқой медиаторларды оқыту "
    "қағидаларындағы «Медиацияның жалпы курсы» (кемінде 72 академиялық сағат) емес және оны "
    "алмастырмайды."
)
DEMO_SEMINAR_TITLE = "Basic training for public mediators (demo)"
DEMO_DAYS = (
    "Day 1: opening, the legal framework, conflict basics, role-play 1",
    "Day 2: process stages, communication skills, role-play 2",
    "Day 3: facilitating negotiation, family mediation, role-play 3",
    "Day 4: ethics, the public-consent context, role-play 4",
    "Day 5: drafting workshop, court-connected options, assessment, closing",
)


def seed_demo_seminar(app, users: dict, **_) -> None:
    """The curriculum's five-day seminar (8 academic hours a day), held Monday to Friday of
    last week with three trainees, and completed: its attendance and certificates (seeded by
    the later demos) then come after the days they record."""

    if db.session.scalar(select(Seminar.id).where(Seminar.title == DEMO_SEMINAR_TITLE)):
        return
    course = Course.by_slug("mediator-ethics")
    if course is None:
        return
    seminar = authoring.create_seminar(
        course,
        [users["trainer1"], users["trainer2"]],
        title=DEMO_SEMINAR_TITLE,
        capacity=10,
        language="ru",
        venue="Astana, House of Friendship, room 2",
        description="Five days in person, 40 academic hours: role-plays in groups of four, an "
        "assessed role-play and a drafting task on day 5. Demo seminar of the platform. "
        + NOT_THE_GENERAL_COURSE,
    )
    zone = site_zone()
    today = datetime.now(zone).date()
    monday = today - timedelta(days=today.weekday() + 7)  # last week's Monday
    for number, topic in enumerate(DEMO_DAYS):
        day = monday + timedelta(days=number)
        authoring.add_session(
            seminar,
            topic=topic,
            academic_hours=Decimal("8"),
            starts_at=datetime.combine(day, time(9, 0), zone),
            ends_at=datetime.combine(day, time(17, 0), zone),
            trainer=users["trainer1"] if number % 2 == 0 else users["trainer2"],
        )
    load_translations(seminar)  # before the registrations: their messages name it
    authoring.set_status(seminar, "open")
    for key, organisation in (
        ("trainee1", "Akimat of Astana"),
        ("trainee2", "House of Friendship"),
        ("trainee3", ""),
    ):
        registration.add_participant(seminar, users[key], organisation=organisation)
    authoring.set_status(seminar, "completed")


UPCOMING_SEMINAR_TITLE = "Mediation procedure in practice (demo)"


def seed_upcoming_seminar(app, users: dict, **_) -> None:
    """A two-day seminar in three weeks, open for registration, so that a newcomer can
    register for one and a trainer sees a seminar still to run."""
    if db.session.scalar(select(Seminar.id).where(Seminar.title == UPCOMING_SEMINAR_TITLE)):
        return
    course = Course.by_slug("mediation-procedure-kz")
    if course is None:
        return
    seminar = authoring.create_seminar(
        course,
        [users["trainer1"]],
        title=UPCOMING_SEMINAR_TITLE,
        capacity=10,
        language="kk",
        venue="Almaty, Regional Mediation Centre, hall 1",
        description="Two days in person, 16 academic hours: a mediation from proposal to "
        "agreement, step by step, with role-plays. Demo seminar of the platform.",
    )
    zone = site_zone()
    today = datetime.now(zone).date()
    start = today + timedelta(days=21 + (7 - today.weekday()) % 7)  # a Monday in 3-4 weeks
    for number, topic in enumerate(("Day 1: from proposal to contract", "Day 2: the agreement")):
        day = start + timedelta(days=number)
        authoring.add_session(
            seminar,
            topic=topic,
            academic_hours=Decimal("8"),
            starts_at=datetime.combine(day, time(9, 0), zone),
            ends_at=datetime.combine(day, time(17, 0), zone),
            trainer=users["trainer1"],
        )
    load_translations(seminar)
    authoring.set_status(seminar, "open")
