"""What trainers do to a question bank, as plain functions: the checks a question passes,
creating and updating one (a new version only when something changed), activating and
withdrawing it from use, and its version history.

Each function checks every rule first and raises ``ServiceError(message, field)`` naming the
form field concerned; it commits once at its end, and rolls back what it flushed when a rule
that needs the database (a published quiz left without questions) refuses the change, so
nothing is ever half-written. Definitions are validated by the question type registry, then
saved through ``bank`` (which renders the Markdown).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from courses.authoring import normalise_source
from courses.models import Course
from lms import text_limits
from lms.database import commit_or_refuse
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.timezone import site_zone
from quizzes import bank
from quizzes.models import (
    AttemptQuestion,
    Criterion,
    DrawRule,
    Question,
    QuestionVersion,
    Quiz,
    QuizQuestion,
)
from quizzes.publishing import giving_problems
from quizzes.question_forms import FACT_TAGS
from quizzes.question_types import REGISTRY
from quizzes.quiz_authoring import whole_number
from quizzes.type_forms import canonical

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MAX_MARKDOWN = text_limits.QUESTION_TEXT


class DefinitionProblems(ServiceError):
    """The type registry refused a definition; ``problems`` are its messages, one per issue."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems), field="definition")


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
    if not whole_number(points, 1, 100):
        raise ServiceError(_l("Give a whole number of points from 1 to 100."), field="points")
    difficulty = content.get("difficulty", 1)
    if not whole_number(difficulty, 1, 3):
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
