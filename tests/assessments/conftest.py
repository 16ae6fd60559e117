"""Assessments measure quiz criteria: the quiz factories serve these tests too (and the
query counter of the courses' tests)."""

from tests.courses.conftest import count_queries  # noqa: F401
from tests.quizzes.conftest import add_draw_rule, criteria, make_question, make_quiz  # noqa: F401
