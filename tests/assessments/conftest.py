"""Assessments measure quiz criteria: the quiz factories serve these tests too."""

from tests.quizzes.conftest import add_draw_rule, criteria, make_question, make_quiz  # noqa: F401
