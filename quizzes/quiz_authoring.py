"""What trainers do to question banks and quizzes, as plain functions.

Each function checks every rule first and raises ``ServiceError(message, field)`` naming the
form field concerned; it commits once at its end, and rolls back what it flushed when a rule
that needs the database (a draw the bank cannot satisfy) refuses the change, so nothing is ever
half-written. Definitions are validated by the question type registry, then saved through
``bank`` (which renders the Markdown). An edit that changes nothing makes no new version.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from courses.authoring import check_slug, normalise_source, slugify
from courses.models import Course, Module
from courses.permissions import owned_course_ids
from lms import text_limits
from lms.database import commit_or_refuse
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.timezone import site_zone
from quizzes import bank
from quizzes.models import (
    AttemptQuestion,
    BankScope,
    Criterion,
    DrawRule,
    Question,
    QuestionVersion,
    Quiz,
    QuizQuestion,
    ReviewPolicy,
)
from quizzes.question_forms import FACT_TAGS, canonical
from quizzes.question_types import REGISTRY
from quizzes.selection import (
    bank_questions,
    draw_problems,
    given_links,
    held_back_ids,
    held_back_problems,
    pool,
)

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MAX_MARKDOWN = text_limits.QUESTION_TEXT
MAX_INSTRUCTIONS = text_limits.QUIZ_INSTRUCTIONS
MAX_ADD = 200  # questions added to a fixed list at once


class DefinitionProblems(ServiceError):
    """The type registry refused a definition; ``problems`` are its messages, one per issue."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems), field="definition")


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


# --- questions -------------------------------------------------------------------------------


def bank_criteria(keep: Criterion | None = None) -> list[Criterion]:
    """Criteria a question may measure: the active ones (and ``keep``, a question's own)."""
    criteria = list(db.session.scalars(select(Criterion).order_by(Criterion.code)))
    return [c for c in criteria if c.active or (keep is not None and c.id == keep.id)]


