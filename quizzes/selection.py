"""Which questions an attempt gets: a fixed list, or a draw of N per criterion.

A draw takes the current versions of active questions that are not withdrawn, from the
quiz's bank scope: its own course ("course"), or every course's bank ("all", for a final
exam across the programme). "All" means the quiz's own course plus every *published*
course: a draft course's questions may not be reviewed yet, and an archived course's bank
is retired, so neither reaches trainees through another course's exam.

A question of a must-pass criterion whose current version rests on a possibly amended
provision and has no ``verified_on`` date is *held back*: never drawn, never given from a
fixed list, and a fixed list holding one cannot be published (``held_back`` is the rule;
raising the flag voids an earlier date, see ``question_authoring.update_question``).
"""

from __future__ import annotations

import random

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import selectinload

from courses.models import Course, CourseStatus
from lms.extensions import db
from lms.service_error import ServiceError
from quizzes.models import BankScope, Criterion, DrawRule, Question, QuestionVersion, Quiz


def held_back() -> ColumnElement[bool]:
    """The condition on ``Question`` for a question never given for a must-pass criterion:
    its criterion is must-pass and its current version is marked possibly amended with no
    date of verification (the Law was read in an older wording; shared/domain review)."""
    unverified = (
        select(QuestionVersion.id)
        .where(
            QuestionVersion.question_id == Question.id,
            QuestionVersion.version == Question.current_version,
            QuestionVersion.possibly_amended.is_(True),
            QuestionVersion.verified_on == "",
        )
        .exists()
    )
    must_pass = (
        select(Criterion.id)
        .where(Criterion.id == Question.criterion_id, Criterion.must_pass.is_(True))
        .exists()
    )
    return and_(must_pass, unverified)


def held_back_ids(question_ids) -> set[int]:
    """Which of these questions are held back (see ``held_back``)."""
    ids = list(question_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Question.id).where(Question.id.in_(ids), held_back())))


def in_scope(quiz: Quiz) -> ColumnElement[bool]:
    """The condition on ``Question`` for the courses whose banks ``quiz`` draws from."""
    if quiz.bank_scope == BankScope.ALL:
        published = select(Course.id).where(Course.status == CourseStatus.PUBLISHED.value)
        return or_(Question.course_id == quiz.course_id, Question.course_id.in_(published))
    return Question.course_id == quiz.course_id


def bank_questions(quiz: Quiz, criterion_ids) -> Select:
    """Active, not withdrawn questions of the quiz's scope measuring those criteria, less
    the held-back ones."""
    return (
        select(Question)
        .where(
            in_scope(quiz),
            Question.criterion_id.in_(list(criterion_ids)),
            Question.active.is_(True),
            Question.withdrawn_at.is_(None),
            ~held_back(),
        )
        .options(selectinload(Question.versions))
    )


def pool(quiz: Quiz, criterion_id: int, difficulty: int | None = None) -> list[QuestionVersion]:
    """Current versions of the scope's drawable questions of a criterion (and difficulty)."""
    questions = db.session.scalars(bank_questions(quiz, [criterion_id]).order_by(Question.id))
    versions = [question.current for question in questions]
    if difficulty is not None:
        versions = [v for v in versions if v.difficulty == difficulty]
    return versions


def _pool(quiz: Quiz, rule: DrawRule) -> list[QuestionVersion]:
    """The versions a draw rule chooses from."""
    return pool(quiz, rule.criterion_id, rule.difficulty)


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
    # Rules of one criterion share its bank: a "any difficulty" rule draws after the others,
    # from what they left, so the criterion's total must fit in its whole bank.
    by_criterion: dict[int, list[DrawRule]] = {}
    for rule in quiz.draw_rules:
        by_criterion.setdefault(rule.criterion_id, []).append(rule)
    for rules in by_criterion.values():
        total = sum(rule.count for rule in rules)
        if len(rules) < 2:
            continue
        available = len(pool(quiz, rules[0].criterion_id))
        if available < total:
            problems.append(
                str(
                    _l(
                        "%(code)s: %(count)d questions wanted in all, the bank has %(available)d.",
                        code=rules[0].criterion.code,
                        count=total,
                        available=available,
                    )
                )
            )
    return problems


def given_links(quiz: Quiz) -> list:
    """The entries of a fixed list that an attempt gets: active, not withdrawn, not held back."""
    links = [
        link
        for link in quiz.fixed_questions
        if link.question.active and link.question.withdrawn_at is None
    ]
    held = held_back_ids(link.question_id for link in links)
    return [link for link in links if link.question_id not in held]


def held_back_problems(quiz: Quiz) -> list[str]:
    """A fixed list holding a held-back question cannot be published."""
    held = held_back_ids(link.question_id for link in quiz.fixed_questions)
    return [
        str(
            _l(
                "“%(key)s” rests on a provision that may have been amended and has not been "
                "verified since, so it is never given for the must-pass criterion %(code)s. "
                "Record the date you checked it against the current text, or remove it.",
                key=link.question.key,
                code=link.question.criterion.code,
            )
        )
        for link in sorted(quiz.fixed_questions, key=lambda item: item.position)
        if link.question_id in held
    ]


def select_versions(quiz: Quiz, rng: random.Random) -> list[QuestionVersion]:
    if quiz.selection == "draw":
        problems = draw_problems(quiz)
        if problems:
            raise ServiceError(" ".join(problems))
        chosen: list[QuestionVersion] = []
        ordered = sorted(
            quiz.draw_rules,
            key=lambda r: (r.criterion_id, r.difficulty is None, r.difficulty or 0),
        )
        for rule in ordered:
            pool = [v for v in _pool(quiz, rule) if v not in chosen]
            chosen.extend(rng.sample(pool, rule.count))
    else:
        chosen = [link.question.current for link in given_links(quiz)]
    if not chosen:
        raise ServiceError(_l("This quiz has no questions yet."))
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return chosen
