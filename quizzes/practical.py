"""Practical assessments: rubrics and their lines, scoring a trainee, the audit trail, sign-off.

Services raise ``ServiceError`` and commit once at their end; a refused call leaves nothing
half-written. Every change to an assessment writes an ``AssessmentEvent`` (who, when, before,
after). Changes to a draft first run a conditional UPDATE of the assessment's own row
(``_lock_draft``): it takes PostgreSQL's row lock and SQLite's write lock, so a change and a
sign-off of the same assessment are serial, and a change that arrives after the sign-off is
refused instead of slipping in.

Once a rubric has assessments its structure is frozen (which lines, their criterion, kind and
minimum): signed-off results are computed from those lines, so changing them would silently
change old results. Wording, guidance and order may still change; a new structure is a copy.

The end of the module is pure: ``tally_lines`` / ``assessment_results`` turn a signed-off
assessment's scores into ``grading.InstrumentResult``s with exact fractions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from courses.authoring import check_slug, slugify
from courses.learning import is_enrolled
from courses.models import Course
from courses.registration import HOLDS_A_SEAT
from courses.seminar_models import Registration, Seminar
from lms.database import utcnow
from lms.extensions import db
from lms.models import Role, User
from lms.service_error import ServiceError
from quizzes.grading import InstrumentResult
from quizzes.models import Criterion, InstrumentKind
from quizzes.practical_models import (
    QUALITY_SCALE,
    Assessment,
    AssessmentEvent,
    AssessmentScore,
    AssessmentStatus,
    LineKind,
    Rubric,
    RubricKind,
    RubricLine,
)

# The instrument of a criterion that each kind of line measures.
LINE_INSTRUMENT = {
    LineKind.QUALITY.value: InstrumentKind.RUBRIC.value,
    LineKind.CHECKLIST.value: InstrumentKind.CHECKLIST.value,
}
CHECKLIST_SCALE = (0, 1)
MAX_LINES = 60
MAX_NOTE = 5000

READ_ONLY = _l("This assessment is signed off: it can no longer change.")


class Action:
    """What an audit event records."""

    START = "start"
    SCORE = "score"
    BREACH = "breach"
    BREACH_CLEARED = "breach_cleared"
    NOTES = "notes"
    SIGN_OFF = "sign_off"


# --- rubrics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineSpec:
    """A rubric line as a form gives it; ``id`` names an existing line, ``ref`` the form row
    (errors are reported beside ``<ref>-<field>``)."""

    label: str
    criterion_id: int | None
    kind: str
    minimum: int | None = None
    guidance: str = ""
    id: int | None = None
    ref: str = "lines"


def _text(value: str, *, max_length: int, field: str, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise ServiceError(_l("This field is required."), field=field)
    if len(value) > max_length:
        raise ServiceError(_l("Use at most %(n)d characters.", n=max_length), field=field)
    return value


def _long_text(value: str, *, field: str, max_length: int = MAX_NOTE) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > max_length:
        raise ServiceError(_l("Use at most %(n)d characters.", n=max_length), field=field)
    return value


def _rubric_kind(kind: str) -> str:
    if kind not in {k.value for k in RubricKind}:
        raise ServiceError(_l("Choose one of the offered kinds."), field="kind")
    return kind


def has_assessments(rubric: Rubric) -> bool:
    return bool(db.session.scalar(select(exists().where(Assessment.rubric_id == rubric.id))))


def _check_lines(specs: list[LineSpec], rubric: Rubric | None) -> list[LineSpec]:
    """Clean and check the lines (no writes); returns them with tidy text."""
    if not specs:
        raise ServiceError(_l("A rubric needs at least one line."), field="lines")
    if len(specs) > MAX_LINES:
        raise ServiceError(_l("A rubric has at most %(n)d lines.", n=MAX_LINES), field="lines")
    criteria = {
        c.id: c
        for c in db.session.scalars(select(Criterion).options(selectinload(Criterion.instruments)))
    }
    own = {line.id for line in rubric.lines} if rubric is not None else set()
    seen: set[int] = set()
    cleaned = []
    for spec in specs:
        if spec.id is not None and (spec.id not in own or spec.id in seen):
            raise ServiceError(
                _l("This line is not part of the rubric."), field=f"{spec.ref}-label"
            )
        if spec.id is not None:
            seen.add(spec.id)
        label = _text(spec.label, max_length=300, field=f"{spec.ref}-label")
        if spec.kind not in LINE_INSTRUMENT:
            raise ServiceError(_l("Choose one of the offered kinds."), field=f"{spec.ref}-kind")
        criterion = criteria.get(spec.criterion_id) if spec.criterion_id is not None else None
        if criterion is None or not criterion.active:
            raise ServiceError(_l("Choose a criterion."), field=f"{spec.ref}-criterion")
        instrument = LINE_INSTRUMENT[spec.kind]
        if criterion.threshold(instrument) is None:
            message = (
                _l(
                    "%(code)s is not assessed by a rubric: choose another criterion, or ask an "
                    "administrator to give it a rubric threshold.",
                    code=criterion.code,
                )
                if instrument == InstrumentKind.RUBRIC
                else _l(
                    "%(code)s is not assessed by a checklist: choose another criterion, or ask "
                    "an administrator to give it a checklist threshold.",
                    code=criterion.code,
                )
            )
            raise ServiceError(message, field=f"{spec.ref}-criterion")
        if spec.kind == LineKind.CHECKLIST and spec.minimum is not None:
            raise ServiceError(
                _l("A checklist line has no minimum: the element is present or absent."),
                field=f"{spec.ref}-minimum",
            )
        if spec.minimum is not None and spec.minimum not in QUALITY_SCALE:
            raise ServiceError(
                _l("A minimum is a score from 1 to 4, or none."), field=f"{spec.ref}-minimum"
            )
        guidance = _long_text(spec.guidance, field=f"{spec.ref}-guidance", max_length=2000)
        cleaned.append(
            LineSpec(label, spec.criterion_id, spec.kind, spec.minimum, guidance, spec.id, spec.ref)
        )
    return cleaned


def _place_lines(rubric: Rubric, specs: list[LineSpec]) -> None:
    """Make the rubric's lines exactly ``specs``, in that order (positions 1..n)."""
    current = {line.id: line for line in rubric.lines}
    kept = {spec.id for spec in specs if spec.id is not None}
    for line_id, line in current.items():
        if line_id not in kept:
            rubric.lines.remove(line)
    if current:  # positions are unique per rubric: move the kept lines out of the way first
        for offset, line_id in enumerate(sorted(kept), start=1):
            current[line_id].position = -offset
        db.session.flush()
    lines = []
    for position, spec in enumerate(specs, start=1):
        line = current[spec.id] if spec.id is not None else RubricLine()
        line.position = position
        line.label, line.guidance = spec.label, spec.guidance
        line.criterion_id, line.kind, line.minimum = spec.criterion_id, spec.kind, spec.minimum
        lines.append(line)
    rubric.lines[:] = lines


