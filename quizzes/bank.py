"""The question bank: questions checked by their type, every edit a new version."""

from __future__ import annotations

import json
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from courses.models import Course
from lms import text_limits
from lms.extensions import db
from lms.markdown_rendering import render_markdown
from lms.models import User
from lms.service_error import ServiceError
from quizzes import translations
from quizzes.models import Criterion, CriterionInstrument, Question, QuestionVersion
from quizzes.question_types import REGISTRY


def criterion_by_code(code: str) -> Criterion | None:
    return db.session.scalar(select(Criterion).where(Criterion.code == code))


def _version_fields(
    question_type: str,
    *,
    stem: str,
    definition: dict,
    points: int,
    difficulty: int,
    feedback: str,
    source: str,
    fact_tag: str,
    verified_on: str,
    possibly_amended: bool,
) -> dict:
    if question_type not in REGISTRY:
        raise ServiceError(
            _l("Unknown question type “%(type)s”.", type=question_type), field="type"
        )
    problems = REGISTRY[question_type].validate(definition)
    if not (stem or "").strip():
        problems.insert(0, "stem: must be non-empty text")
    for name, text in (("stem", stem), ("feedback", feedback)):
        if len((text or "").strip()) > text_limits.QUESTION_TEXT:
            problems.insert(0, f"{name}: {text_limits.too_long(text_limits.QUESTION_TEXT)}")
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 100:
        problems.append("points: must be a whole number from 1 to 100")
    if difficulty not in (1, 2, 3):
        problems.append("difficulty: must be 1, 2 or 3")
    if verified_on and not _iso_date(verified_on):
        # An empty date is "not verified"; anything else must be a real day, or a typo
        # would count as a verification (selection.held_back).
        problems.append("verified_on: must be a date such as 2026-01-31, or empty (not verified)")
    if problems:
        raise ServiceError("; ".join(problems), field="definition")
    return {
        "stem_source": stem.strip(),
        "stem_html": render_markdown(stem).html,
        "definition_json": json.dumps(definition, ensure_ascii=False, sort_keys=True),
        "points": points,
        "difficulty": difficulty,
        "feedback_source": (feedback or "").strip(),
        "feedback_html": render_markdown(feedback or "").html,
        "source_reference": (source or "")[:300],
        "fact_tag": (fact_tag or "")[:16],
        "verified_on": (verified_on or "")[:10],
        "possibly_amended": bool(possibly_amended),
    }


def _iso_date(value: str) -> bool:
    try:
        return date.fromisoformat(value).isoformat() == value
    except (TypeError, ValueError):
        return False


def create_question(
    course: Course,
    *,
    key: str,
    criterion: Criterion,
    type: str,
    author: User | None = None,
    commit: bool = True,
    **content,
) -> Question:
    fields = _version_fields(type, **content)
    question = Question(
        course_id=course.id,
        key=key,
        criterion_id=criterion.id,
        type=type,
        current_version=1,
        active=True,
    )
    question.versions.append(
        QuestionVersion(version=1, author_id=author.id if author else None, **fields)
    )
    db.session.add(question)
    if commit:
        db.session.commit()
    return question


def revise_question(
    question: Question, *, author: User | None = None, commit: bool = True, **content
) -> QuestionVersion:
    """A new version; attempts that froze an older one keep grading against it.

    Raising the "possibly amended" flag voids the date of the last check unless a new date
    comes with it: a check made before the doubt arose does not answer it, and the question
    is held back from must-pass criteria until someone verifies it (``selection.held_back``).
    """
    fields = _version_fields(question.type, **content)
    previous = question.current
    if (
        fields["possibly_amended"]
        and not previous.possibly_amended
        and fields["verified_on"] == previous.verified_on
    ):
        fields["verified_on"] = ""
    version = QuestionVersion(
        version=question.current_version + 1, author_id=author.id if author else None, **fields
    )
    question.versions.append(version)
    question.current_version = version.version
    db.session.flush()
    translations.carry_over(previous, version)  # out of date where the original changed
    if commit:
        db.session.commit()
    return version


def ensure_criterion(
    code: str,
    title: str,
    *,
    must_pass: bool,
    floor: int | None,
    thresholds: dict[str, int],
    description: str = "",
) -> Criterion:
    """Create the criterion if missing (idempotent, for the demo and imports)."""
    criterion = criterion_by_code(code)
    if criterion is None:
        criterion = Criterion(
            code=code,
            title=title,
            description=description,
            must_pass=must_pass,
            floor=floor,
            active=True,
        )
        for kind, threshold in thresholds.items():
            criterion.instruments.append(CriterionInstrument(kind=kind, threshold=threshold))
        db.session.add(criterion)
        db.session.commit()
    return criterion


def bank_query(
    course: Course,
    *,
    criterion_id: int | None = None,
    question_type: str = "",
    state: str = "",
    key_contains: str = "",
) -> Select:
    """A course bank's questions by key, filtered: by criterion, type, state ("active",
    "inactive", "withdrawn"; "" for any) and a text the key contains."""
    query = (
        select(Question)
        .where(Question.course_id == course.id)
        .options(selectinload(Question.versions), joinedload(Question.criterion))
        .order_by(Question.key)
    )
    if criterion_id:
        query = query.where(Question.criterion_id == criterion_id)
    if question_type:
        query = query.where(Question.type == question_type)
    if state == "active":
        query = query.where(Question.active.is_(True), Question.withdrawn_at.is_(None))
    elif state == "inactive":
        query = query.where(Question.active.is_(False))
    elif state == "withdrawn":
        query = query.where(Question.withdrawn_at.is_not(None))
    if key_contains:
        text = key_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Question.key.ilike(f"%{text}%", escape="\\"))
    return query
