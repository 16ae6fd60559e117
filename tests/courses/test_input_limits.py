"""Long texts are capped where they are entered, and a web import is refused up front when
it holds more than one request can import in time (issue 14, point 7)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from courses import authoring, content_archive, content_bundle
from courses.models import Course
from lms.extensions import db
from lms.service_error import ServiceError
from lms.text_limits import COURSE_COVER, MODULE_SOURCE
from tests.courses.test_content_io import COURSE_YML, course_files, upload, zip_files

PREVIEW_URL = "/manage/preview"


def _module(slug: str, body: str = "Text.") -> bytes:
    return f"---\ntitle: Module {slug}\nslug: {slug}\n---\n\n{body}\n".encode()


def _course_zip(modules: int, *, body: str = "Text.") -> bytes:
    names = [f"m{i:03d}.md" for i in range(modules)]
    yml = COURSE_YML.split("modules:")[0].replace("slug: conflict-basics", "slug: big-course")
    entries = {"course.yml": (yml + "modules:\n" + "".join(f"  - {n}\n" for n in names)).encode()}
    entries |= {name: _module(name[:-3], body) for name in names}
    return zip_files(entries)


def _courses() -> int:
    return db.session.scalar(select(func.count(Course.id)))


# --- the live preview and the services ----------------------------------------------------


def test_preview_refuses_a_text_over_the_module_limit_with_a_message(trainer_client):
    at_limit = trainer_client.post_form(PREVIEW_URL, {"source": "x" * MODULE_SOURCE})
    assert at_limit.status_code == 200
    over = trainer_client.post_form(PREVIEW_URL, {"source": "x" * (MODULE_SOURCE + 1)})
    assert over.status_code == 413
    message = over.get_json()["error"]["message"]
    assert str(MODULE_SOURCE + 1) in message and str(MODULE_SOURCE) in message


def test_preview_of_hostile_brackets_answers(trainer_client):
    response = trainer_client.post_form(PREVIEW_URL, {"source": "[" * 20_000})
    assert response.status_code == 200
    assert response.get_json()["html"] == "<p>" + "[" * 20_000 + "</p>"


def test_module_service_refuses_a_text_over_the_limit(make_course, trainer):
    course = make_course()
    with pytest.raises(ServiceError) as caught:
        authoring.create_module(course, trainer, title="Long", source="x" * (MODULE_SOURCE + 1))
    assert caught.value.field == "source"
    assert str(MODULE_SOURCE) in str(caught.value.message)
    module = authoring.create_module(course, trainer, title="Full", source="x" * MODULE_SOURCE)
    assert len(module.source) == MODULE_SOURCE


def test_cover_service_refuses_a_text_over_the_limit(trainer):
    with pytest.raises(ServiceError) as caught:
        authoring.create_course(trainer, title="Long cover", cover_source="x" * (COURSE_COVER + 1))
    assert caught.value.field == "cover_source"


def test_module_editor_refuses_a_text_over_the_limit(trainer_client, make_course):
    course = make_course()
    module = course.modules[0]
    url = f"/manage/courses/{course.slug}/modules/{module.id}"
    response = trainer_client.post_form(
        url, {"title": module.title, "slug": module.slug, "source": "x" * (MODULE_SOURCE + 1)}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert module.source != "x" * (MODULE_SOURCE + 1)


# --- course archives ------------------------------------------------------------------------


def test_archive_module_over_the_text_limit_is_a_problem_at_its_line(app):
    entries = course_files(**{"01-intro.md": _module("intro", "x" * (MODULE_SOURCE + 1))})
    with pytest.raises(content_archive.ImportFailed) as caught:
        content_bundle.parse_bundle(entries)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("01-intro.md", 6)  # the first line of text
    assert f"at most {MODULE_SOURCE}" in problem.message


def test_archive_cover_over_the_limit_is_a_problem_at_its_line(app):
    cover = "cover: " + "x" * (COURSE_COVER + 1) + "\n"
    yml = COURSE_YML.replace(
        "cover: |\n  Welcome to the course. Қош келдіңіз!\n\n  It has **two** modules.\n", cover
    )
    with pytest.raises(content_archive.ImportFailed) as caught:
        content_bundle.parse_bundle(course_files(**{"course.yml": yml}))
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("course.yml", 5)


@pytest.fixture
def config_overrides():
    return {"COURSE_IMPORT_MAX_MODULES": 3, "COURSE_IMPORT_MAX_TEXT_KB": 8}


def test_archive_over_the_module_limit_is_refused_before_any_work(trainer_client, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the archive was read")

    monkeypatch.setattr(content_archive, "read_zip", never)
    response = upload(trainer_client, _course_zip(4))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "modules: 4 (at most 3)" in page
    assert "flask courses import" in page
    assert _courses() == 0


def test_archive_over_the_text_limit_is_refused_before_any_work(trainer_client, monkeypatch):
    monkeypatch.setattr(content_archive, "read_zip", None)  # calling it would fail
    response = upload(trainer_client, _course_zip(2, body="y" * 6_000))
    assert response.status_code == 413
    assert "(at most 8 KB)" in response.get_data(as_text=True)
    assert _courses() == 0


def test_archive_at_the_limits_imports(trainer_client):
    response = upload(trainer_client, _course_zip(3, body="y" * 2_000))
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.slug == "big-course"))
    assert len(course.modules) == 3


def test_the_command_line_has_no_such_limit(runner, trainer, tmp_path):
    archive = tmp_path / "big.zip"
    archive.write_bytes(_course_zip(4))
    result = runner.invoke(args=["courses", "import", str(archive), "--owner", trainer.email])
    assert result.exit_code == 0, result.output
    assert _courses() == 1


def test_the_refusals_speak_the_trainers_language(trainer_client, trainer):
    trainer.language = "ru"
    db.session.commit()
    over = trainer_client.post_form(PREVIEW_URL, {"source": "x" * (MODULE_SOURCE + 1)})
    assert "слишком длинный" in over.get_json()["error"]["message"]
    page = upload(trainer_client, _course_zip(4)).get_data(as_text=True)
    assert "Архив слишком велик" in page
    trainer.language = "kk"
    db.session.commit()
    page = upload(trainer_client, _course_zip(4)).get_data(as_text=True)
    assert "Мұрағат бұл бетте импорттау үшін тым үлкен" in page