def _finish_rubric(field: str = "slug") -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(
            _l("This course already has a rubric with this short name."), field=field
        ) from None
    db.session.commit()


def create_rubric(
    course: Course,
    *,
    title: str,
    kind: str,
    lines: list[LineSpec],
    slug: str = "",
    instructions: str = "",
) -> Rubric:
    title = _text(title, max_length=200, field="title")
    slug = check_slug(slug.strip() or slugify(title) or "rubric")
    rubric = Rubric(
        course_id=course.id,
        slug=slug,
        title=title,
        kind=_rubric_kind(kind),
        instructions=_long_text(instructions, field="instructions"),
        active=True,
    )
    specs = _check_lines(list(lines), None)
    db.session.add(rubric)
    _place_lines(rubric, specs)
    _finish_rubric()
    return rubric


def update_rubric(
    rubric: Rubric,
    *,
    title: str,
    kind: str,
    instructions: str,
    active: bool,
    lines: list[LineSpec],
) -> Rubric:
    """Change the rubric and make its lines ``lines`` in that order. Once assessed, only
    wording, guidance and order may change (see the module's docstring)."""
    title = _text(title, max_length=200, field="title")
    kind = _rubric_kind(kind)
    instructions = _long_text(instructions, field="instructions")
    specs = _check_lines(list(lines), rubric)
    if has_assessments(rubric):
        current = {line.id: line for line in rubric.lines}
        for spec in specs:
            line = current.get(spec.id)
            if line is None:
                raise ServiceError(
                    _l(
                        "This rubric has assessments, so lines can no longer be added or "
                        "removed. Copy the rubric to make a new version."
                    ),
                    field=f"{spec.ref}-label",
                )
            if (line.criterion_id, line.kind, line.minimum) != (
                spec.criterion_id,
                spec.kind,
                spec.minimum,
            ):
                raise ServiceError(
                    _l(
                        "This rubric has assessments, so a line's criterion, kind and minimum "
                        "can no longer change. Copy the rubric to make a new version."
                    ),
                    field=f"{spec.ref}-criterion",
                )
        if len(specs) != len(current):
            raise ServiceError(
                _l(
                    "This rubric has assessments, so lines can no longer be added or removed. "
                    "Copy the rubric to make a new version."
                ),
                field="lines",
            )
    rubric.title, rubric.kind, rubric.instructions = title, kind, instructions
    rubric.active = bool(active)
    _place_lines(rubric, specs)
    db.session.commit()
    return rubric


