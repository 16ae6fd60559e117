"""YAML people upload (course archives, quiz files) is read with the safe loader: a tag that
would build a Python object is a reported problem, and nothing runs."""

from __future__ import annotations

import pytest

from courses import content_bundle
from quizzes import content_io
from quizzes.content_io import QuizImportFailed

HOSTILE = '!!python/object/apply:os.system ["touch {marker}"]\n'


def test_a_course_archive_with_a_python_tag_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    entries = {"course.yml": HOSTILE.format(marker=marker).encode()}
    with pytest.raises(content_bundle.ImportFailed):
        content_bundle.parse_bundle(entries)
    assert not marker.exists()


def test_a_quiz_file_with_a_python_tag_is_refused_and_runs_nothing(app, make_course, tmp_path):
    marker = tmp_path / "ran"
    course = make_course()
    with pytest.raises(QuizImportFailed):
        content_io.import_yaml(course, "quiz: " + HOSTILE.format(marker=marker))
    assert not marker.exists()
