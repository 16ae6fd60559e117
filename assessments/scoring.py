"""Scoring a draft assessment: points per line, a serious breach, the feedback notes.

Each change first runs a conditional UPDATE of the assessment's own row (``_lock_draft``): it
takes PostgreSQL's row lock and SQLite's write lock, so a change and a sign-off of the same
assessment are serial, and a change that arrives after the sign-off is refused instead of
slipping in. Every change writes an ``AssessmentEvent`` and commits once; a refused call leaves
nothing half-written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from assessments.lifecycle import Action, record_event
from assessments.models import (
    CHECKLIST_SCALE,
    QUALITY_SCALE,
    Assessment,
    AssessmentScore,
    AssessmentStatus,
    LineKind,
)
from assessments.rubrics import MAX_NOTE
from lms import text_limits
from lms.cleaning import clean_text
from lms.database import committed, utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from quizzes.models import Criterion

READ_ONLY = _l("This assessment is signed off: it can no longer change.")


def _lock_draft(assessment: Assessment, now: datetime) -> None:
    """Take the assessment's row (see the module docstring); refuse if it is signed off."""
    won = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status == AssessmentStatus.DRAFT.value)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.session.rollback()
        raise ServiceError(READ_ONLY)


def _current_scores(assessment: Assessment) -> dict[int, AssessmentScore]:
    """The scores as stored now (after the lock), not as this session last saw them."""
    return {
        score.line_id: score
        for score in db.session.scalars(
            select(AssessmentScore)
            .where(AssessmentScore.assessment_id == assessment.id)
            .execution_options(populate_existing=True)
        )
    }


def _check_scores(assessment: Assessment, scores: Mapping[int, int]) -> dict[int, int]:
    lines = {line.id: line for line in assessment.rubric.lines}
    checked = {}
    for line_id, points in scores.items():
        line = lines.get(line_id)
        if line is None:
            raise ServiceError(_l("This line is not part of the rubric."), field="scores")
        if isinstance(points, bool) or not isinstance(points, int):
            raise ServiceError(
                _l("Choose a score for “%(line)s”.", line=line.label), f"line-{line_id}"
            )
        if line.kind == LineKind.CHECKLIST and points not in CHECKLIST_SCALE:
            raise ServiceError(
                _l("“%(line)s” is present (1) or absent (0).", line=line.label), f"line-{line_id}"
            )
        if line.kind == LineKind.QUALITY and points not in QUALITY_SCALE:
            raise ServiceError(
                _l("Score “%(line)s” from 1 to 4.", line=line.label), f"line-{line_id}"
            )
        checked[line_id] = points
    return checked


def _check_breach(assessment: Assessment, criterion_id: int | None, note: str) -> tuple[int, str]:
    if criterion_id not in {line.criterion_id for line in assessment.rubric.lines}:
        raise ServiceError(
            _l("Choose the criterion the breach concerns (one of this rubric's)."),
            field="breach_criterion",
        )
    note = clean_text(note, field="breach_note", limit=text_limits.REASON)
    if not note:
        raise ServiceError(
            _l("Describe the serious breach: what happened, and when."), field="breach_note"
        )
    return criterion_id, note


def _breach_text(criterion_id: int | None, note: str) -> str:
    if criterion_id is None:
        return ""
    criterion = db.session.get(Criterion, criterion_id)
    return f"{criterion.code}: {note}"


def _apply_scores(
    assessment: Assessment, scores: Mapping[int, int], by: User, now: datetime
) -> int:
    current = _current_scores(assessment)
    by_id, changed = by.id, 0
    for line_id, points in scores.items():
        score = current.get(line_id)
        if score is not None and score.points == points:
            continue
        before = "" if score is None else str(score.points)
        if score is None:  # complete before it joins the session (no half-made autoflush)
            score = AssessmentScore(
                assessment_id=assessment.id,
                line_id=line_id,
                points=points,
                assessed_by_id=by_id,
                assessed_at=now,
            )
            db.session.add(score)
        else:
            score.points, score.assessed_by_id, score.assessed_at = points, by_id, now
        record_event(
            assessment, Action.SCORE, by, now, before=before, after=str(points), line_id=line_id
        )
        changed += 1
    return changed


