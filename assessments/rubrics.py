"""Rubrics of practical assessments: their lines, checked and placed; copies; lists.

Services raise ``ServiceError`` and commit once at their end; a refused call leaves nothing
half-written.

Once a rubric has assessments its structure is frozen (which lines, their criterion, kind and
minimum): signed-off results are computed from those lines, so changing them would silently
change old results. Wording, guidance and order may still change; a new structure is a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from assessments.models import (
    LINE_INSTRUMENT,
    QUALITY_SCALE,
    Assessment,
    LineKind,
    Rubric,
    RubricKind,
    RubricLine,
)
from courses.authoring import check_slug, slugify
from courses.models import Course
from lms import content_translations as ct
from lms.cleaning import clean_line, clean_text
from lms.database import commit_or_refuse
from lms.extensions import db
from lms.service_error import ServiceError
from quizzes.models import Criterion, InstrumentKind

MAX_LINES = 60
MAX_NOTE = 5000


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
        label = clean_line(spec.label, field=f"{spec.ref}-label", limit=300, required=True)
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
        guidance = clean_text(spec.guidance, field=f"{spec.ref}-guidance", limit=2000)
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
    commit_or_refuse(_l("This course already has a rubric with this short name."), field=field)


def create_rubric(
    course: Course,
    *,
    title: str,
    kind: str,
    lines: list[LineSpec],
    slug: str = "",
    instructions: str = "",
) -> Rubric:
    title = clean_line(title, field="title", limit=200, required=True)
    slug = check_slug(slug.strip() or slugify(title) or "rubric")
    rubric = Rubric(
        course_id=course.id,
        slug=slug,
        title=title,
        kind=_rubric_kind(kind),
        instructions=clean_text(instructions, field="instructions", limit=MAX_NOTE),
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
    title = clean_line(title, field="title", limit=200, required=True)
    kind = _rubric_kind(kind)
    instructions = clean_text(instructions, field="instructions", limit=MAX_NOTE)
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
    title = clean_line(title, field="title", limit=200, required=True)
    taken = set(db.session.scalars(select(Rubric.slug).where(Rubric.course_id == rubric.course_id)))
    base = slugify(title)[:70].strip("-") or "rubric"
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    copy = create_rubric(
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
    _copy_translations(rubric, copy)
    return copy


def _copy_translations(rubric: Rubric, copy: Rubric) -> None:
    """The copy keeps the translations of its instructions and lines that were up to date
    (its title is new: translators translate it)."""
    pairs = [(rubric, copy), *zip(rubric.lines, copy.lines, strict=True)]
    for locale in ct.languages():
        if locale == ct.kind_of(rubric).original_language(rubric):
            continue
        for source, target in pairs:
            values = {
                state.field.name: state.translation
                for state in ct.states(source, locale)
                if state.translation
                and not state.outdated
                and (source is not rubric or state.field.name != "title")
            }
            if values:
                ct.save(target, locale, values)
    db.session.commit()


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