def _check_key(course: Course, key: str, question: Question | None = None) -> str:
    key = (key or "").strip()
    if not KEY_PATTERN.match(key):
        raise ServiceError(
            _l(
                "Use at most 80 Latin letters, digits, hyphens, dots or underscores, "
                "e.g. “law-main-act”."
            ),
            field="key",
        )
    query = select(Question.id).where(Question.course_id == course.id, Question.key == key)
    if question is not None and question.id is not None:
        query = query.where(Question.id != question.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise ServiceError(_l("Another question of this bank already has this key."), field="key")
    return key


def _check_criterion(criterion: Criterion | None, question: Question | None = None) -> Criterion:
    if criterion is None:
        raise ServiceError(_l("Choose a criterion."), field="criterion")
    if not criterion.active and (question is None or question.criterion_id != criterion.id):
        raise ServiceError(
            _l("This criterion is no longer assessed; choose an active one."), field="criterion"
        )
    return criterion


def _check_fact_tag(tag: str) -> str:
    tag = (tag or "").strip()
    if tag.strip("[]").upper() == "U":
        raise ServiceError(
            _l(
                "A question cannot rest on an unverified [U] fact: the platform never teaches "
                "one as true. Verify it first, then tag it V or S."
            ),
            field="fact_tag",
        )
    if tag not in FACT_TAGS:
        raise ServiceError(_l("Choose V, S or practice."), field="fact_tag")
    return tag


def _check_verified_on(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ServiceError(_l("Enter a date such as 2026-01-31."), field="verified_on") from None
    if day > datetime.now(site_zone()).date():
        raise ServiceError(
            _l("The date of the last check cannot be in the future."), field="verified_on"
        )
    return day.isoformat()


def _content(type_name: str, content: dict) -> dict:
    """The version's content, normalised and checked (the type registry checks the definition).

    Keys: stem, definition, points, difficulty, feedback, source, fact_tag, verified_on,
    possibly_amended; anything else is a programming error.
    """
    unknown = set(content) - {
        "stem",
        "definition",
        "points",
        "difficulty",
        "feedback",
        "source",
        "fact_tag",
        "verified_on",
        "possibly_amended",
    }
    if unknown:
        raise TypeError(f"unknown question fields: {sorted(unknown)}")
    stem = normalise_source(content.get("stem", ""))
    if not stem:
        raise ServiceError(_l("Write the question."), field="stem")
    feedback = normalise_source(content.get("feedback", ""))
    for name, text in (("stem", stem), ("feedback", feedback)):
        if len(text) > MAX_MARKDOWN:
            raise ServiceError(_l("Use at most %(n)d characters.", n=MAX_MARKDOWN), field=name)
    source = " ".join((content.get("source") or "").split())
    if len(source) > 300:
        raise ServiceError(_l("Use at most %(n)d characters.", n=300), field="source")
    points = content.get("points", 1)
    if not _whole(points, 1, 100):
        raise ServiceError(_l("Give a whole number of points from 1 to 100."), field="points")
    difficulty = content.get("difficulty", 1)
    if not _whole(difficulty, 1, 3):
        raise ServiceError(_l("Choose a difficulty from 1 to 3."), field="difficulty")
    definition = content.get("definition")
    if not isinstance(definition, dict):
        raise DefinitionProblems(["definition: must be a mapping"])
    problems = REGISTRY[type_name].validate(definition)
    if problems:
        raise DefinitionProblems(problems)
    return {
        "stem": stem,
        "definition": definition,
        "points": points,
        "difficulty": difficulty,
        "feedback": feedback,
        "source": source,
        "fact_tag": _check_fact_tag(content.get("fact_tag", "")),
        "verified_on": _check_verified_on(content.get("verified_on", "")),
        "possibly_amended": bool(content.get("possibly_amended", False)),
    }


def create_question(
    course: Course,
    author: User | None,
    *,
    key: str,
    criterion: Criterion | None,
    type: str,
    **content,
) -> Question:
    """A new question of ``course``'s bank, at version 1."""
    if type not in REGISTRY:
        raise ServiceError(_l("Choose one of the question types."), field="type")
    key = _check_key(course, key)
    criterion = _check_criterion(criterion)
    fields = _content(type, content)
    question = bank.create_question(
        course, key=key, criterion=criterion, type=type, author=author, commit=False, **fields
    )
    commit_or_refuse(_l("Another question of this bank already has this key."), field="key")
    return question


def _changed(question: Question, fields: dict) -> bool:
    current = question.current
    stored = (
        current.stem_source,
        current.feedback_source,
        current.points,
        current.difficulty,
        current.source_reference,
        current.fact_tag,
        current.verified_on,
        current.possibly_amended,
    )
    given = (
        fields["stem"],
        fields["feedback"],
        fields["points"],
        fields["difficulty"],
        fields["source"],
        fields["fact_tag"],
        fields["verified_on"],
        fields["possibly_amended"],
    )
    if stored != given:
        return True
    old = canonical(question.type, current.definition)
    new = canonical(question.type, fields["definition"])
    if old is None or new is None:  # the form cannot show one of them: compare as stored
        old, new = current.definition, fields["definition"]
    return json.dumps(old, sort_keys=True) != json.dumps(new, sort_keys=True)


def used_in_attempts(question: Question) -> bool:
    return (
        db.session.scalar(
            select(AttemptQuestion.id)
            .join(QuestionVersion, AttemptQuestion.question_version_id == QuestionVersion.id)
            .where(QuestionVersion.question_id == question.id)
            .limit(1)
        )
        is not None
    )


def update_question(
    question: Question,
    author: User | None,
    *,
    key: str,
    criterion: Criterion | None,
    **content,
) -> QuestionVersion | None:
    """Save an edit: a new version if the content changed (None if it did not). Attempts keep
    the version they froze. The criterion may change only while no attempt has used the
    question, since results by criterion were computed with it."""
    key = _check_key(question.course, key, question)
    criterion = _check_criterion(criterion, question)
    if criterion.id != question.criterion_id and used_in_attempts(question):
        raise ServiceError(
            _l(
                "Attempts have already answered this question, so it keeps its criterion. "
                "Write a new question for another criterion."
            ),
            field="criterion",
        )
    fields = _content(question.type, content)
    changed = _changed(question, fields)
    question.key = key
    question.criterion_id = criterion.id
    version = None
    if changed:
        version = bank.revise_question(question, author=author, commit=False, **fields)
    commit_or_refuse(_l("Another question of this bank already has this key."), field="key")
    return version


def _quizzes_left_without_questions(question: Question) -> list[str]:
    """Problems of the published quizzes that could use ``question`` (as the session is now)."""
    problems = []
    quizzes = db.session.scalars(
        select(Quiz)
        .where(Quiz.published.is_(True))
        .where(
            Quiz.id.in_(select(QuizQuestion.quiz_id).where(QuizQuestion.question_id == question.id))
            | Quiz.id.in_(
                select(DrawRule.quiz_id).where(DrawRule.criterion_id == question.criterion_id)
            )
        )
        .order_by(Quiz.id)
    )
    for quiz in quizzes:
        if quiz.selection == "fixed" and not any(
            link.question_id == question.id for link in quiz.fixed_questions
        ):
            continue
        for problem in giving_problems(quiz):
            problems.append(str(_l("“%(quiz)s”: %(problem)s", quiz=quiz.title, problem=problem)))
    return problems


def set_question_active(question: Question, active: bool) -> None:
    """Inactive questions are not drawn nor given from fixed lists. Refused when a published
    quiz would be left without the questions it needs."""
    if question.active == active:
        return
    question.active = active
    if not active:
        db.session.flush()
        problems = _quizzes_left_without_questions(question)
        if problems:
            db.session.rollback()
            raise ServiceError(
                _l(
                    "A published quiz needs this question: %(problems)s "
                    "Unpublish the quiz or add questions first.",
                    problems=" ".join(problems),
                ),
                field="active",
            )
    db.session.commit()


@dataclass
class HistoryEntry:
    version: QuestionVersion
    author: User | None
    changes: list[str] = field(default_factory=list)


_VERSION_FIELDS = (
    ("stem_source", _l("question text"), False),
    ("definition_json", _l("answer"), False),
    ("points", _l("points"), True),
    ("difficulty", _l("difficulty"), True),
    ("feedback_source", _l("feedback"), False),
    ("source_reference", _l("source"), False),
    ("fact_tag", _l("fact tag"), True),
    ("verified_on", _l("date verified"), True),
    ("possibly_amended", _l("possibly amended"), True),
)


def _shown(value) -> str:
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    return str(value) if value not in ("", None) else "—"


def version_changes(older: QuestionVersion, newer: QuestionVersion) -> list[str]:
    """What ``newer`` changed, e.g. ["question text", "points 1 → 2"]."""
    changes = []
    for name, label, show_values in _VERSION_FIELDS:
        before, after = getattr(older, name), getattr(newer, name)
        if name == "definition_json":
            before, after = json.loads(before), json.loads(after)
        if before != after:
            if show_values:
                changes.append(f"{label} {_shown(before)} → {_shown(after)}")
            else:
                changes.append(str(label))
    return changes


def version_history(question: Question) -> list[HistoryEntry]:
    """Every version, newest first, with its author and what it changed."""
    versions = sorted(question.versions, key=lambda v: v.version)
    author_ids = {v.author_id for v in versions if v.author_id}
    authors = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(author_ids)))}
        if author_ids
        else {}
    )
    entries = []
    for index, version in enumerate(versions):
        changes = version_changes(versions[index - 1], version) if index else []
        entries.append(HistoryEntry(version, authors.get(version.author_id), changes))
    return list(reversed(entries))


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


