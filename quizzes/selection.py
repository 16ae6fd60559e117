"""Which questions an attempt gets: a fixed list, or a draw of N per criterion."""

from __future__ import annotations

import random

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.service_error import ServiceError
from quizzes.models import DrawRule, Question, QuestionVersion, Quiz


def _pool(quiz: Quiz, rule: DrawRule) -> list[QuestionVersion]:
    """Current versions of the course's active questions that fit the rule."""
    questions = db.session.scalars(
        select(Question)
        .where(
            Question.course_id == quiz.course_id,
            Question.criterion_id == rule.criterion_id,
            Question.active.is_(True),
        )
        .options(selectinload(Question.versions))
        .order_by(Question.id)
    )
    versions = [question.current for question in questions]
    if rule.difficulty is not None:
        versions = [v for v in versions if v.difficulty == rule.difficulty]
    return versions


def draw_problems(quiz: Quiz) -> list[str]:
    """Rules the bank cannot satisfy (checked when the quiz is saved)."""
    problems = []
    for rule in quiz.draw_rules:
        available = len(_pool(quiz, rule))
        if available < rule.count:
            level = f", difficulty {rule.difficulty}" if rule.difficulty else ""
            problems.append(
                str(
                    _l(
                        "%(code)s%(level)s: %(count)d questions wanted, "
                        "the bank has %(available)d.",
                        code=rule.criterion.code,
                        level=level,
                        count=rule.count,
                        available=available,
                    )
                )
            )
    return problems


def select_versions(quiz: Quiz, rng: random.Random) -> list[QuestionVersion]:
    if quiz.selection == "draw":
        problems = draw_problems(quiz)
        if problems:
            raise ServiceError(" ".join(problems))
        chosen: list[QuestionVersion] = []
        for rule in sorted(quiz.draw_rules, key=lambda r: (r.criterion_id, r.difficulty or 0)):
            pool = [v for v in _pool(quiz, rule) if v not in chosen]
            chosen.extend(rng.sample(pool, rule.count))
    else:
        chosen = [link.question.current for link in quiz.fixed_questions if link.question.active]
    if not chosen:
        raise ServiceError(_l("This quiz has no questions yet."))
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return chosen
