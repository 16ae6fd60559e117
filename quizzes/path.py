"""The quiz on a trainee's path: what the intro page says before starting (how many questions,
the pass mark and each criterion's threshold, attempts left) and the "next step" a course
shows once every module is read (``courses.next_steps``, registered by ``quizzes.init_app``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses.models import Course, CourseStatus, Enrolment
from courses.next_steps import NextStep, title_of
from lms.extensions import db
from lms.formatting import format_percent
from lms.models import User
from quizzes.models import (
    Attempt,
    AttemptStatus,
    Criterion,
    DrawRule,
    InstrumentKind,
    Question,
    Quiz,
    QuizQuestion,
)


def question_count(quiz: Quiz) -> int:
    """How many questions an attempt has: the fixed list, or the sum of the draw rules."""
    if quiz.selection == "draw":
        return sum(rule.count for rule in quiz.draw_rules)
    return len(quiz.fixed_questions)


def measured_criteria(quiz: Quiz) -> list[Criterion]:
    """The criteria the quiz's questions measure, in the order of their codes."""
    if quiz.selection == "draw":
        found = {rule.criterion.id: rule.criterion for rule in quiz.draw_rules}
    else:
        found = {
            link.question.criterion.id: link.question.criterion for link in quiz.fixed_questions
        }
    return sorted(found.values(), key=lambda criterion: criterion.code)


@dataclass(frozen=True)
class Threshold:
    title: str
    percent: int
    must_pass: bool


@dataclass(frozen=True)
class Intro:
    """What the trainee is told before starting."""

    questions: int
    thresholds: list[Threshold]
    attempts_left: int | None  # None: no limit


def intro(quiz: Quiz, finished: int) -> Intro:
    """``finished``: the trainee's finished attempts of ``quiz``."""
    thresholds = [
        Threshold(title_of(criterion), threshold, criterion.must_pass)
        for criterion in measured_criteria(quiz)
        if (threshold := criterion.threshold(InstrumentKind.QUIZ.value)) is not None
    ]
    left = None
    if quiz.attempts_allowed is not None:
        left = max(quiz.attempts_allowed - finished, 0)
    return Intro(question_count(quiz), thresholds, left)


def _details(quiz: Quiz, finished: int) -> tuple[str, ...]:
    count = question_count(quiz)
    details = [
        ngettext("%(num)d question", "%(num)d questions", count),
        _("pass mark %(percent)s", percent=format_percent(quiz.pass_mark)),
    ]
    if quiz.attempts_allowed is not None:
        left = max(quiz.attempts_allowed - finished, 0)
        details.append(ngettext("%(num)d attempt left", "%(num)d attempts left", left))
    return tuple(details)


def next_steps(user: User, courses: list[Course]) -> dict[int, NextStep]:
    """For each course (every module read): its first published quiz not passed yet that the
    trainee may still attempt. A quiz waiting for a trainer's marking, passed or with every
    attempt used is not a next step. Three queries for any number of courses."""
    course_ids = [course.id for course in courses]
    enrolled = set(
        db.session.scalars(
            select(Enrolment.course_id).where(
                Enrolment.user_id == user.id, Enrolment.course_id.in_(course_ids)
            )
        )
    )
    quizzes = (
        list(
            db.session.scalars(
                select(Quiz)
                .where(Quiz.course_id.in_(enrolled), Quiz.published.is_(True))
                .options(
                    selectinload(Quiz.draw_rules),
                    selectinload(Quiz.fixed_questions),
                )
                .order_by(Quiz.course_id, Quiz.id)
            )
        )
        if enrolled
        else []
    )
    attempts: dict[int, list[Attempt]] = {quiz.id: [] for quiz in quizzes}
    if quizzes:
        for attempt in db.session.scalars(
            select(Attempt).where(
                Attempt.user_id == user.id,
                Attempt.quiz_id.in_(list(attempts)),
                Attempt.status != AttemptStatus.IN_PROGRESS.value,
            )
        ):
            attempts[attempt.quiz_id].append(attempt)
    steps: dict[int, NextStep] = {}
    for quiz in quizzes:
        if quiz.course_id in steps:
            continue
        mine = attempts[quiz.id]
        if any(attempt.passed or attempt.passed is None for attempt in mine):
            continue  # passed, or waiting for a trainer's marking
        if quiz.attempts_allowed is not None and len(mine) >= quiz.attempts_allowed:
            continue
        label = (
            _("Take the quiz: %(title)s", title=title_of(quiz))
            if not mine
            else _("Try the quiz again: %(title)s", title=title_of(quiz))
        )
        steps[quiz.course_id] = NextStep(
            "quiz",
            label,
            url_for("quizzes.quiz_page", quiz_id=quiz.id),
            _details(quiz, len(mine)),
        )
    return steps


def quizzes_measuring(criterion_ids: list[int]) -> dict[int, list[Quiz]]:
    """Criterion id -> the published quizzes of published courses that measure it (by a draw
    rule or a question of their fixed list), course quizzes before those drawing across
    courses, in two queries."""
    found: dict[int, list[Quiz]] = {criterion_id: [] for criterion_id in criterion_ids}
    if not criterion_ids:
        return found
    published = (Quiz.published.is_(True), Course.status == CourseStatus.PUBLISHED.value)
    pairs = db.session.execute(
        select(DrawRule.criterion_id, Quiz.id)
        .join(Quiz, DrawRule.quiz_id == Quiz.id)
        .join(Course, Quiz.course_id == Course.id)
        .where(DrawRule.criterion_id.in_(criterion_ids), *published)
        .union(
            select(Question.criterion_id, Quiz.id)
            .select_from(QuizQuestion)
            .join(Question, QuizQuestion.question_id == Question.id)
            .join(Quiz, QuizQuestion.quiz_id == Quiz.id)
            .join(Course, Quiz.course_id == Course.id)
            .where(Question.criterion_id.in_(criterion_ids), *published)
        )
    ).all()
    quiz_ids = {quiz_id for _criterion, quiz_id in pairs}
    quizzes = (
        {
            quiz.id: quiz
            for quiz in db.session.scalars(
                select(Quiz).where(Quiz.id.in_(quiz_ids)).options(selectinload(Quiz.course))
            )
        }
        if quiz_ids
        else {}
    )
    for criterion_id, quiz_id in pairs:
        found[criterion_id].append(quizzes[quiz_id])
    for quizzes_of in found.values():
        quizzes_of.sort(key=lambda quiz: (quiz.bank_scope != "course", quiz.id))
    return found
