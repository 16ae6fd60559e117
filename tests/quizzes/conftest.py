"""Factories for criteria, questions and quizzes."""

from __future__ import annotations

import pytest

from lms.extensions import db
from quizzes import bank
from quizzes.demo import CRITERIA
from quizzes.models import DrawRule, Quiz, QuizQuestion


@pytest.fixture
def criteria(app):
    for code, title, must_pass, floor, thresholds in CRITERIA:
        bank.ensure_criterion(code, title, must_pass=must_pass, floor=floor, thresholds=thresholds)
    return {code: bank.criterion_by_code(code) for code, *_ in CRITERIA}


@pytest.fixture
def make_question(criteria, make_course):
    counter = iter(range(1, 10_000))

    def factory(course, criterion="C1-LAW", *, difficulty=1, right="Law No. 401-IV", **extra):
        number = next(counter)
        definition = {
            "options": [
                {"text": right, "correct": True},
                {"text": f"Wrong {number}a"},
                {"text": f"Wrong {number}b"},
            ]
        }
        return bank.create_question(
            course,
            key=f"q{number}",
            criterion=criteria[criterion],
            type="single_choice",
            stem=f"Question {number}?",
            definition=definition,
            points=1,
            difficulty=difficulty,
            feedback="",
            source="Law Art. 4",
            fact_tag="V",
            verified_on="2026-11-25",
            possibly_amended=False,
            **extra,
        )

    return factory


@pytest.fixture
def make_quiz(make_course, make_question):
    def factory(*, questions=3, criterion="C1-LAW", course=None, **settings):
        course = course or make_course("Quiz course")
        quiz = Quiz(
            course_id=course.id,
            slug=settings.pop("slug", "final"),
            title="Final test",
            published=True,
            **settings,
        )
        db.session.add(quiz)
        db.session.flush()
        for position in range(1, questions + 1):
            question = make_question(course, criterion)
            quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=position))
        db.session.commit()
        return quiz

    return factory


@pytest.fixture
def add_draw_rule():
    def add(quiz, criterion, count, difficulty=None):
        quiz.selection = "draw"
        quiz.draw_rules.append(
            DrawRule(criterion_id=criterion.id, count=count, difficulty=difficulty)
        )
        db.session.commit()

    return add
