"""Quiz YAML imports fed hostile files with hypothesis (issue 18): ``content_io.import_yaml``
either imports the quiz or refuses the file with ``QuizImportFailed`` naming its problems,
never another exception (the ``flask quizzes import`` command would end in a traceback), and
a refused file changes nothing. Work is bounded by the file: its problems by its size, its SQL
statements by the questions, keys and rules it holds (counted, not timed)."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from lms.extensions import db
from quizzes import content_io
from quizzes.models import Question, Quiz
from tests.certificates.factories import demo_criteria
from tests.security.test_fuzz_parsers import _laughs, fixture_ok

# Values of every YAML type, and the ones the fields expect written wrongly.
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["C1", "C3", "single_choice", "multiple_choice", "free_text", "fixed",
                     "draw", "all", "course", "criteria", "full", "none", "q1", "q2", "2026-01-01",
                     "x" * 400, "<script>alert(1)</script>", "\x00"]),
)  # fmt: skip
value = st.recursive(
    scalar,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
question_key = st.sampled_from([*content_io.QUESTION_FIELDS, "options", "answers", "pairs",
                                "items", "model_answer", "rubric", "other"])  # fmt: skip
question = st.one_of(
    st.fixed_dictionaries(
        {"key": st.sampled_from(["q1", "q2", "q3"]), "criterion": st.sampled_from(["C1", "C3"])},
        optional=dict.fromkeys(("type", "points", "stem", "options", "course"), value),
    ),
    st.dictionaries(question_key, value, max_size=6),
    value,
)
quiz_block = st.one_of(
    st.fixed_dictionaries(
        {"slug": st.sampled_from(["fuzz", "other"]), "title": st.sampled_from(["Fuzz", ""])},
        optional={
            **dict.fromkeys(content_io.QUIZ_FIELDS[2:], value),
            "questions": st.lists(st.sampled_from(["q1", "q2", "q9"]) | value, max_size=4) | value,
            "draw": st.lists(
                st.fixed_dictionaries({"criterion": value, "count": value}) | value, max_size=3
            )
            | value,
        },
    ),
    value,
)
quiz_file = st.one_of(
    st.fixed_dictionaries(
        {"quiz": quiz_block, "questions": st.lists(question, max_size=4) | value}
    ).map(lambda data: yaml.safe_dump(data, allow_unicode=True)),
    st.text(max_size=300),
)

VALID = """\
quiz:
  slug: valid
  title: A valid quiz
  questions: [v1]
questions:
  - key: v1
    criterion: C1
    type: single_choice
    stem: Which?
    options:
      - {text: Right, correct: true}
      - {text: Wrong}
"""


@pytest.fixture
def course(app, make_course):
    demo_criteria()
    return make_course("Fuzzed quizzes")


@pytest.fixture
def statements(app):
    """The SQL statements run while the test runs (one counter, reset by the test)."""
    counted = [0]

    def count(*args, **kwargs):
        counted[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    yield counted
    event.remove(db.engine, "before_cursor_execute", count)


def _entries(text: str) -> int:
    """How many things a file can ask the import to look up or write: its mappings and list
    items (questions, listed keys, draw rules), counted in the parsed file."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return 0
    seen, stack = 0, [data]
    while stack and seen < 10_000:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return seen


