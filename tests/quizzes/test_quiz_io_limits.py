"""A quiz file's long texts meet the same caps as the forms (issue 14, point 7)."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from lms.extensions import db
from lms.text_limits import QUESTION_TEXT, QUIZ_INSTRUCTIONS
from quizzes import content_io
from quizzes.models import Question, Quiz


@pytest.fixture
def exported(make_quiz, criteria):
    return yaml.safe_load(content_io.export_yaml(make_quiz(questions=2)))


def _import_fails(make_course, data) -> list[str]:
    target = make_course("Target")
    before = db.session.scalar(select(func.count(Question.id)))
    with pytest.raises(content_io.QuizImportFailed) as failure:
        content_io.import_yaml(target, yaml.safe_dump(data, allow_unicode=True))
    assert db.session.scalar(select(func.count(Question.id))) == before
    assert db.session.scalar(select(func.count(Quiz.id))) == 1  # the exported quiz only
    return failure.value.problems


@pytest.mark.parametrize("name", ["stem", "feedback"])
def test_question_text_over_the_limit_names_question_and_field(exported, make_course, name):
    key = exported["questions"][0]["key"]
    exported["questions"][0][name] = "x" * (QUESTION_TEXT + 1)
    problems = _import_fails(make_course, exported)
    assert any(
        p.startswith(f"question {key}: {name}: ") and str(QUESTION_TEXT) in p for p in problems
    ), problems


def test_instructions_over_the_limit_are_a_problem(exported, make_course):
    exported["quiz"]["instructions"] = "x" * (QUIZ_INSTRUCTIONS + 1)
    problems = _import_fails(make_course, exported)
    assert any(
        p.startswith("quiz: instructions:") and str(QUIZ_INSTRUCTIONS) in p for p in problems
    ), problems


def test_texts_at_the_limits_import(exported, make_course):
    exported["questions"][0]["stem"] = "x" * QUESTION_TEXT
    exported["quiz"]["instructions"] = "y" * QUIZ_INSTRUCTIONS
    quiz = content_io.import_yaml(make_course("Target"), yaml.safe_dump(exported))
    assert len(quiz.instructions) == QUIZ_INSTRUCTIONS


# --- previews render nothing over the limit -------------------------------------------------


@pytest.fixture
def course(make_course, criteria):
    return make_course("Preview course")


def test_instructions_preview_over_the_limit_shows_the_limit_instead(trainer_client, course):
    from tests.quizzes.test_quiz_builder import _settings

    data = _settings(instructions="*x* " * (QUIZ_INSTRUCTIONS // 4 + 1), preview="Preview")
    data.pop("submit")
    response = trainer_client.post_form(f"/manage/quizzes/courses/{course.id}/quizzes/new", data)
    page = response.get_data(as_text=True)
    assert f"Use at most {QUIZ_INSTRUCTIONS} characters." in page
    assert "<em>x</em>" not in page


def test_question_preview_over_the_limit_shows_the_limit_instead(trainer_client, course, criteria):
    from tests.quizzes.test_bank_pages import TYPE_FIELDS, _common

    fields, _definition = TYPE_FIELDS["single_choice"]
    data = {**_common(criteria, stem="**y** " * (QUESTION_TEXT // 6 + 1)), **fields}
    data.pop("submit")
    data["preview"] = "Preview"
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/single_choice", data
    )
    page = response.get_data(as_text=True)
    assert f"Use at most {QUESTION_TEXT} characters." in page
    assert "<strong>y</strong>" not in page
