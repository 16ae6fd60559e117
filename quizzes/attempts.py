"""Attempts: start (or resume), save answers, submit exactly once, enforce the deadline.

Every function takes ``now`` so tests can move the clock; pages pass nothing.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from courses.models import Enrolment
from lms import content_translations as ct
from lms.database import column_rows, utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from quizzes import selection
from quizzes.attempt_results import store_result
from quizzes.models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Question,
    QuestionVersion,
    Quiz,
)
from quizzes.question_types import AnswerError, get_type


def _grace() -> timedelta:
    return timedelta(seconds=current_app.config.get("QUIZ_GRACE_SECONDS", 30))


def load_attempt(attempt_id: int) -> Attempt | None:
    """An attempt with its frozen questions, their versions, questions and criteria, in a
    fixed number of queries however long the quiz is."""
    return db.session.get(Attempt, attempt_id, options=attempt_loader_options())


def load_attempt_alone(attempt_id: int) -> Attempt | None:
    """The attempt row alone (status, deadline, owner), without its questions."""
    return db.session.get(Attempt, attempt_id)


@dataclass
class AnswerSlot:
    """One frozen question of an attempt as saving its answers reads it: a row, not an ORM
    object (the autosave runs after every change a trainee makes, and building twenty
    mapped questions with their versions cost more than the rest of the request)."""

    id: int
    position: int
    presentation_json: str
    answer_json: str | None
    type: str

    @property
    def presentation(self) -> dict:
        return _frozen_presentation(self.presentation_json)


@lru_cache(maxsize=1024)  # some fifty attempts of twenty questions in use at once
def _frozen_presentation(text: str) -> dict:
    """A frozen presentation, parsed once per process while in use: a trainee's autosave
    posts the same attempt's form after every change, and its presentations never change
    (the text is the key). Shared between requests, so read only: the question types'
    ``form_values`` and ``parse`` only read it."""
    return json.loads(text)


@dataclass
class AnswerSheet:
    """An attempt as the autosave reads it: what it checks (owner, status, deadline) and its
    questions as ``AnswerSlot`` rows, in order, from one statement (``answer_sheet``)."""

    id: int
    user_id: int
    status: str
    deadline_at: datetime | None
    slots: list[AnswerSlot]


# Built once per process: the attempt's row with each of its questions and their types (the
# attempt alone, its question columns NULL, when it has none).
_SHEET = (
    select(
        Attempt.id,
        Attempt.user_id,
        Attempt.status,
        Attempt.deadline_at,
        AttemptQuestion.id,
        AttemptQuestion.position,
        AttemptQuestion.presentation_json,
        AttemptQuestion.answer_json,
        Question.type,
    )
    .select_from(Attempt)
    .outerjoin(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
    .outerjoin(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
    .outerjoin(Question, Question.id == QuestionVersion.question_id)
    .where(Attempt.id == bindparam("attempt"))
    .order_by(AttemptQuestion.position)
)

_SAVE_ANSWER = (
    update(AttemptQuestion.__table__)
    .where(AttemptQuestion.__table__.c.id == bindparam("slot"))
    .values(answer_json=bindparam("answer"), answered_at=bindparam("at"))
)


def answer_sheet(attempt_id: int) -> AnswerSheet | None:
    """The attempt as the autosave reads it (one statement, no ORM objects), or None."""
    rows = column_rows(_SHEET, {"attempt": attempt_id}).all()
    if not rows:
        return None
    first = rows[0]
    return AnswerSheet(
        id=first[0],
        user_id=first[1],
        status=first[2],
        deadline_at=first[3],
        slots=[AnswerSlot(*row[4:]) for row in rows if row[4] is not None],
    )


def load_attempt_for_page(attempt_id: int) -> Attempt | None:
    """An attempt with its quiz and course and its frozen questions (presentation, answer,
    flag: what the navigator shows of every question), without their versions: the page
    reads those of the questions it shows with ``load_versions``.

    Two prebuilt statements, the attempt with its quiz and course, then its questions: a
    joined load of the questions repeated the quiz's and course's columns on each of their
    rows, and cost the page more than both statements (0.8 against 0.45 ms, 20 questions)."""
    attempt = db.session.execute(_PAGE_ATTEMPT, {"attempt": attempt_id}).scalar_one_or_none()
    if attempt is not None:  # as a loader would: no change to flush
        questions = list(db.session.scalars(_PAGE_QUESTIONS, {"attempt": attempt_id}))
        set_committed_value(attempt, "questions", questions)
    return attempt


_PAGE_ATTEMPT = (
    select(Attempt)
    .where(Attempt.id == bindparam("attempt"))
    .options(joinedload(Attempt.quiz).joinedload(Quiz.course))
)

_PAGE_QUESTIONS = (
    select(AttemptQuestion)
    .where(AttemptQuestion.attempt_id == bindparam("attempt"))
    .order_by(AttemptQuestion.position)
)

_VERSIONS = (
    select(QuestionVersion)
    .where(QuestionVersion.id.in_(bindparam("versions", expanding=True)))
    .options(joinedload(QuestionVersion.question).joinedload(Question.course))
)


def load_versions(questions) -> None:
    """The versions of ``questions`` with their questions and courses, in one query (none
    when all are loaded already); reading ``question.version`` then costs nothing."""
    missing = [q for q in questions if "version" in inspect(q).unloaded]
    if not missing:
        return
    wanted = sorted({q.question_version_id for q in missing})
    versions = {
        version.id: version for version in db.session.scalars(_VERSIONS, {"versions": wanted})
    }
    for question in missing:  # as a loader would: no change to flush
        set_committed_value(question, "version", versions[question.question_version_id])


def attempt_loader_options() -> list:
    """Loader options for attempts with their frozen questions (``load_attempt``, or a list
    of attempts in one go)."""
    return [
        selectinload(Attempt.questions)
        .joinedload(AttemptQuestion.version)
        .joinedload(QuestionVersion.question)
        .options(joinedload(Question.criterion), joinedload(Question.course)),
        joinedload(Attempt.quiz).joinedload(Quiz.course),
    ]


def open_attempt(quiz: Quiz, user: User) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.open_slot == user.id)
    )


def finished_attempts(quiz: Quiz, user: User) -> list[Attempt]:
    return list(
        db.session.scalars(
            select(Attempt)
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.user_id == user.id,
                Attempt.status != AttemptStatus.IN_PROGRESS.value,
            )
            .order_by(Attempt.number)
        )
    )


def start_problem(quiz: Quiz, user: User, now: datetime) -> str | None:
    """Why ``user`` may not start a new attempt now, or None."""
    if not quiz.published:
        return _l("This quiz is not open.")
    if quiz.opens_at and now < quiz.opens_at:
        return _l("This quiz has not opened yet.")
    if quiz.closes_at and now >= quiz.closes_at:
        return _l("This quiz has closed.")
    done = finished_attempts(quiz, user)
    if quiz.attempts_allowed is not None and len(done) >= quiz.attempts_allowed:
        return _l("You have used all %(n)d attempts.", n=quiz.attempts_allowed)
    if done and quiz.wait_minutes:
        ready = done[-1].submitted_at + timedelta(minutes=quiz.wait_minutes)
        if now < ready:
            minutes = int((ready - now).total_seconds() // 60) + 1
            return _l("You can try again in %(n)d minutes.", n=minutes)
    return None


def start(quiz: Quiz, user: User, *, now: datetime | None = None) -> Attempt:
    """Resume the open attempt, or start one with its questions and option order frozen."""
    now = now or utcnow()
    current = open_attempt(quiz, user)
    if current is not None:
        finish_if_expired(current, now=now)
        if current.status == AttemptStatus.IN_PROGRESS:
            return current
    problem = start_problem(quiz, user, now)
    if problem:
        raise ServiceError(problem)
    seed = secrets.randbits(31)
    rng = random.Random(seed)
    versions = selection.select_versions(quiz, rng)
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at and (deadline is None or quiz.closes_at < deadline):
        deadline = quiz.closes_at
    number = (
        db.session.scalar(
            select(func.max(Attempt.number)).where(
                Attempt.quiz_id == quiz.id, Attempt.user_id == user.id
            )
        )
        or 0
    ) + 1
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=number,
        open_slot=user.id,
        seed=seed,
        started_at=now,
        deadline_at=deadline,
        status=AttemptStatus.IN_PROGRESS.value,
        language=ct.current_locale(),  # the questions are shown in it where translated
    )
    for position, version in enumerate(versions, start=1):
        question_type = get_type(version.question.type)
        presentation = question_type.present(version.definition, rng, quiz.shuffle_options)
        attempt.questions.append(
            AttemptQuestion(
                position=position,
                question_version_id=version.id,
                presentation_json=json.dumps(presentation, ensure_ascii=False),
            )
        )
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:
        # Not lms.database.commit_or_refuse: a second tab that started an attempt at the same
        # moment is not refused, it gets the attempt the other request made.
        db.session.rollback()
        existing = open_attempt(quiz, user)
        if existing is None:
            raise
        return existing
    return attempt


def _expired(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + _grace()


def _expired_sql(now: datetime):
    """``_expired`` as SQL, to find the candidates; ``finish_if_expired`` decides each."""
    return Attempt.deadline_at.is_not(None) & (Attempt.deadline_at < now - _grace())


def _refuse_unless_open(attempt: Attempt, now: datetime) -> None:
    """Answers are taken only while the attempt is in progress and its time (plus grace) is
    not up; an expired attempt is handed in with what was saved."""
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise ServiceError(_l("This attempt is already submitted."))
    if _expired(attempt, now):
        finish_if_expired(attempt, now=now)
        raise ServiceError(
            _l("Time is up: the attempt was submitted with the answers saved before the deadline.")
        )


def save_answer(
    attempt: Attempt, position: int, values: list[str], *, now: datetime | None = None
) -> None:
    """Store one answer (autosave). After the deadline (plus grace) it is refused."""
    now = now or utcnow()
    _refuse_unless_open(attempt, now)
    question = next((q for q in attempt.questions if q.position == position), None)
    if question is None:
        raise AnswerError(_l("This question is not part of the attempt."))
    answer = get_type(question.version.question.type).parse(question.presentation, values)
    question.answer_json = None if answer is None else json.dumps(answer, ensure_ascii=False)
    question.answered_at = now
    db.session.commit()


def finish_if_expired(attempt: Attempt, *, now: datetime | None = None) -> bool:
    """Submit an attempt left open past its deadline, with what was saved in time."""
    now = now or utcnow()
    if attempt.status == AttemptStatus.IN_PROGRESS and _expired(attempt, now):
        submit(attempt, now=now)
        return True
    return False


def finish_expired(*, now: datetime | None = None, batch: int = 200) -> int:
    """Submit every attempt still open past its deadline (plus grace), as opening it would:
    each through ``finish_if_expired``, so with what was saved in time and graded once. A
    trainee handing in at the same moment, or another worker running this too, changes
    nothing: ``submit``'s conditional UPDATE lets exactly one of them grade it. Safe to run
    again (a second run finds nothing). Returns how many attempts it handed in."""
    now = now or utcnow()
    done, last = 0, 0
    while True:
        ids = list(
            db.session.scalars(
                select(Attempt.id)
                .where(
                    Attempt.id > last,
                    Attempt.status == AttemptStatus.IN_PROGRESS.value,
                    _expired_sql(now),
                )
                .order_by(Attempt.id)
                .limit(batch)
            )
        )
        db.session.rollback()  # nothing written; each attempt below commits on its own
        for attempt_id in ids:
            try:
                attempt = load_attempt(attempt_id)
                if attempt is not None and finish_if_expired(attempt, now=now):
                    done += 1
            except Exception:  # one attempt that cannot be graded must not stop the others
                db.session.rollback()
                current_app.logger.exception("attempt %s could not be finished", attempt_id)
        if len(ids) < batch:
            return done
        last = ids[-1]


def submit(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """Close and grade the attempt once. A double click or a replay changes nothing: only
    the request whose conditional UPDATE moves it out of 'in progress' grades it."""
    now = now or utcnow()
    won = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS.value)
        .values(status=AttemptStatus.SUBMITTED.value, open_slot=None, submitted_at=now)
    ).rowcount
    if won != 1:
        db.session.rollback()
        db.session.refresh(attempt)
        return attempt
    db.session.refresh(attempt)
    store_result(attempt)
    db.session.commit()
    return attempt


def save_form(
    attempt: Attempt,
    getlist,
    *,
    now: datetime | None = None,
    positions: set[int] | None = None,
) -> dict[int, AnswerError]:
    """Save every answer of a page form that fits its question; return the others by
    question position, with what to fix.

    An answer that does not fit (two items in one place, a word for a number) is not saved:
    its question keeps the answer saved before, and the page shows it as typed beside the
    message. Every other answer of the form is saved all the same, so one mistake never
    loses the rest. Handing in waits until nothing is returned (``views.save``).

    ``positions`` limits the save to the questions a page showed (one question per page):
    the others are not in the form, and must keep their answers."""
    now = now or utcnow()
    _refuse_unless_open(attempt, now)
    changed, problems = _form_answers(
        attempt.questions, lambda q: q.version.question.type, getlist, positions
    )
    for question, encoded in changed:
        question.answer_json, question.answered_at = encoded, now
    db.session.commit()
    return problems


def save_sheet(
    sheet: AnswerSheet,
    getlist,
    *,
    now: datetime | None = None,
    positions: set[int] | None = None,
) -> dict[int, AnswerError]:
    """``save_form`` for the autosave, over ``answer_sheet``'s rows: the same rules
    (``_form_answers``), the changed answers written in one UPDATE statement and committed;
    nothing written (and no commit) when no answer changed.

    An attempt past its deadline (plus grace) is handed in first with what was saved
    (``finish_if_expired``, on the ORM attempt), then refused like any submitted one."""
    now = now or utcnow()
    if sheet.status != AttemptStatus.IN_PROGRESS:
        raise ServiceError(_l("This attempt is already submitted."))
    if _expired(sheet, now):
        finish_if_expired(load_attempt_alone(sheet.id), now=now)
        raise ServiceError(_l("This attempt is already submitted."))
    changed, problems = _form_answers(sheet.slots, lambda slot: slot.type, getlist, positions)
    if changed:
        db.session.connection().execute(
            _SAVE_ANSWER,
            [{"slot": slot.id, "answer": encoded, "at": now} for slot, encoded in changed],
        )
        db.session.commit()
        for slot, encoded in changed:
            slot.answer_json = encoded
    return problems


# ``json.dumps(answer, ensure_ascii=False)``, the same text, without building an encoder per
# call (dumps builds one whenever an option differs from its defaults).
_encode_answer = json.JSONEncoder(ensure_ascii=False).encode


def _form_answers(questions, type_of, getlist, positions: set[int] | None):
    """The answers of a page form that fit their questions and differ from the saved ones,
    as (question, encoded answer) pairs, and the problems of those that do not fit, by
    question position. ``type_of`` names a question's type."""
    changed = []
    problems: dict[int, AnswerError] = {}
    for question in questions:
        if positions is not None and question.position not in positions:
            continue
        question_type = get_type(type_of(question))
        presentation = question.presentation  # parsed once: the form's values, then the answer
        try:
            values = question_type.form_values(presentation, getlist, f"q{question.position}")
            answer = question_type.parse(presentation, values)
        except AnswerError as error:
            problems[question.position] = error
            continue
        encoded = None if answer is None else _encode_answer(answer)
        if encoded != question.answer_json:
            changed.append((question, encoded))
    return changed, problems


