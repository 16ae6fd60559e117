"""The demo trainees' evidence for the certificates (``certificates.demo`` tells the story):
modules read, quizzes answered by ``quizzes.model_answers`` and marked, the drafting task
assessed, attendance signed off (and later corrected), the pilot seminar a year earlier. Every
step goes through the real services and first looks for what it would create."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from assessments.lifecycle import draft_for, sign_off, start_assessment
from assessments.models import Assessment, AssessmentStatus, LineKind, Rubric
from assessments.scoring import save_sheet
from courses import learning
from courses.models import Course, ModuleCompletion
from lms.extensions import db
from lms.models import User
from lms.timezone import site_today, site_zone
from quizzes import attempts, marking
from quizzes.model_answers import answer_values
from quizzes.models import Attempt, Criterion, Quiz
from quizzes.question_types import get_type
from seminars import attendance, authoring, registration
from seminars.demo import DEMO_DAYS, NOT_THE_GENERAL_COURSE, load_translations
from seminars.models import Attendance, Seminar, SeminarStatus

# --- learning, quizzes and assessments -------------------------------------------------------


def complete_courses(user: User, courses: list[Course]) -> None:
    """Enrol and read every module (those read at their current version are left alone)."""
    query = select(ModuleCompletion.module_id, ModuleCompletion.module_version).where(
        ModuleCompletion.user_id == user.id
    )
    for course in courses:
        learning.enrol(user, course)
        read = dict(db.session.execute(query).all())
        for module in course.modules:
            if read.get(module.id) != module.version:
                learning.complete_module(user, module)


def _wrong_positions(attempt: Attempt, code: str | None) -> set[int]:
    """The positions to answer wrong so that ``code``'s share in this attempt is just under
    its quiz threshold: that criterion's questions, lightest first, until it drops below."""
    if code is None:
        return set()
    criterion = db.session.scalar(select(Criterion).where(Criterion.code == code))
    threshold = criterion.threshold("quiz") if criterion else None
    if threshold is None:
        return set()
    items = [q for q in attempt.questions if q.version.question.criterion.code == code]
    points = {
        q.position: get_type(q.version.question.type).max_points(
            q.version.definition, q.version.points
        )
        for q in items
    }
    # The lightest questions first, so the share lands as close under the threshold as it can.
    items.sort(key=lambda q: (points[q.position], q.version.question_id))
    total = earned = sum(points.values())
    wrong: set[int] = set()
    for item in items:
        if earned * 100 < threshold * total:
            break
        earned -= points[item.position]
        wrong.add(item.position)
    return wrong


def take_quiz(
    quiz: Quiz, user: User, *, at: datetime, marker: User, fail_criterion: str | None = None
) -> Attempt:
    """One attempt at ``at``, answered right (but for ``fail_criterion``, kept just under its
    threshold), written answers scored in full by ``marker``. An attempt that exists is
    finished instead of repeated."""
    finished = attempts.finished_attempts(quiz, user)
    attempt = finished[0] if finished else attempts.start(quiz, user, now=at)
    attempt = attempts.load_attempt(attempt.id)
    if not finished:
        wrong = _wrong_positions(attempt, fail_criterion)
        for item in attempt.questions:
            values = answer_values(
                item.version.question.type,
                item.version.definition,
                item.presentation,
                right=item.position not in wrong,
            )
            attempts.save_answer(attempt, item.position, values, now=at + timedelta(minutes=1))
        attempts.submit(attempt, now=at + timedelta(minutes=25))
    for item in list(attempt.questions):
        if item.version.question.type == "free_text" and item.manual_points is None:
            rubric = item.version.definition["rubric"]
            marking.score(item, [line["points"] for line in rubric], by=marker)
    return attempt


DRAFTING_SLUG = "settlement-drafting-task"
DRAFTING_NOTES = (
    "Every required element is there. The instalments, dates and bank details make the terms "
    "performable; say in plain words what happens after a late payment."
)
# Points per drafting-task quality line (checklist lines are all present): 18 of 20.
DRAFTING_QUALITY = (4, 3, 3, 4, 4)