def _optional_whole(settings: dict, name: str, low: int, high: int, message) -> int | None:
    value = settings.get(name)
    if value is None:
        return None
    if not _whole(value, low, high):
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
        module = db.session.get(Module, module_id) if _whole(module_id, 1, 2**31 - 1) else None
        if module is None or module.course_id != course.id:
            raise ServiceError(_l("Choose a module of this course."), field="module_id")
    instructions = normalise_source(settings.get("instructions") or "")
    text_limits.check_length(instructions, MAX_INSTRUCTIONS, "instructions")
    pass_mark = settings.get("pass_mark", 70)
    if not _whole(pass_mark, 0, 100):
        raise ServiceError(_l("Use a whole percent from 0 to 100."), field="pass_mark")
    time_limit = _optional_whole(
        settings,
        "time_limit_minutes",
        1,
        MAX_TIME_LIMIT,
        _l("Use whole minutes from 1 to %(n)d, or leave empty.", n=MAX_TIME_LIMIT),
    )
    attempts = _optional_whole(
        settings,
        "attempts_allowed",
        1,
        MAX_ATTEMPTS,
        _l("Use a whole number from 1 to %(n)d, or leave empty.", n=MAX_ATTEMPTS),
    )
    wait = settings.get("wait_minutes") or 0
    if not _whole(wait, 0, MAX_WAIT):
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
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(
            _l("Another quiz of this course uses this address."), field="slug"
        ) from None
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
    if not _whole(count, 1, 100):
        raise ServiceError(_l("Draw a whole number from 1 to 100 of questions."), field="count")
    if difficulty is not None and not _whole(difficulty, 1, 3):
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


# --- publishing ------------------------------------------------------------------------------


def question_count(quiz: Quiz) -> int:
    """How many questions an attempt gets."""
    if quiz.selection == "draw":
        return sum(rule.count for rule in quiz.draw_rules)
    return len(given_links(quiz))


