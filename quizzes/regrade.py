"""Withdrawing, reinstating and fixing questions, and recomputing the results they touched.

Each operation takes a reason (kept in the audit record), commits once, and writes one
``QuestionEvent`` with who, when, why and every finished attempt it recomputed, with the
percent, pass/fail and status before and after. Anything failing half-way rolls everything
back: the question, the attempts and the record.

Results are recomputed by ``attempt_results.store_result``, the path that grades a submitted
attempt, so results pages, the gradebook and item analysis see the new figures. Whether a
question counts is decided there too (``attempt_results.counts``): a withdrawn question counts
for nothing in any attempt, whenever it is graded.

- **Withdraw**: the question is never drawn or served again, and every finished attempt
  holding any version of it is recomputed without it. An attempt in progress keeps it on
  screen (its positions and saved answers do not move under the trainee), but it will not
  count when the attempt is graded. A criterion whose every question in an attempt was
  withdrawn is no longer assessed by that attempt; an attempt left with nothing to count
  does not pass. A written answer still waiting for a trainer stays pending, unless it is
  the withdrawn question itself.
- **Reinstate**: the reverse, recomputing the same attempts again.
- **Regrade**: after a trainer corrected the question (a new current version, e.g. a wrong
  key), attempts that froze an older version are moved to the current one and recomputed.
  This is sound only while what the trainee saw still fits the new definition; each type
  says so (``regradable``) and re-points the frozen option ids (``rekey``). If any finished
  attempt holds a version that no longer fits, nothing is regraded: those attempts keep the
  version they saw (withdrawing the question is the remedy). Attempts in progress that fit
  are moved too, so they are graded with the corrected key when handed in. Written answers
  keep a trainer's marks: the points of the rubric lines cannot change in a regradable
  version, and a regrade corrects a key; it does not redo a person's judgement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from lms import audit
from lms.cleaning import clean_reason
from lms.database import committed, utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from quizzes.attempt_results import store_result
from quizzes.audit import QUESTION_ACTIONS
from quizzes.models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Question,
    QuestionEvent,
    QuestionVersion,
    Quiz,
)
from quizzes.question_types import get_type

FINISHED = (AttemptStatus.SUBMITTED.value, AttemptStatus.GRADED.value)


def _attempts_holding(question: Question, statuses) -> list[Attempt]:
    """Attempts holding any version of ``question``, with their frozen questions, versions,
    questions, criteria and quiz loaded in a fixed number of queries."""
    holding = (
        select(AttemptQuestion.attempt_id)
        .join(QuestionVersion, AttemptQuestion.question_version_id == QuestionVersion.id)
        .where(QuestionVersion.question_id == question.id)
    )
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.id.in_(holding), Attempt.status.in_(statuses))
            .options(
                selectinload(Attempt.questions)
                .joinedload(AttemptQuestion.version)
                .joinedload(QuestionVersion.question)
                .joinedload(Question.criterion),
                joinedload(Attempt.quiz),
            )
            .order_by(Attempt.id)
        )
    )


def _figures(attempt: Attempt) -> dict:
    percent = None if attempt.percent is None else str(attempt.percent)
    return {"percent": percent, "passed": attempt.passed, "status": attempt.status}


def _recompute(attempts: list[Attempt]) -> list[dict]:
    changes = []
    for attempt in attempts:
        before = _figures(attempt)
        store_result(attempt)
        changes.append(
            {
                "attempt": attempt.id,
                "user": attempt.user_id,
                "quiz": attempt.quiz_id,
                "number": attempt.number,
                "before": before,
                "after": _figures(attempt),
            }
        )
    return changes


def _record(question, action, reason, by, changes, *, now, from_version=None, to_version=None):
    event = QuestionEvent(
        question_id=question.id,
        action=action,
        reason=reason,
        from_version=from_version,
        to_version=to_version,
        attempts_affected=len(changes),
        changes_json=json.dumps(changes, ensure_ascii=False),
        by_id=by.id if by is not None else None,
        at=now,
    )
    db.session.add(event)
    audit.record(
        QUESTION_ACTIONS[action],
        actor=by,
        subject=audit.Subject("question", question.id, question.key),
        details={
            "attempts_affected": len(changes),
            "from_version": from_version,
            "to_version": to_version,
            "reason": reason,
        },
    )
    return event


def _set_withdrawn(
    question: Question, reason: str, by: User | None, *, withdrawn: bool, now: datetime | None
) -> QuestionEvent:
    reason = clean_reason(reason)
    now = now or utcnow()

    def work():
        # A conditional UPDATE: of two trainers acting at once, one wins, one is told.
        state = Question.withdrawn_at.is_(None) if withdrawn else Question.withdrawn_at.is_not(None)
        won = db.session.execute(
            update(Question)
            .where(Question.id == question.id, state)
            .values(active=not withdrawn, withdrawn_at=now if withdrawn else None)
        ).rowcount
        if won != 1:
            raise ServiceError(
                _l("This question is already withdrawn.")
                if withdrawn
                else _l("This question is not withdrawn.")
            )
        db.session.refresh(question)
        changes = _recompute(_attempts_holding(question, FINISHED))
        action = "withdraw" if withdrawn else "reinstate"
        return _record(question, action, reason, by, changes, now=now)

    with committed():
        return work()


def withdraw(
    question: Question, reason: str, by: User | None, *, now: datetime | None = None
) -> QuestionEvent:
    """Take a question found wrong out of service and out of every finished result."""
    return _set_withdrawn(question, reason, by, withdrawn=True, now=now)


def reinstate(
    question: Question, reason: str, by: User | None, *, now: datetime | None = None
) -> QuestionEvent:
    """Put a withdrawn question back in service and back into the results it was in."""
    return _set_withdrawn(question, reason, by, withdrawn=False, now=now)


def regrade(
    question: Question, reason: str, by: User | None, *, now: datetime | None = None
) -> QuestionEvent:
    """Grade attempts that froze an older version of ``question`` against its current one."""
    reason = clean_reason(reason)
    now = now or utcnow()

    def work():
        # Lock the question's row (PostgreSQL row lock, SQLite write lock): regrades and
        # revisions of one question happen one after the other.
        db.session.execute(
            update(Question)
            .where(Question.id == question.id)
            .values(current_version=Question.current_version)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(question)
        if question.current_version < 2:
            raise ServiceError(
                _l(
                    "This question has one version only: correct it first (saving makes a "
                    "new version), then regrade."
                )
            )
        current = question.current
        question_type = get_type(question.type)
        statuses = (*FINISHED, AttemptStatus.IN_PROGRESS.value)
        moves: list[tuple[Attempt, AttemptQuestion]] = [
            (attempt, item)
            for attempt in _attempts_holding(question, statuses)
            for item in attempt.questions
            if item.version.question_id == question.id and item.question_version_id != current.id
        ]
        fits = {
            old.version: question_type.regradable(old.definition, current.definition)
            for old in {item.version for _, item in moves}
        }
        misfits = sorted(
            {
                item.version.version
                for attempt, item in moves
                if attempt.status != AttemptStatus.IN_PROGRESS and not fits[item.version.version]
            }
        )
        if misfits:
            raise ServiceError(
                _l(
                    "Version %(versions)s has different options, items or pairs from version "
                    "%(current)d, so attempts keep the version they saw. Withdraw the question "
                    "if their results must change.",
                    versions=", ".join(map(str, misfits)),
                    current=current.version,
                )
            )
        moved_from: set[int] = set()
        finished: dict[int, Attempt] = {}
        for attempt, item in moves:
            old = item.version
            if not fits[old.version]:
                continue  # an attempt in progress on a version that no longer fits
            presentation = question_type.rekey(
                old.definition, current.definition, item.presentation
            )
            item.presentation_json = json.dumps(presentation, ensure_ascii=False)
            item.version = current
            moved_from.add(old.version)
            if attempt.status != AttemptStatus.IN_PROGRESS:
                finished[attempt.id] = attempt
        db.session.flush()
        changes = _recompute(list(finished.values()))
        return _record(
            question,
            "regrade",
            reason,
            by,
            changes,
            now=now,
            from_version=min(moved_from) if moved_from else None,
            to_version=current.version,
        )

    with committed():
        return work()


# --- the audit page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    attempt_id: int
    number: int
    user: User | None
    quiz: Quiz | None
    before: dict
    after: dict

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def flipped(self) -> bool:
        """Pass/fail turned round (an attempt waiting for a trainer has neither)."""
        before, after = self.before.get("passed"), self.after.get("passed")
        return before is not None and after is not None and before != after


@dataclass(frozen=True)
class AuditRecord:
    event: QuestionEvent
    changes: list[Change]

    @property
    def changed(self) -> list[Change]:
        return [change for change in self.changes if change.changed]

    @property
    def unchanged(self) -> int:
        return len(self.changes) - len(self.changed)


def audit_records(question: Question) -> list[AuditRecord]:
    """The question's events, newest first, with the people and quizzes they name (a fixed
    number of queries however many attempts they touched)."""
    events = list(
        db.session.scalars(
            select(QuestionEvent)
            .where(QuestionEvent.question_id == question.id)
            .options(joinedload(QuestionEvent.by))
            .order_by(QuestionEvent.at.desc(), QuestionEvent.id.desc())
        )
    )
    raw = {event.id: event.changes for event in events}
    user_ids = {c["user"] for changes in raw.values() for c in changes}
    quiz_ids = {c["quiz"] for changes in raw.values() for c in changes}
    users = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    quizzes = (
        {q.id: q for q in db.session.scalars(select(Quiz).where(Quiz.id.in_(quiz_ids)))}
        if quiz_ids
        else {}
    )
    return [
        AuditRecord(
            event,
            [
                Change(
                    c["attempt"],
                    c.get("number", 0),
                    users.get(c["user"]),
                    quizzes.get(c["quiz"]),
                    c["before"],
                    c["after"],
                )
                for c in raw[event.id]
            ],
        )
        for event in events
    ]