def toggle_flag(attempt: Attempt, position: int, *, now: datetime | None = None) -> bool:
    """Flag a question to come back to it, or take the flag off; returns the new state.
    Only while the attempt is open (like answers)."""
    now = now or utcnow()
    _refuse_unless_open(attempt, now)
    question = next((q for q in attempt.questions if q.position == position), None)
    if question is None:
        raise ServiceError(_l("This question is not part of the attempt."))
    question.flagged = not question.flagged
    db.session.commit()
    return question.flagged


def overview(attempt: Attempt) -> list[dict]:
    """Each question's state for the navigator and the summary: its number on the page,
    position, whether it is answered and flagged."""
    return [
        {
            "number": number,
            "position": q.position,
            "answered": q.answer_json is not None and q.answer not in ([], {}, ""),
            "flagged": bool(q.flagged),
        }
        for number, q in enumerate(attempt.questions, start=1)
    ]


def problem_list(questions, problems: dict[int, AnswerError]) -> list[dict]:
    """The problems of ``save_form`` as the page and its script show them: the question's
    number on the page, its position (form field ``q<position>``), the message in the
    reader's language and the fields concerned. ``questions``: the attempt's, in order."""
    listed = []
    for number, question in enumerate(questions, start=1):
        error = problems.get(question.position)
        if error is not None:
            listed.append(
                {
                    "number": number,
                    "position": question.position,
                    "message": str(error),
                    "fields": [f"q{question.position}-{name}" for name in error.fields],
                }
            )
    return listed


def visible_quizzes(user: User) -> list[Quiz]:
    """Published quizzes of the courses ``user`` is enrolled in."""

    return list(
        db.session.scalars(
            select(Quiz)
            .join(Enrolment, Enrolment.course_id == Quiz.course_id)
            .where(Enrolment.user_id == user.id, Quiz.published.is_(True))
            .order_by(Quiz.course_id, Quiz.id)
        )
    )


def best_attempts(user: User, quiz_ids: list[int]) -> dict[int, Attempt]:
    """The best finished attempt per quiz (highest percent, then earliest)."""
    best: dict[int, Attempt] = {}
    if not quiz_ids:
        return best
    for attempt in db.session.scalars(
        select(Attempt)
        .where(
            Attempt.user_id == user.id,
            Attempt.quiz_id.in_(quiz_ids),
            Attempt.status != AttemptStatus.IN_PROGRESS.value,
        )
        .order_by(Attempt.number)
    ):
        current = best.get(attempt.quiz_id)
        if current is None or (attempt.percent or 0) > (current.percent or 0):
            best[attempt.quiz_id] = attempt
    return best
