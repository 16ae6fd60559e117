"""Quizzes as YAML: byte-identical round trip, all-or-nothing import naming question and field."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from lms.extensions import db
from quizzes import bank, content_io
from quizzes.models import Question, QuestionVersion, Quiz


@pytest.fixture
def quiz(make_quiz, criteria):
    quiz = make_quiz(questions=3, review_policy="answers", time_limit_minutes=20)
    essay = bank.create_question(
        quiz.course,
        key="essay",
        criterion=criteria["C6-DRAFT"],
        type="free_text",
        stem="Draft a clause.\n\nUse the checklist.",
        points=4,
        difficulty=2,
        definition={
            "rubric": [{"criterion": "Parties named", "points": 4}],
            "model_answer": "Bolat pays ...",
        },
        feedback="",
        source="Law Art. 27(2)",
        fact_tag="V",
        verified_on="2026-11-25",
        possibly_amended=False,
    )
    from quizzes.models import QuizQuestion

    quiz.fixed_questions.append(QuizQuestion(question_id=essay.id, position=4))
    db.session.commit()
    return quiz


def test_export_import_export_is_identical(quiz, make_course):
    first = content_io.export_yaml(quiz)
    other = make_course("Another course")
    imported = content_io.import_yaml(other, first)
    assert content_io.export_yaml(imported) == first
    # Importing the same file again with update changes nothing (no new versions).
    versions = db.session.scalar(select(func.count(QuestionVersion.id)))
    again = content_io.import_yaml(other, first, update=True)
    assert db.session.scalar(select(func.count(QuestionVersion.id))) == versions
    assert content_io.export_yaml(again) == first


def test_a_changed_question_gets_a_new_version(quiz):
    data = yaml.safe_load(content_io.export_yaml(quiz))
    data["questions"][0]["stem"] = "A clearer stem?"
    content_io.import_yaml(quiz.course, yaml.safe_dump(data, allow_unicode=True), update=True)
    question = db.session.scalar(
        select(Question).where(Question.key == data["questions"][0]["key"])
    )
    assert question.current_version == 2 and question.current.stem_source == "A clearer stem?"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["questions"][0].update(options=[{"text": "only one"}]),
            "options: needs 2 to 10 options",
        ),
        (lambda d: d["questions"][1].update(criterion="C9-NONE"), "criterion: unknown code"),
        (lambda d: d["questions"][2].update(points=0), "points: must be a whole number"),
        (lambda d: d["questions"][3].update(rubric=[]), "rubric: needs at least one line"),
        (lambda d: d["quiz"].update(review_policy="always"), "quiz: review_policy: unknown value"),
        (lambda d: d["quiz"]["questions"].append("ghost"), "“ghost” is not in the file"),
        (lambda d: d["questions"].append(dict(d["questions"][0])), "appears twice"),
    ],
)
def test_bad_files_change_nothing_and_name_the_question_and_field(
    quiz, make_course, change, expected
):
    data = yaml.safe_load(content_io.export_yaml(quiz))
    key = data["questions"][0]["key"]
    change(data)
    target = make_course("Target")
    questions, quizzes = (
        db.session.scalar(select(func.count(Question.id))),
        db.session.scalar(select(func.count(Quiz.id))),
    )
    with pytest.raises(content_io.QuizImportFailed) as failure:
        content_io.import_yaml(target, yaml.safe_dump(data, allow_unicode=True))
    assert any(expected in problem for problem in failure.value.problems), failure.value.problems
    if "options" in expected:
        assert any(problem.startswith(f"question {key}:") for problem in failure.value.problems)
    assert db.session.scalar(select(func.count(Question.id))) == questions
    assert db.session.scalar(select(func.count(Quiz.id))) == quizzes


def test_an_existing_quiz_needs_update_and_broken_yaml_is_reported(quiz):
    text = content_io.export_yaml(quiz)
    with pytest.raises(content_io.QuizImportFailed, match="exists in this course"):
        content_io.import_yaml(quiz.course, text)
    with pytest.raises(content_io.QuizImportFailed, match=r"invalid YAML \(line \d+\)"):
        content_io.import_yaml(quiz.course, "quiz:\n  title: [unclosed\n")


def test_the_cli_exports_and_imports(quiz, runner, tmp_path, make_course):
    path = tmp_path / "quiz.yml"
    result = runner.invoke(args=["quizzes", "export", quiz.course.slug, quiz.slug, str(path)])
    assert result.exit_code == 0, result.output
    other = make_course("CLI target")
    result = runner.invoke(args=["quizzes", "import", other.slug, str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["quizzes", "import", other.slug, str(path)])
    assert result.exit_code == 1 and "exists in this course" in result.output
    assert runner.invoke(args=["quizzes", "import", "nope", str(path)]).exit_code == 1


def test_the_bank_scope_is_exported_and_older_files_import_as_course(quiz, make_course):
    text = content_io.export_yaml(quiz)
    assert "  selection: fixed\n  bank_scope: course\n" in text
    data = yaml.safe_load(text)
    del data["quiz"]["bank_scope"]  # a file written before bank scopes existed
    older = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    imported = content_io.import_yaml(make_course("Older file"), older)
    assert imported.bank_scope == "course"
    assert content_io.export_yaml(imported) == text.replace(quiz.course.slug, imported.course.slug)
    data["quiz"]["bank_scope"] = "all"
    updated = content_io.import_yaml(
        imported.course, yaml.safe_dump(data, allow_unicode=True), update=True
    )
    assert updated.bank_scope == "all"


def test_an_unverified_question_exports_as_null_and_a_bad_date_is_refused(quiz, make_course):
    """verified_on is a real day or null (not verified): a typo must never count as a check,
    since a possibly amended must-pass question is given only once it has a date."""
    question = quiz.fixed_questions[0].question
    bank.revise_question(
        question,
        stem=question.current.stem_source,
        definition=question.current.definition,
        points=1,
        difficulty=1,
        feedback="",
        source="Law Art. 20(6) (2019 text)",
        fact_tag="V",
        verified_on="",
        possibly_amended=True,
    )
    first = content_io.export_yaml(quiz)
    data = yaml.safe_load(first)
    assert data["questions"][0]["verified_on"] is None
    assert data["questions"][1]["verified_on"] == "2026-11-25"
    other = make_course("Another course")
    imported = content_io.import_yaml(other, first)
    assert content_io.export_yaml(imported) == first
    copy = db.session.scalar(
        select(Question).where(Question.course_id == other.id, Question.key == question.key)
    )
    assert (copy.current.verified_on, copy.current.possibly_amended) == ("", True)
    for bad in ("soon", "31.12.2026", "2026-13-01"):
        data["questions"][0]["verified_on"] = bad
        data["quiz"]["slug"] = "bad-date"
        before = db.session.scalar(select(func.count(QuestionVersion.id)))
        with pytest.raises(content_io.QuizImportFailed) as failed:
            content_io.import_yaml(other, yaml.safe_dump(data, allow_unicode=True), update=True)
        assert f"question {question.key}" in str(failed.value) and "verified_on" in str(
            failed.value
        )
        assert db.session.scalar(select(func.count(QuestionVersion.id))) == before
