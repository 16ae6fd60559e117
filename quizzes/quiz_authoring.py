"""What trainers do to quizzes, as plain functions: settings, a fixed list of questions,
draw rules and publishing (what a quiz needs first is ``publishing``'s to say; questions are
``question_authoring``'s).

Each function checks every rule first and raises ``ServiceError(message, field)`` naming the
form field concerned; it commits once at its end, and rolls back what it flushed when a rule
that needs the database (a draw the bank cannot satisfy) refuses the change, so nothing is ever
half-written.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from courses.authoring import check_slug, normalise_source, slugify
from courses.models import Course, Module
from courses.permissions import owned_course_ids
from lms import text_limits
from lms.database import commit_or_refuse, flush_or_refuse
from lms.extensions import db
from lms.models import User
from lms.routing import MAX_ID
from lms.service_error import ServiceError
from quizzes.models import (
    BankScope,
    Criterion,
    DrawRule,
    Question,
    Quiz,
    QuizQuestion,
    ReviewPolicy,
)
from quizzes.publishing import giving_problems, publish_problems
from quizzes.selection import bank_questions, draw_problems, held_back_ids

MAX_INSTRUCTIONS = text_limits.QUIZ_INSTRUCTIONS
MAX_ADD = 200  # questions added to a fixed list at once


def whole_number(value, low: int, high: int) -> bool:
    """``value`` is an int (not a bool) from ``low`` to ``high``."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


# --- quiz settings ---------------------------------------------------------------------------

SETTINGS = (
    "title",
    "slug",
    "module_id",
    "instructions",
    "pass_mark",
    "time_limit_minutes",
    "attempts_allowed",
    "wait_minutes",
    "opens_at",
    "closes_at",
    "shuffle_questions",
    "shuffle_options",
    "review_policy",
    "selection",
    "bank_scope",
)
MAX_TIME_LIMIT = 24 * 60
MAX_ATTEMPTS = 100
MAX_WAIT = 365 * 24 * 60


def _optionalwhole_number(settings: dict, name: str, low: int, high: int, message) -> int | None:
    value = settings.get(name)
    if value is None:
        return None
    if not whole_number(value, low, high):
        raise ServiceError(message, field=name)
    return value


