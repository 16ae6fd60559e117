"""Large course archives are imported by a background job (courses.import_job); small ones at
once, as before. Huey runs in immediate mode unless a test holds the job back to run it."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from courses import import_job
from courses.models import Course
from lms import file_storage, jobs
from lms.extensions import db
from lms.job_models import JobRecord
from lms.models import Role
from tests.courses.test_content_io import (
    HOSTILE_ARCHIVES,
    PRACTICE_MD,
    SLUG,
    _replace,
    _updated_course,
    assert_nothing_imported,
    course_files,
    the_course,
    upload,
    zip_files,
)


def page_text(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def background(app):
    """Every archive counts as large (conftest puts the setting back after the test)."""
    app.config["COURSE_IMPORT_BACKGROUND_KB"] = 0


@pytest.fixture
def held_jobs(app, monkeypatch):
    handed: list[int] = []
    monkeypatch.setattr(jobs.queue_of(app), "lms_run_job", handed.append)
    return handed


def job_of(response) -> JobRecord:
    assert response.status_code == 303, response.get_data(as_text=True)
    found = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    db.session.expire_all()
    return db.session.get(JobRecord, int(found.group(1)))


def leftovers(record: JobRecord) -> list[str]:
    """What the job keeps in storage (the upload while it is needed, then its summary)."""
    db.session.commit()  # a fresh read, as another process would see it
    names = (f"jobs/{record.id}/{name}" for name in ("summary.json", "upload.zip"))
    return [name.rsplit("/", 1)[1] for name in names if file_storage.exists(name)]


def test_a_large_archive_is_imported_by_a_job_whose_page_shows_the_course(
    app, trainer, trainer_client, background
):
    record = job_of(upload(trainer_client, zip_files(course_files(), top=SLUG), name="big.zip"))
    assert (record.kind, record.user_id, record.title) == (
        import_job.IMPORT_JOB,
        trainer.id,
        "Importing the course archive big.zip",
    )
    # Two modules checked one by one, then the one transaction that writes the course.
    assert (record.state, record.done, record.total, record.error) == ("done", 3, 3, None)
    course = the_course()
    assert [o.user_id for o in course.ownerships] == [trainer.id]
    assert [m.slug for m in course.modules] == ["intro", "practice"]
    assert leftovers(record) == ["summary.json"]  # the upload is gone

    page = trainer_client.get(f"/jobs/{record.id}")
    text = page_text(page)
    assert "Course “Conflict basics” imported." in text
    assert f'href="/manage/courses/{SLUG}"' in page.get_data(as_text=True)
    assert "Open the course" in text

    updated = job_of(upload(trainer_client, zip_files(_updated_course()), update="yes"))
    assert updated.state == "done"
    assert the_course().title == "Conflict basics, revised"
    text = page_text(trainer_client.get(f"/jobs/{updated.id}"))
    assert "updated: 1 modules have a new version." in text


def test_a_broken_archive_fails_the_job_with_every_problem(app, trainer_client, background):
    entries = course_files(
        **{
            "02-practice.md": _replace(PRACTICE_MD, "minutes: 10", "minutes: 0"),
            "images/x.png": b"not a png",
        }
    )
    record = job_of(upload(trainer_client, zip_files(entries)))
    assert (record.state, record.error) == ("failed", import_job.ABORTED)
    assert_nothing_imported(app)
    assert leftovers(record) == ["summary.json"]
    text = page_text(trainer_client.get(f"/jobs/{record.id}"))
    assert "nothing was changed" in text
    assert "02-practice.md:4: “minutes” must be 1 to 600" in text
    assert "images/x.png: This file is not a PNG, JPEG or WebP image." in text
    trainer_client.post_form("/language", {"language": "ru"})
    text = page_text(trainer_client.get(f"/jobs/{record.id}"))
    assert "nothing was changed" not in text
    assert "02-practice.md:4: “minutes” must be 1 to 600" in text


def test_hostile_archives_never_break_the_page_or_import_anything(app, trainer_client, background):
    for label, build, file, message in HOSTILE_ARCHIVES:
        response = upload(trainer_client, build())
        if response.status_code == 400:  # known from the zip's directory: at once, as before
            page = response.get_data(as_text=True)
        else:
            record = job_of(response)
            assert record.state == "failed", label
            page = trainer_client.get(f"/jobs/{record.id}").get_data(as_text=True)
        assert file in page, label
        assert message in page, label
    assert_nothing_imported(app)
    # Not a zip and too many entries are known in the request; nothing is kept for them.
    for kind in ("not-a-zip", "too-many-entries"):
        build = next(case[1] for case in HOSTILE_ARCHIVES if case[0] == kind)
        assert upload(trainer_client, build()).status_code == 400


def test_an_existing_slug_without_update_fails_the_job(app, trainer_client, background):
    assert job_of(upload(trainer_client, zip_files(course_files()))).state == "done"
    again = job_of(upload(trainer_client, zip_files(_updated_course())))
    assert again.state == "failed"
    assert "already exists" in page_text(trainer_client.get(f"/jobs/{again.id}"))
    assert the_course().title == "Conflict basics"


def test_a_small_archive_is_still_imported_at_once(app, trainer_client):
    assert app.config["COURSE_IMPORT_BACKGROUND_KB"] == 512
    response = upload(trainer_client, zip_files(course_files()))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/courses/{SLUG}")
    assert db.session.scalars(select(JobRecord)).all() == []
    assert the_course().modules


def test_a_trainer_who_lost_the_role_meanwhile_imports_nothing(
    app, trainer, trainer_client, background, held_jobs
):
    record = job_of(upload(trainer_client, zip_files(course_files())))
    assert record.state == "queued" and leftovers(record) == ["upload.zip"]
    trainer.role = Role.TRAINEE
    db.session.commit()
    jobs.run(record.id)
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert (record.state, record.error) == ("failed", import_job.NOT_ALLOWED)
    assert_nothing_imported(app)
    assert leftovers(record) == []


def test_a_worker_that_died_after_the_commit_is_retried_without_a_conflict(
    app, trainer_client, background, monkeypatch
):
    real = jobs.save_summary

    def dies(record, summary):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(jobs, "save_summary", dies)
    record = job_of(upload(trainer_client, zip_files(course_files())))
    assert record.state == "queued"  # waiting for Huey's retry
    assert leftovers(record) == ["upload.zip"]  # kept for it
    assert the_course().modules  # the course was committed

    monkeypatch.setattr(jobs, "save_summary", real)
    jobs.run(record.id)
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert record.state == "done"
    assert "Course “Conflict basics” imported." in page_text(
        trainer_client.get(f"/jobs/{record.id}")
    )
    assert db.session.scalars(select(Course)).all() == [the_course()]
