"""Fixtures of other test folders the fault tests build on."""

from tests.certificates.conftest import make_qualification  # noqa: F401
from tests.certificates.test_manage_pages import seminar_with  # noqa: F401
from tests.quizzes.conftest import criteria, make_question, make_quiz  # noqa: F401