def _check_settings(course: Course, settings: dict, quiz: Quiz | None = None) -> dict:
    """Quiz settings as stored, or ServiceError naming the field."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown quiz settings: {sorted(unknown)}")
    title = " ".join((settings.get("title") or "").split())
    if not title:
        raise ServiceError(_l("Give the quiz a title."), field="title")
    if len(title) > 200:
        raise ServiceError(_l("Use at most %(n)d characters.", n=200), field="title")
    slug = check_slug(settings.get("slug") or slugify(title))
    taken = select(Quiz.id).where(Quiz.course_id == course.id, Quiz.slug == slug)
    if quiz is not None:
        taken = taken.where(Quiz.id != quiz.id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise ServiceError(_l("Another quiz of this course uses this address."), field="slug")
    module_id = settings.get("module_id")
    if module_id is not None:
        module = db.session.get(Module, module_id) if whole_number(module_id, 1, MAX_ID) else None
        if module is None or module.course_id != course.id:
            raise ServiceError(_l("Choose a module of this course."), field="module_id")
    instructions = normalise_source(settings.get("instructions") or "")
    text_limits.check_length(instructions, MAX_INSTRUCTIONS, "instructions")
    pass_mark = settings.get("pass_mark", 70)
    if not whole_number(pass_mark, 0, 100):
        raise ServiceError(_l("Use a whole percent from 0 to 100."), field="pass_mark")
    time_limit = _optionalwhole_number(
        settings,
        "time_limit_minutes",
        1,
        MAX_TIME_LIMIT,
        _l("Use whole minutes from 1 to %(n)d, or leave empty.", n=MAX_TIME_LIMIT),
    )
    attempts = _optionalwhole_number(
        settings,
        "attempts_allowed",
        1,
        MAX_ATTEMPTS,
        _l("Use a whole number from 1 to %(n)d, or leave empty.", n=MAX_ATTEMPTS),
    )
    wait = settings.get("wait_minutes") or 0
    if not whole_number(wait, 0, MAX_WAIT):
        raise ServiceError(
            _l("Use whole minutes from 0 to %(n)d.", n=MAX_WAIT), field="wait_minutes"
        )
    opens_at, closes_at = settings.get("opens_at"), settings.get("closes_at")
    for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        if moment is not None and (not isinstance(moment, datetime) or moment.tzinfo is None):
            raise ServiceError(_l("Enter a date and time."), field=name)
    if opens_at and closes_at and closes_at <= opens_at:
        raise ServiceError(_l("The quiz must close after it opens."), field="closes_at")
    review_policy = settings.get("review_policy", ReviewPolicy.CRITERIA.value)
    if review_policy not in {p.value for p in ReviewPolicy}:
        raise ServiceError(_l("Choose one of the review policies."), field="review_policy")
    selection = settings.get("selection", "fixed")
    if selection not in ("fixed", "draw"):
        raise ServiceError(_l("Choose a fixed list or a draw."), field="selection")
    bank_scope = settings.get("bank_scope", BankScope.COURSE.value)
    if bank_scope not in {s.value for s in BankScope}:
        raise ServiceError(_l("Choose which banks the quiz uses."), field="bank_scope")
    return {
        "title": title,
        "slug": slug,
        "module_id": module_id,
        "instructions": instructions,
        "pass_mark": pass_mark,
        "time_limit_minutes": time_limit,
        "attempts_allowed": attempts,
        "wait_minutes": wait,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "shuffle_questions": bool(settings.get("shuffle_questions", True)),
        "shuffle_options": bool(settings.get("shuffle_options", True)),
        "review_policy": review_policy,
        "selection": selection,
        "bank_scope": bank_scope,
    }


def create_quiz(course: Course, **settings) -> Quiz:
    """A new, unpublished quiz of ``course`` with no questions yet."""
    values = _check_settings(course, settings)
    quiz = Quiz(course_id=course.id, published=False, **values)
    db.session.add(quiz)
    commit_or_refuse(_l("Another quiz of this course uses this address."), field="slug")
    return quiz


def _refuse_if_broken(quiz: Quiz, field_name: str, *, rules: bool = False) -> None:
    """After a flushed change: a draw the bank cannot satisfy (the quiz draws, or ``rules``
    changed), or a published quiz left with nothing to give, undoes it and is refused."""
    problems = draw_problems(quiz) if rules or quiz.selection == "draw" else []
    if not problems and quiz.published:
        problems = giving_problems(quiz)
    if problems:
        db.session.rollback()
        raise ServiceError(" ".join(problems), field=field_name)


def update_quiz(quiz: Quiz, **settings) -> Quiz:
    values = _check_settings(quiz.course, settings, quiz)
    for name, value in values.items():
        setattr(quiz, name, value)
    flush_or_refuse(_l("Another quiz of this course uses this address."), field="slug")
    _refuse_if_broken(quiz, "selection")
    db.session.commit()
    return quiz


# --- a fixed list of questions ---------------------------------------------------------------


def usable_course_ids(quiz: Quiz, user: User) -> list[int]:
    """The banks a quiz may take questions from: its course's, or with the "all" scope every
    bank ``user`` edits (so nobody sees the answer keys of courses they do not edit)."""
    if quiz.bank_scope == BankScope.ALL.value:
        ids = owned_course_ids(user)
        return ids if quiz.course_id in ids else [quiz.course_id, *ids]
    return [quiz.course_id]


def addable_questions(quiz: Quiz, user: User, criterion_id: int | None = None) -> Select:
    """The questions ``user`` may add to the fixed list (of one criterion, if given): active,
    not withdrawn, not in the list yet, from the usable banks; the quiz's own course first."""
    present = select(QuizQuestion.question_id).where(QuizQuestion.quiz_id == quiz.id)
    query = (
        select(Question)
        .where(
            Question.course_id.in_(usable_course_ids(quiz, user)),
            Question.active.is_(True),
            Question.withdrawn_at.is_(None),
            Question.id.not_in(present),
        )
        .options(
            selectinload(Question.versions),
            joinedload(Question.criterion),
            joinedload(Question.course),
        )
        .order_by(Question.course_id != quiz.course_id, Question.course_id, Question.key)
    )
    if criterion_id is not None:
        query = query.where(Question.criterion_id == criterion_id)
    return query


def _renumber(quiz: Quiz) -> None:
    links = sorted(quiz.fixed_questions, key=lambda item: item.position)
    for position, link in enumerate(links, start=1):
        link.position = position