def copy_rubric(rubric: Rubric, *, title: str) -> Rubric:
    """A new, unassessed rubric with the same lines (to change a rubric that has results)."""
    title = _text(title, max_length=200, field="title")
    taken = set(db.session.scalars(select(Rubric.slug).where(Rubric.course_id == rubric.course_id)))
    base = slugify(title)[:70].strip("-") or "rubric"
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return create_rubric(
        rubric.course,
        title=title,
        slug=slug,
        kind=rubric.kind,
        instructions=rubric.instructions,
        lines=[
            LineSpec(line.label, line.criterion_id, line.kind, line.minimum, line.guidance)
            for line in rubric.lines
        ],
    )


def rubrics_of(course_ids: list[int]) -> list[Rubric]:
    if not course_ids:
        return []
    return list(
        db.session.scalars(
            select(Rubric)
            .where(Rubric.course_id.in_(course_ids))
            .options(joinedload(Rubric.course), selectinload(Rubric.lines))
            .order_by(Rubric.course_id, Rubric.title, Rubric.id)
        )
    )


# --- assessments -----------------------------------------------------------------------------


def load_assessment(assessment_id: int) -> Assessment | None:
    """An assessment with its rubric's lines and criteria, scores and audit trail, in a fixed
    number of queries however many lines and events it has."""
    return db.session.get(
        Assessment,
        assessment_id,
        options=[
            joinedload(Assessment.rubric).joinedload(Rubric.course),
            joinedload(Assessment.rubric)
            .selectinload(Rubric.lines)
            .joinedload(RubricLine.criterion),
            joinedload(Assessment.user),
            joinedload(Assessment.seminar),
            joinedload(Assessment.breach_criterion),
            joinedload(Assessment.signed_off_by),
            selectinload(Assessment.scores),
            selectinload(Assessment.events).joinedload(AssessmentEvent.by),
            selectinload(Assessment.events).joinedload(AssessmentEvent.line),
        ],
        populate_existing=True,
    )


def draft_for(rubric: Rubric, trainee: User) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(
            Assessment.rubric_id == rubric.id, Assessment.open_slot == trainee.id
        )
    )


def holds_a_seat(seminar: Seminar, trainee: User) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Registration.seminar_id == seminar.id,
                    Registration.user_id == trainee.id,
                    Registration.status.in_(HOLDS_A_SEAT),
                )
            )
        )
    )


def _event(
    assessment: Assessment,
    action: str,
    by: User,
    now: datetime,
    *,
    before: str = "",
    after: str = "",
    line_id: int | None = None,
) -> None:
    db.session.add(
        AssessmentEvent(
            assessment_id=assessment.id,
            action=action,
            line_id=line_id,
            before=before,
            after=after,
            by_id=by.id,
            at=now,
        )
    )