@fixture_ok(250)
@given(text=quiz_file, update=st.booleans())
@example(text=VALID, update=False)
@example(text=_laughs(9).replace("modules", "questions"), update=False)
@example(text="quiz: " + "[" * 5_000 + "]" * 5_000, update=False)
@example(text="quiz: {slug: a, title: b, draw: 5}\nquestions: []", update=False)
@example(text="quiz: {slug: a, title: b, draw: [x]}\nquestions: []", update=False)
@example(text="quiz: {slug: a, title: b, pass_mark: [1]}\nquestions: []", update=False)
@example(text="quiz: {slug: a, title: [b]}\nquestions: []", update=False)
@example(text="quiz: {slug: a, title: b, attempts_allowed: x}\nquestions: []", update=False)
@example(text="quiz: {slug: a, title: b, shuffle_options: {a: 1}}\nquestions: []", update=False)
@example(text="quiz: {slug: a, title: b, time_limit_minutes: 1e999}\nquestions: []", update=True)
@example(text="quiz: {slug: a, title: b, wait_minutes: 99999999999999999999}", update=False)
@example(text="quiz: {slug: '" + "s" * 300 + "', title: b}", update=False)
@example(text="quiz: {slug: a, title: '" + "t" * 300 + "'}", update=False)
@example(text="quiz: {slug: a, title: b, instructions: [x]}", update=False)
@example(text="quiz: {slug: a, title: b}\nquestions: [{key: q1, criterion: C1, points: x}]",
         update=False)  # fmt: skip
@example(text="quiz: {slug: a, title: b}\nquestions: [{key: [q1], criterion: C1}]", update=False)
@example(text="quiz: {slug: a, title: b}\nquestions: [{key: q1, criterion: C1, course: [x]}]",
         update=False)  # fmt: skip
@example(text="quiz: {slug: a, title: b, questions: [{course: [x], key: q1}]}", update=False)
def test_a_quiz_file_is_imported_or_refused_with_its_problems(course, statements, text, update):
    quizzes = db.session.scalar(select(func.count(Quiz.id)))
    questions = db.session.scalar(select(func.count(Question.id)))
    statements[0] = 0
    try:
        quiz = content_io.import_yaml(course, text, update=update)
    except content_io.QuizImportFailed as failed:
        assert failed.problems and all(isinstance(p, str) and p for p in failed.problems)
        assert len(failed.problems) <= 10 * (len(text) + 10)
        assert len(str(failed)) <= 600 * (len(text) + 10)
        # All or nothing: a refused file leaves no quiz and no question behind.
        assert db.session.scalar(select(func.count(Quiz.id))) == quizzes
        assert db.session.scalar(select(func.count(Question.id))) == questions
    else:
        assert quiz.course_id == course.id and isinstance(quiz.title, str) and quiz.title
        assert 0 <= quiz.pass_mark <= 100
    assert statements[0] <= 40 + 12 * _entries(text), statements[0]


HOSTILE_FILES = [
    "quiz: {slug: a, title: b, draw: 5}\nquestions: []",
    "quiz: {slug: a, title: b, attempts_allowed: [1, 2]}\nquestions: []",
    "quiz: " + "[" * 5_000,
    "!!python/object/apply:os.system ['true']",
    "\x00\x01",
]


@pytest.mark.parametrize("text", HOSTILE_FILES)
def test_the_import_command_refuses_a_hostile_file_in_words(runner, course, tmp_path, text):
    path = tmp_path / "quiz.yml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["quizzes", "import", course.slug, str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "import aborted; nothing was changed" in result.output
    assert db.session.scalar(select(func.count(Quiz.id))) == 0


PLAIN = "quiz:\n  slug: plain\n  title: A plain quiz\n  instructions: Read first.\n"


@pytest.mark.parametrize(
    "hostile",
    [
        PLAIN.replace("Read first.", '"Read \\0 first."'),
        PLAIN.replace("A plain quiz", '"A \\0 quiz"'),
    ],
    ids=["instructions", "title"],
)
def test_a_nul_character_in_any_text_is_refused_not_stored(course, hostile):
    """Found by this file's fuzzing on PostgreSQL (which cannot store NUL): an update whose
    quiz instructions were "\\0" ended in a database error. Every YAML file people write is
    now refused when a text holds NUL, with the reason, and nothing changes."""
    quiz = content_io.import_yaml(course, PLAIN, update=False)
    before = (quiz.title, quiz.instructions)
    with pytest.raises(content_io.QuizImportFailed) as refused:
        content_io.import_yaml(course, hostile, update=True)
    assert any("NUL" in problem for problem in refused.value.problems)
    db.session.rollback()
    db.session.refresh(quiz)
    assert (quiz.title, quiz.instructions) == before
