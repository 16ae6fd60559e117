"""Practical assessments: starting one, loading it, its audit trail, sign-off.

Services raise ``ServiceError`` and commit once at their end; a refused call leaves nothing
half-written. Every change to an assessment writes an ``AssessmentEvent`` (who, when, before,
after) through ``record_event``; the changes to a draft's sheet are ``assessments.scoring``'s.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from assessments.models import (
    Assessment,
    AssessmentEvent,
    AssessmentScore,
    AssessmentStatus,
    Rubric,
    RubricLine,
)
from assessments.signals import assessment_marked
from courses.learning import is_enrolled
from lms.database import utcnow
from lms.extensions import db
from lms.models import Role, User
from lms.service_error import ServiceError
from seminars.models import Seminar
from seminars.registration import holds_a_seat


class Action:
    """What an audit event records."""

    START = "start"
    SCORE = "score"
    BREACH = "breach"
    BREACH_CLEARED = "breach_cleared"
    NOTES = "notes"
    SIGN_OFF = "sign_off"


def _sheet_options() -> list:
    """Loads what a score sheet shows: rubric, course, lines and criteria, seminar, breach,
    signer and scores (a fixed number of queries however many lines)."""
    return [
        joinedload(Assessment.rubric).joinedload(Rubric.course),
        joinedload(Assessment.rubric).selectinload(Rubric.lines).joinedload(RubricLine.criterion),
        joinedload(Assessment.seminar),
        joinedload(Assessment.breach_criterion),
        joinedload(Assessment.signed_off_by),
        selectinload(Assessment.scores),
    ]


def load_options() -> list:
    """Loads an assessment with its rubric's lines and criteria, scores and audit trail, in a
    fixed number of queries however many lines and events it has."""
    return [
        *_sheet_options(),
        joinedload(Assessment.user),
        selectinload(Assessment.events).joinedload(AssessmentEvent.by),
        selectinload(Assessment.events).joinedload(AssessmentEvent.line),
    ]


def load_assessment(assessment_id: int) -> Assessment | None:
    """The assessment loaded with ``load_options``, fresh from the database."""
    return db.session.get(Assessment, assessment_id, options=load_options(), populate_existing=True)


def signed_off_of(user: User) -> list[Assessment]:
    """``user``'s signed-off assessments, newest first, loaded as their sheets show them."""
    return list(
        db.session.scalars(
            select(Assessment)
            .where(
                Assessment.user_id == user.id,
                Assessment.status == AssessmentStatus.SIGNED_OFF.value,
            )
            .options(*_sheet_options())
            .order_by(Assessment.signed_off_at.desc(), Assessment.id.desc())
        )
    )


def draft_for(rubric: Rubric, trainee: User) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(
            Assessment.rubric_id == rubric.id, Assessment.open_slot == trainee.id
        )
    )


def record_event(
    assessment: Assessment,
    action: str,
    by: User,
    now: datetime,
    *,
    before: str = "",
    after: str = "",
    line_id: int | None = None,
) -> None:
    """Add one line of the audit trail; the caller commits it with the change."""
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
    if seminar is not None and not holds_a_seat(trainee, seminar):
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
        record_event(assessment, Action.START, by, now, after=AssessmentStatus.DRAFT.value)
        db.session.commit()
    except IntegrityError:
        # Not lms.database.commit_or_refuse: only a parallel request's draft (the open-slot
        # constraint) is refused with this message; any other violation is a bug and raised.
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
    ``expected_events`` (what the signer reviewed) a sheet changed since is refused too.
    After the commit, ``signals.assessment_marked`` is sent (once: only the winner gets here)."""
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
    record_event(
        assessment,
        Action.SIGN_OFF,
        by,
        now,
        before=AssessmentStatus.DRAFT.value,
        after=AssessmentStatus.SIGNED_OFF.value,
    )
    db.session.commit()
    db.session.refresh(assessment)
    # The signer as a row, never a request's current_user proxy (a subscriber may run after
    # the request).
    signer = db.session.get(User, by.id)
    assessment_marked.send(current_app._get_current_object(), assessment=assessment, by=signer)
    return assessment