def start_assessment(
    rubric: Rubric,
    trainee: User,
    by: User,
    *,
    seminar: Seminar | None = None,
    now: datetime | None = None,
) -> Assessment:
    """A draft assessment of ``trainee`` on ``rubric``: one draft per trainee and rubric (the
    database's unique (rubric, open_slot) decides a race). With a seminar, the trainee must
    hold a seat in it; without, be enrolled in the rubric's course."""
    now = now or utcnow()
    if not rubric.active:
        raise ServiceError(_l("This rubric is not in use."), field="rubric")
    if trainee is None or trainee.role != Role.TRAINEE or not trainee.active:
        raise ServiceError(_l("Choose a trainee."), field="trainee")
    if seminar is not None and not holds_a_seat(seminar, trainee):
        raise ServiceError(
            _l("%(name)s holds no seat in this seminar.", name=trainee.full_name), field="trainee"
        )
    if seminar is None and not is_enrolled(trainee, rubric.course):
        raise ServiceError(
            _l("%(name)s is not enrolled in this course.", name=trainee.full_name),
            field="trainee",
        )
    assessment = Assessment(
        rubric_id=rubric.id,
        user_id=trainee.id,
        seminar_id=seminar.id if seminar is not None else None,
        status=AssessmentStatus.DRAFT.value,
        open_slot=trainee.id,
        started_by_id=by.id,
        updated_at=now,
    )
    db.session.add(assessment)
    try:
        db.session.flush()
        _event(assessment, Action.START, by, now, after=AssessmentStatus.DRAFT.value)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if draft_for(rubric, trainee) is None:
            raise
        raise ServiceError(
            _l(
                "%(name)s already has a draft assessment on this rubric: finish and sign it "
                "off first.",
                name=trainee.full_name,
            ),
            field="trainee",
        ) from None
    return assessment


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
    note = _long_text(note, field="breach_note", max_length=2000)
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
        _event(assessment, Action.SCORE, by, now, before=before, after=str(points), line_id=line_id)
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
        _event(assessment, Action.BREACH_CLEARED, by, now, before=before)
        return 1
    criterion_id, note = breach
    if (assessment.breach_criterion_id, assessment.breach_note) == (criterion_id, note):
        return 0
    assessment.breach_criterion_id, assessment.breach_note = criterion_id, note
    _event(
        assessment, Action.BREACH, by, now, before=before, after=_breach_text(criterion_id, note)
    )
    return 1


def _apply_notes(assessment: Assessment, notes: str, by: User, now: datetime) -> int:
    db.session.refresh(assessment, ["notes"])
    if assessment.notes == notes:
        return 0
    _event(assessment, Action.NOTES, by, now, before=assessment.notes, after=notes)
    assessment.notes = notes
    return 1


def _change(assessment: Assessment, now: datetime, apply) -> int:
    """Lock the draft, apply the (already checked) change, commit; nothing on failure."""
    _lock_draft(assessment, now)
    try:
        changed = apply()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return changed


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
    notes = _long_text(notes, field="notes")
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
    notes = _long_text(notes, field="notes")

    def apply() -> int:
        return (
            _apply_scores(assessment, checked, by, now)
            + _apply_breach(assessment, checked_breach, by, now)
            + _apply_notes(assessment, notes, by, now)
        )

    return _change(assessment, now, apply)


def unscored_lines(assessment: Assessment) -> list[RubricLine]:
    scored = {score.line_id for score in assessment.scores}
    return [line for line in assessment.rubric.lines if line.id not in scored]


