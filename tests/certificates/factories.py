"""Real evidence for certificate tests, built through the services trainees and trainers use:
graded quiz attempts, signed-off practical assessments, completed courses, seminars with
signed-off attendance. Plain functions (the quizzes/ and courses/ fixtures are not visible
here); every one commits."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from assessments import lifecycle, rubrics, scoring
from assessments.models import Rubric
from assessments.rubrics import LineSpec
from courses import learning
from lms.database import utcnow
from lms.extensions import db
from quizzes import attempts, bank
from quizzes.demo import CRITERIA
from quizzes.models import Attempt, AttemptStatus, Quiz, QuizQuestion
from seminars import attendance, authoring, registration

_numbers = itertools.count(1)


def demo_criteria() -> dict:
    """The demo criteria of shared/domain/qualification-criteria.md, as quizzes/demo seeds them:
    C1 law (quiz 80, must pass), C3 ethics (quiz 90 + rubric 75, must pass), C4/C5 (rubric 70,
    floor 60), C7 (quiz 70, floor 60), ..."""
    for code, title, must_pass, floor, thresholds in CRITERIA:
        bank.ensure_criterion(code, title, must_pass=must_pass, floor=floor, thresholds=thresholds)
    return {code: bank.criterion_by_code(code) for code, *_ in CRITERIA}


def _option(question, right: bool) -> str:
    key = question.presentation["key"]
    options = question.version.definition["options"]
    return next(i for i, index in key.items() if bool(options[index].get("correct")) is right)


def graded_attempt(course, user, items) -> Attempt:
    """A graded attempt of a new quiz of ``course``: ``items`` are (criterion code, points,
    answered right?) per single-choice question, so 39 points right and 11 wrong on one
    criterion make exactly 78 %."""
    number = next(_numbers)
    quiz = Quiz(course_id=course.id, slug=f"quiz-{number}", title=f"Quiz {number}", published=True)
    db.session.add(quiz)
    db.session.flush()
    wanted = {}
    for position, (code, points, right) in enumerate(items, start=1):
        question = bank.create_question(
            course,
            key=f"q{number}-{position}",
            criterion=bank.criterion_by_code(code),
            type="single_choice",
            commit=False,
            stem=f"Question {number}.{position}?",
            definition={"options": [{"text": "Right", "correct": True}, {"text": "Wrong"}]},
            points=points,
            difficulty=1,
            feedback="",
            source="Law Art. 4",
            fact_tag="V",
            verified_on="2026-01-01",
            possibly_amended=False,
        )
        db.session.flush()
        quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=position))
        wanted[question.id] = right
    db.session.commit()
    attempt = attempts.start(quiz, user)
    for question in attempt.questions:
        right = wanted[question.version.question_id]
        attempts.save_answer(attempt, question.position, [_option(question, right)])
    attempts.submit(attempt)
    assert attempt.status == AttemptStatus.GRADED
    return attempt


def role_play(course, lines) -> Rubric:
    """A role-play rubric of quality lines: (label, criterion code, minimum or None)."""
    codes = {code for _, code, _ in lines}
    ids = {code: bank.criterion_by_code(code).id for code in codes}
    return rubrics.create_rubric(
        course,
        title=f"Role-play {next(_numbers)}",
        kind="role_play",
        lines=[LineSpec(label, ids[code], "quality", minimum) for label, code, minimum in lines],
    )


def assess(rubric, trainee, trainer, points, *, breach=None, now: datetime | None = None):
    """A signed-off assessment with ``points`` per line, optionally a serious breach of the
    criterion with code ``breach``. The trainee must be enrolled in the rubric's course."""
    assessment = lifecycle.start_assessment(rubric, trainee, trainer)
    scoring.score_lines(
        assessment,
        {line.id: value for line, value in zip(rubric.lines, points, strict=True)},
        trainer,
    )
    if breach:
        scoring.mark_breach(
            assessment, bank.criterion_by_code(breach).id, "Revealed caucus information", trainer
        )
    lifecycle.sign_off(assessment, trainer, now=now)
    return assessment


def complete(user, course, count: int | None = None) -> None:
    """Enrol ``user`` and complete the first ``count`` modules (all by default)."""
    learning.enrol(user, course)
    modules = list(course.modules)
    for module in modules[: len(modules) if count is None else count]:
        learning.complete_module(user, module)


def make_seminar(
    course,
    trainer,
    sessions,
    *,
    title: str = "Public mediator seminar",
    language: str = "ru",
    start: datetime | None = None,
):
    """A seminar of ``course`` with one session per (topic, academic hours), a day apart."""
    seminar = authoring.create_seminar(
        course, [trainer], title=title, capacity=10, language=language, venue="Astana"
    )
    # Held in the past by default: a sheet is signed off after its session has ended.
    start = start or utcnow().replace(microsecond=0) - timedelta(days=10)
    for number, (topic, hours) in enumerate(sessions):
        authoring.add_session(
            seminar,
            starts_at=start + timedelta(days=number),
            ends_at=start + timedelta(days=number, hours=3),
            topic=topic,
            academic_hours=Decimal(str(hours)),
            trainer=trainer,
        )
    db.session.refresh(seminar)
    return seminar


def seat(seminar, *users) -> None:
    for user in users:
        registration.add_participant(seminar, user)


def attend(session, trainer, marks: dict, *, sign: bool = True) -> None:
    """Mark the sheet: ``{user: "present" | "absent" | partial hours}``, then sign it off."""
    sheet = {}
    for user, mark in marks.items():
        if mark in ("present", "absent"):
            sheet[user.id] = (mark, None)
        else:
            sheet[user.id] = ("partial", str(mark))
    attendance.save_sheet(session, sheet, trainer)
    if sign:
        attendance.sign_off(session, trainer)