def _apply_breach(
    assessment: Assessment, breach: tuple[int, str] | None, by: User, now: datetime
) -> int:
    db.session.refresh(assessment, ["breach_criterion_id", "breach_note", "notes"])
    before = _breach_text(assessment.breach_criterion_id, assessment.breach_note)
    if breach is None:
        if assessment.breach_criterion_id is None:
            return 0
        assessment.breach_criterion_id, assessment.breach_note = None, ""
        record_event(assessment, Action.BREACH_CLEARED, by, now, before=before)
        return 1
    criterion_id, note = breach
    if (assessment.breach_criterion_id, assessment.breach_note) == (criterion_id, note):
        return 0
    assessment.breach_criterion_id, assessment.breach_note = criterion_id, note
    record_event(
        assessment, Action.BREACH, by, now, before=before, after=_breach_text(criterion_id, note)
    )
    return 1


def _apply_notes(assessment: Assessment, notes: str, by: User, now: datetime) -> int:
    db.session.refresh(assessment, ["notes"])
    if assessment.notes == notes:
        return 0
    record_event(assessment, Action.NOTES, by, now, before=assessment.notes, after=notes)
    assessment.notes = notes
    return 1


def _change(assessment: Assessment, now: datetime, apply) -> int:
    """Lock the draft, apply the (already checked) change, commit; nothing on failure."""
    _lock_draft(assessment, now)
    with committed():
        return apply()


def _refuse_if_signed_off(assessment: Assessment) -> None:
    if assessment.status != AssessmentStatus.DRAFT:
        raise ServiceError(READ_ONLY)


def score_lines(
    assessment: Assessment, scores: Mapping[int, int], by: User, *, now: datetime | None = None
) -> int:
    """Record points per line id (quality 1–4, checklist 0/1); returns how many changed."""
    now = now or utcnow()
    _refuse_if_signed_off(assessment)
    checked = _check_scores(assessment, scores)
    return _change(assessment, now, lambda: _apply_scores(assessment, checked, by, now))


def score_line(
    assessment: Assessment, line_id: int, points: int, by: User, *, now: datetime | None = None
) -> int:
    return score_lines(assessment, {line_id: points}, by, now=now)


def mark_breach(
    assessment: Assessment,
    criterion_id: int | None,
    note: str,
    by: User,
    *,
    now: datetime | None = None,
) -> int:
    """A serious breach fails ``criterion_id`` (one of the rubric's) whatever the scores."""
    now = now or utcnow()
    _refuse_if_signed_off(assessment)
    breach = _check_breach(assessment, criterion_id, note)
    return _change(assessment, now, lambda: _apply_breach(assessment, breach, by, now))


def clear_breach(assessment: Assessment, by: User, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    _refuse_if_signed_off(assessment)
    return _change(assessment, now, lambda: _apply_breach(assessment, None, by, now))


def set_notes(assessment: Assessment, notes: str, by: User, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    _refuse_if_signed_off(assessment)
    notes = clean_text(notes, field="notes", limit=MAX_NOTE)
    return _change(assessment, now, lambda: _apply_notes(assessment, notes, by, now))


def save_sheet(
    assessment: Assessment,
    by: User,
    *,
    scores: Mapping[int, int],
    notes: str,
    breach: tuple[int | None, str] | None,
    now: datetime | None = None,
) -> int:
    """The scoring sheet as one change: every score, the breach (None: no breach) and the
    notes, all checked before anything is written. Returns how many things changed."""
    now = now or utcnow()
    _refuse_if_signed_off(assessment)
    checked = _check_scores(assessment, scores)
    checked_breach = None if breach is None else _check_breach(assessment, *breach)
    notes = clean_text(notes, field="notes", limit=MAX_NOTE)

    def apply() -> int:
        return (
            _apply_scores(assessment, checked, by, now)
            + _apply_breach(assessment, checked_breach, by, now)
            + _apply_notes(assessment, notes, by, now)
        )

    return _change(assessment, now, apply)
