"""The demo: criteria from shared/domain and the team's question bank, loaded idempotently."""

from __future__ import annotations

import yaml
from sqlalchemy import func, select

from lms.extensions import db
from quizzes.demo import CRITERIA, QUESTIONS_FILE
from quizzes.models import Criterion, Question
from quizzes.question_types import REGISTRY


def test_seed_demo_loads_criteria_and_every_question_once(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    expected = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]
    assert db.session.scalar(select(func.count(Question.id))) == len(expected) >= 40
    assert db.session.scalar(select(func.count(Criterion.id))) == len(CRITERIA)
    covered = set(db.session.scalars(select(Criterion.code).join(Question)))
    assert covered == {code for code, *_ in CRITERIA}
    assert set(db.session.scalars(select(Question.type))) == set(REGISTRY)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(Question.id))) == len(expected)


def test_possibly_amended_questions_are_flagged_and_few():
    questions = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]
    flagged = [q["key"] for q in questions if q.get("possibly_amended")]
    assert 0 < len(flagged) <= 8
    assert all(q.get("fact_tag") in ("V", "S", "practice") for q in questions)
