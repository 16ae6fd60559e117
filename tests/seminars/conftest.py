"""Fixtures the seminars' tests share with other packages' tests: the statement counter, the
qualification factory (hours counted by the certificate check) and the quiz criteria (a
rubric for the assessment form)."""

from tests.certificates.conftest import make_qualification  # noqa: F401
from tests.courses.conftest import count_queries  # noqa: F401
from tests.quizzes.conftest import criteria  # noqa: F401
