"""Bank scope: a quiz draws from its own course's bank, or from every course's (a final exam)."""

from __future__ import annotations

import random

import pytest
import yaml
from sqlalchemy import func, select

from courses.models import CourseStatus
from lms.extensions import db
from quizzes import attempts, content_io, regrade, selection
from quizzes.models import BankScope, Question, QuestionVersion, Quiz, QuizQuestion


@pytest.fixture
def banks(make_course, make_question):
    """C1-LAW questions: 1 in the exam's course, 2 in a published course, 3 in a draft one,
    1 in an archived one; and 2 C3-ETH questions in the published course."""
    home = make_course("Final", slug="final")
    published = make_course("Procedure", slug="procedure")
    draft = make_course("Draft", slug="draft", status=CourseStatus.DRAFT)
    archived = make_course("Old", slug="old", status=CourseStatus.ARCHIVED)
    questions = {
        "home": [make_question(home, "C1-LAW")],
        "published": [make_question(published, "C1-LAW") for _ in range(2)],
        "draft": [make_question(draft, "C1-LAW") for _ in range(3)],
        "archived": [make_question(archived, "C1-LAW")],
        "ethics": [make_question(published, "C3-ETH") for _ in range(2)],
    }
    return home, questions


@pytest.fixture
def exam(banks, add_draw_rule, criteria):
    home, _questions = banks
    quiz = Quiz(
        course_id=home.id,
        slug="exam",
        title="Final exam",
        published=True,
        bank_scope=BankScope.ALL.value,
    )
    db.session.add(quiz)
    db.session.commit()
    add_draw_rule(quiz, criteria["C1-LAW"], 3)
    add_draw_rule(quiz, criteria["C3-ETH"], 1)
    return quiz


def _ids(questions) -> set[int]:
    return {q.id for q in questions}


def test_scope_all_draws_from_published_courses_and_its_own(app, exam, banks, make_user):
    _home, questions = banks
    drawable = _ids(questions["home"] + questions["published"])
    rule = next(r for r in exam.draw_rules if r.criterion.code == "C1-LAW")
    assert {v.question_id for v in selection._pool(exam, rule)} == drawable
    assert selection.draw_problems(exam) == []
    for _ in range(3):
        attempt = attempts.start(exam, make_user())
        drawn = [item.version.question for item in attempt.questions]
        law = {q.id for q in drawn if q.criterion.code == "C1-LAW"}
        assert law == drawable  # all three, from two courses
        assert sum(q.criterion.code == "C3-ETH" for q in drawn) == 1
        assert len({q.course_id for q in drawn}) == 2


def test_draw_problems_count_across_courses(app, exam, banks):
    rule = next(r for r in exam.draw_rules if r.criterion.code == "C1-LAW")
    rule.count = 4
    db.session.commit()
    assert selection.draw_problems(exam) == ["C1-LAW: 4 questions wanted, the bank has 3."]
    # The same rule in the course's own scope sees only the course's single question.
    exam.bank_scope = BankScope.COURSE.value
    db.session.commit()
    assert selection.draw_problems(exam)[0] == "C1-LAW: 4 questions wanted, the bank has 1."
    assert "C3-ETH: 1 questions wanted, the bank has 0." in selection.draw_problems(exam)


def test_the_exams_own_course_counts_even_while_a_draft(app, exam, banks):
    home, questions = banks
    home.status = CourseStatus.DRAFT.value
    db.session.commit()
    rule = next(r for r in exam.draw_rules if r.criterion.code == "C1-LAW")
    assert _ids(questions["home"]) <= {v.question_id for v in selection._pool(exam, rule)}


def test_withdrawn_questions_are_never_drawn(app, exam, banks, trainer, make_user):
    _home, questions = banks
    withdrawn = questions["published"][0]
    regrade.withdraw(withdrawn, "Wrong key", trainer)
    rule = next(r for r in exam.draw_rules if r.criterion.code == "C1-LAW")
    assert withdrawn.id not in {v.question_id for v in selection._pool(exam, rule)}
    assert selection.draw_problems(exam) == ["C1-LAW: 3 questions wanted, the bank has 2."]
    rule.count = 2
    db.session.commit()
    for seed in range(10):
        chosen = selection.select_versions(exam, random.Random(seed))
        assert withdrawn.id not in {v.question_id for v in chosen}


def test_export_lists_the_whole_scope_and_round_trips(app, exam, banks):
    _home, questions = banks
    text = content_io.export_yaml(exam)
    data = yaml.safe_load(text)
    assert data["quiz"]["bank_scope"] == "all"
    listed = {(q.get("course"), q["key"]) for q in data["questions"]}
    expected = {(None, q.key) for q in questions["home"]} | {
        ("procedure", q.key) for q in questions["published"] + questions["ethics"]
    }
    assert listed == expected  # drafts and archived courses are not in the scope
    versions = db.session.scalar(select(func.count(QuestionVersion.id)))
    again = content_io.import_yaml(exam.course, text, update=True)
    assert db.session.scalar(select(func.count(QuestionVersion.id))) == versions
    assert content_io.export_yaml(again) == text