def giving_problems(quiz: Quiz) -> list[str]:
    """Why trainees could not take the quiz as it is, or, when its results count towards a
    qualification, why it would not measure fairly (``certification_problems``). A published
    quiz must stay clear of these: changes that cause one are refused."""
    if quiz.selection == "draw":
        if not quiz.draw_rules:
            return [str(_l("Add at least one draw rule first."))]
        problems = draw_problems(quiz)
    elif not question_count(quiz):
        return [str(_l("Add at least one active question first."))]
    else:
        problems = []
    return problems or certification_problems(quiz)


# --- quizzes whose results count towards a qualification -------------------------------------
#
# The domain rule (shared/domain/qualification-criteria.md): items drawn at random from a bank
# at least twice the quiz length, and 24 hours between attempts, so a must-pass threshold is
# not met by retaking the same questions after reading their feedback. A quiz counts when it
# measures a criterion that a qualification judges: eligibility (certificates) takes the best
# result per criterion from every quiz. Which criteria those are is the certificates' to say;
# they register a function returning the criterion ids (``register_counted_criteria``), so this
# package never imports them. Without one registered, no quiz counts.

COUNTED_CRITERIA = "quizzes.counted_criteria"


def register_counted_criteria(app: Flask, provider) -> None:
    """``provider()`` returns the ids of the criteria a qualification judges."""
    app.extensions[COUNTED_CRITERIA] = provider


def counted_criterion_ids() -> set[int]:
    provider = current_app.extensions.get(COUNTED_CRITERIA)
    return set(provider()) if provider else set()


def quiz_criterion_ids(quiz: Quiz) -> set[int]:
    """The criteria a quiz measures: its draw rules', or its fixed questions'."""
    if quiz.selection == "draw":
        return {rule.criterion_id for rule in quiz.draw_rules}
    return {
        link.question.criterion_id
        for link in quiz.fixed_questions
        if link.question.active and link.question.withdrawn_at is None
    }


def counted_criteria(quiz: Quiz) -> list[Criterion]:
    """The criteria of ``quiz`` that count towards a qualification (none: the quiz is
    practice as far as eligibility goes)."""
    ids = quiz_criterion_ids(quiz) & counted_criterion_ids()
    if not ids:
        return []
    return list(db.session.scalars(select(Criterion).where(Criterion.id.in_(ids))))


def min_wait_minutes() -> int:
    return current_app.config.get("CERTIFICATION_QUIZ_WAIT_HOURS", 24) * 60


def certification_problems(quiz: Quiz) -> list[str]:
    """Why a quiz whose results count towards a qualification breaks the quiz rule: a fixed
    list; a criterion (or one difficulty of it) whose bank holds fewer than twice the
    questions drawn; less than the configured wait between attempts."""
    criteria = sorted(counted_criteria(quiz), key=lambda criterion: criterion.code)
    if not criteria:
        return []
    codes = ", ".join(criterion.code for criterion in criteria)
    if quiz.selection != "draw":
        return [
            str(
                _l(
                    "Its results count towards a qualification (%(codes)s), so it must draw "
                    "its questions at random from the bank, not give a fixed list.",
                    codes=codes,
                )
            )
        ]
    problems = []
    for criterion in criteria:
        rules = [rule for rule in quiz.draw_rules if rule.criterion_id == criterion.id]
        checks = [(None, sum(rule.count for rule in rules))]
        checks += [(rule.difficulty, rule.count) for rule in rules if rule.difficulty]
        for difficulty, drawn in checks:
            available = len(pool(quiz, criterion.id, difficulty))
            if available < 2 * drawn:
                level = str(_l(", difficulty %(n)d", n=difficulty)) if difficulty else ""
                problems.append(
                    str(
                        _l(
                            "%(code)s%(level)s counts towards a qualification: the bank needs "
                            "at least twice the %(count)d questions drawn (%(needed)d), it has "
                            "%(available)d. Draw fewer or add questions.",
                            code=criterion.code,
                            level=level,
                            count=drawn,
                            needed=2 * drawn,
                            available=available,
                        )
                    )
                )
    least = min_wait_minutes()
    if (quiz.wait_minutes or 0) < least:
        problems.append(
            str(
                _l(
                    "Its results count towards a qualification (%(codes)s), so attempts must "
                    "be at least %(hours)d hours (%(minutes)d minutes) apart.",
                    codes=codes,
                    hours=least // 60,
                    minutes=least,
                )
            )
        )
    return problems


def publish_problems(quiz: Quiz) -> list[str]:
    """Why the quiz may not be published: what keeps trainees from taking it, and a fixed
    list holding a question held back from its must-pass criterion."""
    problems = giving_problems(quiz)
    if quiz.selection == "fixed":
        problems += held_back_problems(quiz)
    return problems


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