def sign_off(
    assessment: Assessment,
    by: User,
    *,
    now: datetime | None = None,
    expected_events: int | None = None,
) -> Assessment:
    """Close the assessment exactly once: only the request whose conditional UPDATE moves it
    out of 'draft' signs it off; the others are refused. Every line must be scored. With
    ``expected_events`` (what the signer reviewed) a sheet changed since is refused too."""
    now = now or utcnow()
    won = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status == AssessmentStatus.DRAFT.value)
        .values(
            status=AssessmentStatus.SIGNED_OFF.value,
            open_slot=None,
            signed_off_by_id=by.id,
            signed_off_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.session.rollback()
        raise ServiceError(_l("This assessment is already signed off."))
    lines = db.session.scalar(
        select(func.count(RubricLine.id)).where(RubricLine.rubric_id == assessment.rubric_id)
    )
    scored = db.session.scalar(
        select(func.count(AssessmentScore.id)).where(AssessmentScore.assessment_id == assessment.id)
    )
    events = db.session.scalar(
        select(func.count(AssessmentEvent.id)).where(AssessmentEvent.assessment_id == assessment.id)
    )
    if scored < lines:
        db.session.rollback()
        raise ServiceError(
            _l("Score every line before signing off (%(n)d left).", n=lines - scored)
        )
    if expected_events is not None and events != expected_events:
        db.session.rollback()
        raise ServiceError(
            _l("The sheet changed since you reviewed it. Check it again, then sign off.")
        )
    _event(
        assessment,
        Action.SIGN_OFF,
        by,
        now,
        before=AssessmentStatus.DRAFT.value,
        after=AssessmentStatus.SIGNED_OFF.value,
    )
    db.session.commit()
    db.session.refresh(assessment)
    return assessment


# --- from scores to instrument results (pure) ------------------------------------------------


@dataclass(frozen=True)
class ScoredLine:
    """One line of a signed-off assessment, as the pure functions need it."""

    label: str
    criterion: str  # criterion code
    kind: str  # LineKind value
    points: int
    minimum: int | None = None

    @property
    def max_points(self) -> int:
        return max(CHECKLIST_SCALE) if self.kind == LineKind.CHECKLIST else max(QUALITY_SCALE)


@dataclass(frozen=True)
class Tally:
    """Points of one criterion's instrument (``rubric`` or ``checklist``) in one assessment,
    or summed over several (see ``standing``). ``possible`` 0 means no line, only a breach."""

    criterion: str
    kind: str
    earned: int
    possible: int
    serious_breach: bool = False
    lines_below_minimum: tuple[str, ...] = ()

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.criterion,
            self.kind,
            self.earned + other.earned,
            self.possible + other.possible,
            self.serious_breach or other.serious_breach,
            self.lines_below_minimum + other.lines_below_minimum,
        )

    @property
    def percent(self) -> Fraction | None:
        return Fraction(self.earned * 100, self.possible) if self.possible else None

    def result(self) -> InstrumentResult:
        return InstrumentResult(
            self.criterion, self.kind, self.percent, self.serious_breach, self.lines_below_minimum
        )


def tally_lines(lines: Iterable[ScoredLine], breach_criterion: str | None = None) -> list[Tally]:
    """Sum one assessment's points per criterion and instrument: quality lines are the
    ``rubric`` instrument, checklist lines the ``checklist`` one. Quality lines under their
    minimum are listed. A breach marks every instrument of its criterion; a breach criterion
    with no line still gets a (pointless) ``rubric`` tally that carries it."""
    sums: dict[tuple[str, str], Tally] = {}
    for line in lines:
        key = (line.criterion, LINE_INSTRUMENT[line.kind])
        below = line.kind == LineKind.QUALITY and line.minimum is not None
        below = below and line.points < line.minimum
        this = Tally(
            *key,
            line.points,
            line.max_points,
            line.criterion == breach_criterion,
            (line.label,) if below else (),
        )
        sums[key] = sums[key] + this if key in sums else this
    tallies = [sums[key] for key in sorted(sums)]
    if breach_criterion is not None and not any(t.criterion == breach_criterion for t in tallies):
        tallies.append(Tally(breach_criterion, InstrumentKind.RUBRIC.value, 0, 0, True))
    return tallies


def assessment_results(
    lines: Iterable[ScoredLine], breach_criterion: str | None = None
) -> list[InstrumentResult]:
    """A signed-off assessment's scores as instrument results, percent = points ÷ maximum."""
    return [tally.result() for tally in tally_lines(lines, breach_criterion)]


def scored_lines(assessment: Assessment) -> list[ScoredLine]:
    """The loaded assessment's lines with their points (an unscored line counts 0: sign-off
    refuses those, so only a line added by hand in the database could be one)."""
    points = {score.line_id: score.points for score in assessment.scores}
    return [
        ScoredLine(line.label, line.criterion.code, line.kind, points.get(line.id, 0), line.minimum)
        for line in assessment.rubric.lines
    ]