def test_import_creates_and_revises_questions_in_the_course_named(app, exam, banks, criteria):
    _home, questions = banks
    data = yaml.safe_load(content_io.export_yaml(exam))
    other = next(q for q in data["questions"] if q.get("course") == "procedure")
    other["stem"] = "A clearer stem?"
    new = dict(other, key="brand-new")
    data["questions"].append(new)
    content_io.import_yaml(exam.course, yaml.safe_dump(data, allow_unicode=True), update=True)
    procedure = questions["published"][0].course
    revised = db.session.scalar(
        select(Question).where(Question.course_id == procedure.id, Question.key == other["key"])
    )
    assert revised.current_version == 2 and revised.current.stem_source == "A clearer stem?"
    created = db.session.scalar(select(Question).where(Question.key == "brand-new"))
    assert created.course_id == procedure.id


def test_the_same_key_in_two_courses_is_two_questions(app, exam, banks, criteria):
    home, questions = banks
    shared = questions["published"][0]
    data = yaml.safe_load(content_io.export_yaml(exam))
    own = next(q for q in data["questions"] if "course" not in q)
    content_io.import_yaml(
        home,
        yaml.safe_dump(
            {"quiz": data["quiz"], "questions": [dict(own, key=shared.key)]}, allow_unicode=True
        ),
        update=True,
    )
    text = content_io.export_yaml(exam)
    keys = [(q.get("course"), q["key"]) for q in yaml.safe_load(text)["questions"]]
    assert (None, shared.key) in keys and ("procedure", shared.key) in keys
    again = content_io.import_yaml(home, text, update=True)
    assert content_io.export_yaml(again) == text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["quiz"].update(bank_scope="everything"), "quiz: bank_scope: must be"),
        (lambda d: d["quiz"].update(bank_scope=["all"]), "quiz: bank_scope: must be"),
        (lambda d: d["questions"][-1].update(course="nowhere"), "course: unknown course"),
        (lambda d: d["questions"][-1].update(course=["x"]), "course: unknown course"),
    ],
)
def test_bad_scopes_and_courses_change_nothing(app, exam, make_course, change, expected):
    data = yaml.safe_load(content_io.export_yaml(exam))
    change(data)
    target = make_course("Target", slug="target")
    counts = (
        db.session.scalar(select(func.count(Question.id))),
        db.session.scalar(select(func.count(Quiz.id))),
    )
    with pytest.raises(content_io.QuizImportFailed) as failure:
        content_io.import_yaml(target, yaml.safe_dump(data, allow_unicode=True))
    assert any(expected in problem for problem in failure.value.problems), failure.value.problems
    assert counts == (
        db.session.scalar(select(func.count(Question.id))),
        db.session.scalar(select(func.count(Quiz.id))),
    )


def test_a_fixed_list_names_other_courses_questions_by_course_and_key(app, banks):
    home, questions = banks
    borrowed = questions["published"][1]
    quiz = Quiz(
        course_id=home.id,
        slug="mixed",
        title="Mixed",
        bank_scope=BankScope.ALL.value,
        selection="fixed",
    )
    quiz.fixed_questions.append(QuizQuestion(question_id=questions["home"][0].id, position=1))
    quiz.fixed_questions.append(QuizQuestion(question_id=borrowed.id, position=2))
    db.session.add(quiz)
    db.session.commit()
    text = content_io.export_yaml(quiz)
    listed = yaml.safe_load(text)["quiz"]["questions"]
    assert listed == [questions["home"][0].key, {"course": "procedure", "key": borrowed.key}]
    again = content_io.import_yaml(home, text, update=True)
    assert [link.question_id for link in again.fixed_questions] == [
        questions["home"][0].id,
        borrowed.id,
    ]
    assert content_io.export_yaml(again) == text
    data = yaml.safe_load(text)
    data["quiz"]["bank_scope"] = "course"
    with pytest.raises(content_io.QuizImportFailed, match="use bank_scope: all"):
        content_io.import_yaml(home, yaml.safe_dump(data, allow_unicode=True), update=True)
    data["quiz"]["questions"] = "not a list"
    with pytest.raises(content_io.QuizImportFailed, match="must be a list"):
        content_io.import_yaml(home, yaml.safe_dump(data, allow_unicode=True), update=True)


def test_overlapping_rules_of_one_criterion_share_its_bank(
    app, make_course, criteria, make_question, make_quiz, add_draw_rule
):
    """A difficulty rule plus an any-difficulty rule of the same criterion: the total must fit
    the bank, and a draw never fails with a sampling error."""
    import random

    from quizzes.selection import draw_problems, select_versions

    course = make_course("Overlap")
    for _ in range(3):
        make_question(course, "C1-LAW", difficulty=1)
    for _ in range(2):
        make_question(course, "C1-LAW", difficulty=3)
    quiz = make_quiz(course=course, questions=0, selection="draw")
    add_draw_rule(quiz, criteria["C1-LAW"], 2, difficulty=1)
    add_draw_rule(quiz, criteria["C1-LAW"], 3)
    assert draw_problems(quiz) == []
    for seed in range(30):
        drawn = select_versions(quiz, random.Random(seed))
        assert len({v.id for v in drawn}) == 5
        assert sum(1 for v in drawn if v.difficulty == 1) >= 2
    add_draw_rule(quiz, criteria["C1-LAW"], 1, difficulty=3)
    problems = draw_problems(quiz)
    assert any("6 questions wanted in all, the bank has 5" in p for p in problems)
