"""Qualification criteria: admins change them, trainers read them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.routing import parse_id
from lms.service_error import ServiceError
from quizzes.models import Criterion, CriterionInstrument, InstrumentKind


def find_criterion(value) -> Criterion | None:
    """The criterion a form names by id (an int or text), or None for no choice or junk."""
    criterion_id = parse_id(value)
    return db.session.get(Criterion, criterion_id) if criterion_id else None


def all_criteria() -> list[Criterion]:
    return list(
        db.session.scalars(
            select(Criterion).options(selectinload(Criterion.instruments)).order_by(Criterion.code)
        )
    )


def update_criterion(
    criterion: Criterion,
    *,
    title: str,
    description: str,
    must_pass: bool,
    floor: int | None,
    active: bool,
    thresholds: dict[str, int | None],
) -> None:
    """Thresholds by instrument kind (None removes the instrument); whole percents."""
    title = " ".join((title or "").split())
    if not title or len(title) > 200:
        raise ServiceError(_l("Give a title of at most 200 characters."), field="title")
    if must_pass and floor is not None:
        raise ServiceError(
            _l("A must-pass criterion has no floor: it is never compensated."), field="floor"
        )
    if floor is not None and not 0 <= floor <= 100:
        raise ServiceError(_l("Use a whole percent from 0 to 100."), field="floor")
    kept = {kind: value for kind, value in thresholds.items() if value is not None}
    for value in kept.values():
        if not 0 <= value <= 100:
            raise ServiceError(_l("Use a whole percent from 0 to 100."), field="thresholds")
    if not kept:
        raise ServiceError(
            _l("A criterion needs at least one way to assess it."), field="thresholds"
        )
    criterion.title, criterion.description = title, (description or "").strip()[:5000]
    criterion.must_pass, criterion.floor, criterion.active = must_pass, floor, active
    current = {instrument.kind: instrument for instrument in criterion.instruments}
    for kind in InstrumentKind:
        value = kept.get(kind.value)
        if value is None and kind.value in current:
            criterion.instruments.remove(current[kind.value])
        elif value is not None and kind.value in current:
            current[kind.value].threshold = value
        elif value is not None:
            criterion.instruments.append(CriterionInstrument(kind=kind.value, threshold=value))
    db.session.commit()