def add_questions(quiz: Quiz, question_ids: list[int], user: User) -> int:
    """Append questions from the usable banks to the fixed list; returns how many were new."""
    wanted = list(dict.fromkeys(question_ids))
    if not wanted:
        raise ServiceError(_l("Tick the questions to add."), field="question_ids")
    if len(wanted) > MAX_ADD:
        raise ServiceError(
            _l("Add at most %(n)d questions at a time.", n=MAX_ADD), field="question_ids"
        )
    found = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(wanted)))}
    allowed = set(usable_course_ids(quiz, user))
    for question_id in wanted:
        question = found.get(question_id)
        if question is None or question.course_id not in allowed:
            raise ServiceError(
                _l("A chosen question is not in a bank this quiz uses."), field="question_ids"
            )
        if not question.active or question.withdrawn_at is not None:
            raise ServiceError(
                _l("“%(key)s” is inactive or withdrawn; it cannot be added.", key=question.key),
                field="question_ids",
            )
    # A published list may not take on what it could not have been published with.
    held = held_back_ids(wanted) if quiz.published else set()
    if held:
        raise ServiceError(
            _l(
                "The quiz is published, and “%(key)s” is held back from its must-pass "
                "criterion until verified; it cannot be added.",
                key=next(found[i].key for i in wanted if i in held),
            ),
            field="question_ids",
        )
    present = {link.question_id for link in quiz.fixed_questions}
    position = max((link.position for link in quiz.fixed_questions), default=0)
    added = 0
    for question_id in wanted:
        if question_id in present:
            continue
        position += 1
        added += 1
        quiz.fixed_questions.append(QuizQuestion(question_id=question_id, position=position))
    commit_or_refuse(_l("The list changed meanwhile; try again."), field="question_ids")
    return added


def remove_question(quiz: Quiz, link: QuizQuestion) -> None:
    quiz.fixed_questions.remove(link)
    db.session.flush()
    _renumber(quiz)
    db.session.flush()
    if quiz.selection == "fixed":
        _refuse_if_broken(quiz, "question_ids")
    db.session.commit()


def move_question(quiz: Quiz, link: QuizQuestion, offset: int) -> None:
    """Swap a question with its neighbour (offset -1: up, +1: down); at the ends, nothing."""
    if offset not in (-1, 1):
        raise ServiceError(_l("Move a question up or down."), field="direction")
    links = sorted(quiz.fixed_questions, key=lambda item: item.position)
    index = links.index(link)
    other = index + offset
    if 0 <= other < len(links):
        links[index], links[other] = links[other], links[index]
        for position, item in enumerate(links, start=1):
            item.position = position
        db.session.commit()


# --- draw rules ------------------------------------------------------------------------------


def add_rule(quiz: Quiz, criterion: Criterion | None, count, difficulty=None) -> DrawRule:
    """Draw ``count`` questions of ``criterion`` (of one difficulty, or any). A rule set the
    bank cannot satisfy is refused with what is missing, and nothing is saved."""
    if criterion is None:
        raise ServiceError(_l("Choose a criterion."), field="criterion")
    if not criterion.active:
        raise ServiceError(
            _l("This criterion is no longer assessed; choose an active one."), field="criterion"
        )
    if not whole_number(count, 1, 100):
        raise ServiceError(_l("Draw a whole number from 1 to 100 of questions."), field="count")
    if difficulty is not None and not whole_number(difficulty, 1, 3):
        raise ServiceError(_l("Choose a difficulty from 1 to 3, or any."), field="difficulty")
    same = [rule for rule in quiz.draw_rules if rule.criterion_id == criterion.id]
    if any(rule.difficulty == difficulty for rule in same):
        raise ServiceError(
            _l("There is already a rule for this criterion and difficulty; remove it first."),
            field="criterion",
        )
    if same and (difficulty is None or any(rule.difficulty is None for rule in same)):
        raise ServiceError(
            _l(
                "A criterion has either one rule for any difficulty or rules per difficulty, "
                "not both."
            ),
            field="difficulty",
        )
    rule = DrawRule(criterion_id=criterion.id, count=count, difficulty=difficulty)
    quiz.draw_rules.append(rule)
    db.session.flush()
    _refuse_if_broken(quiz, "count", rules=True)
    db.session.commit()
    return rule


def remove_rule(quiz: Quiz, rule: DrawRule) -> None:
    quiz.draw_rules.remove(rule)
    db.session.flush()
    if quiz.selection == "draw":
        _refuse_if_broken(quiz, "criterion")
    db.session.commit()


def set_published(quiz: Quiz, published: bool) -> None:
    if published:
        problems = publish_problems(quiz)
        if problems:
            raise ServiceError(
                _l("The quiz cannot be published yet: %(problems)s", problems=" ".join(problems)),
                field="published",
            )
    quiz.published = published
    db.session.commit()


def bank_counts(quiz: Quiz) -> dict[tuple[int, int], int]:
    """Questions a draw of ``quiz`` may take, by (criterion id, difficulty of the current
    version), to help choose draw rules; the same pool as ``selection`` draws from."""
    criterion_ids = db.session.scalars(select(Criterion.id)).all()
    counts: Counter[tuple[int, int]] = Counter()
    for question in db.session.scalars(bank_questions(quiz, criterion_ids)):
        counts[(question.criterion_id, question.current.difficulty)] += 1
    return dict(counts)


def bank_size(course_ids: list[int]) -> dict[int, int]:
    """Questions per course bank (for the My quizzes page)."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(Question.course_id, func.count(Question.id))
        .where(Question.course_id.in_(course_ids))
        .group_by(Question.course_id)
    )
    return dict(rows.all())
