"""The assessments part of a user's data download: practical assessments about them, with
their scores per rubric line."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from assessments.models import Assessment, AssessmentScore, RubricLine
from lms.extensions import db
from lms.models import User
from lms.personal_data import register_personal_data


def assessments_of(user: User) -> list:
    rows = db.session.scalars(
        select(Assessment).where(Assessment.user_id == user.id).order_by(Assessment.id)
    ).all()
    result = []
    for row in rows:
        scores = db.session.execute(
            select(RubricLine.label, AssessmentScore.points)
            .join(RubricLine, AssessmentScore.line_id == RubricLine.id)
            .where(AssessmentScore.assessment_id == row.id)
            .order_by(RubricLine.position)
        ).all()
        result.append(
            {
                "rubric": row.rubric.title,
                "seminar_id": row.seminar_id,
                "status": row.status,
                "signed_off_at": row.signed_off_at,
                "notes": row.notes,
                "breach_note": row.breach_note,
                "scores": [{"line": label, "points": points} for label, points in scores],
            }
        )
    return result


def init_app(app: Flask) -> None:
    register_personal_data("assessments", assessments_of)