def sign_off_drafting(user: User, trainer: User, seminar: Seminar) -> Assessment | None:
    """Day 5's drafting task for ``user``, scored and signed off (kept if it exists)."""
    rubric = db.session.scalar(select(Rubric).where(Rubric.slug == DRAFTING_SLUG))
    if rubric is None:
        return None
    done = db.session.scalar(
        select(Assessment).where(
            Assessment.rubric_id == rubric.id,
            Assessment.user_id == user.id,
            Assessment.status == AssessmentStatus.SIGNED_OFF.value,
        )
    )
    if done is not None:
        return done
    assessment = draft_for(rubric, user) or start_assessment(rubric, user, trainer, seminar=seminar)
    quality = iter(DRAFTING_QUALITY)
    scores = {
        line.id: 1 if line.kind == LineKind.CHECKLIST.value else next(quality, 3)
        for line in rubric.lines
    }
    save_sheet(assessment, trainer, scores=scores, notes=DRAFTING_NOTES, breach=None)
    return sign_off(assessment, trainer)


# --- seminars --------------------------------------------------------------------------------


def record_attendance(seminar: Seminar, marks: dict[int, dict[int, tuple[str, object]]]) -> None:
    """Each session's sheet ``{user_id: (status, hours)}`` by day number, signed off by the
    session's trainer. Signed-off sessions are left alone."""
    for day, session in enumerate(sorted(seminar.sessions, key=lambda s: s.starts_at), start=1):
        if session.signed_off:
            continue
        by = session.trainer or seminar.trainer_links[0].user
        attendance.save_sheet(session, marks.get(day, {}), by)
        attendance.sign_off(session, by)


PILOT_SEMINAR_TITLE = "Basic training for public mediators: pilot (demo)"


def seed_pilot_seminar(app: Flask, course: Course, trainer: User, trainee: User) -> Seminar:
    """The seminar's first run, five days some fourteen months ago, completed with one
    participant present throughout."""
    pilot = db.session.scalar(select(Seminar).where(Seminar.title == PILOT_SEMINAR_TITLE))
    if pilot is None:
        pilot = authoring.create_seminar(
            course,
            [trainer],
            title=PILOT_SEMINAR_TITLE,
            capacity=10,
            language="ru",
            venue="Almaty, House of Friendship",
            description="The first run of the five-day seminar (40 academic hours), a year "
            "before the current one. Demo seminar of the platform. " + NOT_THE_GENERAL_COURSE,
        )
    if not pilot.sessions:
        zone = site_zone()
        start = site_today() - timedelta(days=425)
        monday = start - timedelta(days=start.weekday())
        for number, topic in enumerate(DEMO_DAYS):
            day = monday + timedelta(days=number)
            authoring.add_session(
                pilot,
                topic=topic,
                academic_hours=Decimal("8"),
                starts_at=datetime.combine(day, time(9, 0), zone),
                ends_at=datetime.combine(day, time(17, 0), zone),
                trainer=trainer,
            )
        db.session.refresh(pilot)
    load_translations(pilot)  # before the registration: its message names the seminar
    if registration.find_registration(pilot, trainee) is None:
        registration.add_participant(pilot, trainee, organisation="Akimat of Almaty")
    record_attendance(pilot, {day: {trainee.id: ("present", None)} for day in range(1, 6)})
    if pilot.status != SeminarStatus.COMPLETED:
        authoring.set_status(pilot, SeminarStatus.COMPLETED)
    return pilot


def pilot_issue_date(pilot: Seminar) -> date:
    """The Monday after the pilot's last day: when its certificates were issued."""
    last = max(site_today(session.starts_at) for session in pilot.sessions)
    return last + timedelta(days=3)


# Мария's days 3 and 4 of the demo seminar, found to be someone else's check-in.
CORRECTION_REASON = (
    "A complaint was upheld: another participant checked in for her; she was absent."
)


def correct_to_absent(seminar: Seminar, user: User, days: tuple[int, ...], by: User) -> None:
    sessions = sorted(seminar.sessions, key=lambda s: s.starts_at)
    marks = attendance.marks_of(seminar, user)
    for day in days:
        session = sessions[day - 1]
        mark: Attendance | None = marks.get(session.id)
        if mark is not None and mark.hours > 0:
            attendance.correct(session, user.id, "absent", None, CORRECTION_REASON, by)
