"""The quizzes part of a user's data download (attempts and answers), and what deleting an
account erases here: the text of written (free-text) answers. Points, percent and pass stay:
the results a certificate rests on must keep adding up."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import select

from lms.account_deletion import register_erasure
from lms.extensions import db
from lms.models import User
from lms.personal_data import register_personal_data
from quizzes.models import Attempt, AttemptQuestion, Question, QuestionVersion

ERASED = "[erased: the account was deleted]"
WRITTEN = "free_text"


def attempts_of(user: User) -> list:
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.id)
    ).all()
    return [
        {
            "quiz": attempt.quiz.title,
            "number": attempt.number,
            "status": attempt.status,
            "started_at": attempt.started_at,
            "submitted_at": attempt.submitted_at,
            "earned": attempt.earned,
            "possible": attempt.possible,
            "percent": attempt.percent,
            "passed": attempt.passed,
            "answers": [
                {
                    "position": item.position,
                    "answer": json.loads(item.answer_json) if item.answer_json else None,
                    "answered_at": item.answered_at,
                    "manual_points": item.manual_points,
                }
                for item in sorted(attempt.questions, key=lambda item: item.position)
            ],
        }
        for attempt in attempts
    ]


def erase_written_answers(user: User) -> None:
    items = db.session.scalars(
        select(AttemptQuestion)
        .join(Attempt, AttemptQuestion.attempt_id == Attempt.id)
        .join(QuestionVersion, AttemptQuestion.question_version_id == QuestionVersion.id)
        .join(Question, QuestionVersion.question_id == Question.id)
        .where(
            Attempt.user_id == user.id,
            Question.type == WRITTEN,
            AttemptQuestion.answer_json.is_not(None),
        )
    )
    for item in items:
        item.answer_json = json.dumps(ERASED)


def init_app(app: Flask) -> None:
    register_personal_data("quiz_attempts", attempts_of)
    register_erasure(erase_written_answers)
