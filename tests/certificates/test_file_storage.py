# ruff: noqa: F811  (fixtures imported from other test modules are used as arguments)
"""Stored files behind ``lms.file_storage``: the database backend (``LMS_FILE_STORAGE=
database``) serves uploads, rosters, certificate PDFs and job results with nothing in the
instance folder; ``flask files move`` moves them between the backends without losing one; a
certificate's PDF is rendered again byte for byte from its signed facts.

The HTTP tests of uploads, rosters, the ZIP job and the bulk issue's query count (its PDFs
stored in one statement) are imported from their modules and run here once more with the
database backend (``config_overrides`` below)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from certificates import bulk_issuance
from certificates.models import Certificate
from courses.models import CourseFile
from lms import file_storage
from lms.extensions import db
from lms.job_models import JobRecord
from lms.models import FileBlob
from tests.certificates.test_issuing_page import (  # noqa: F401  (run again on the database)
    test_the_issuing_page_and_bulk_issue_run_as_many_queries_for_2_as_for_5_participants,
)
from tests.certificates.test_manage_pages import (  # noqa: F401  (fixtures)
    bulk,
    people,
    seminar_with,
    setting,
)
from tests.certificates.test_zip_job import (  # noqa: F401  (run again on the database)
    test_prepare_zip_builds_it_once_and_the_page_offers_it,
)
from tests.courses.conftest import png_bytes
from tests.courses.test_manage_views import (  # noqa: F401  (run again on the database)
    _upload,
    course,
    test_images_are_checked_stored_and_served,
    test_materials_are_content_checked_and_downloaded_by_enrolled_trainees,
)
from tests.seminars.test_roster import (  # noqa: F401  (run again on the database)
    test_confirm_adds_participants_and_shows_the_set_password_links,
    test_confirming_twice_imports_once,
)


@pytest.fixture
def config_overrides() -> dict:
    return {"FILE_STORAGE": "database"}


def blob_names() -> set[str]:
    db.session.commit()
    return set(db.session.scalars(select(FileBlob.name)))


def folder_files(app) -> set[str]:
    root = Path(app.instance_path)
    return {
        path.relative_to(root).as_posix()
        for area in file_storage.AREAS
        for path in (root / area).rglob("*")
        if path.is_file()
    }


def test_with_the_database_backend_nothing_is_written_to_the_instance_folder(
    app, trainer_client, client, course, setting
):
    response = _upload(trainer_client, course, "image", png_bytes(), "scheme.png")
    assert response.status_code == 302
    record = db.session.scalar(select(CourseFile))
    upload = f"uploads/{record.stored_name}"
    qualification, seminar = setting
    bulk(trainer_client, seminar, qualification)
    certificates = list(db.session.scalars(select(Certificate)))
    assert len(certificates) == 2

    # The bulk issue ran as a job, whose summary is stored the same way.
    summaries = {f"jobs/{job.id}/summary.json" for job in db.session.scalars(select(JobRecord))}
    assert len(summaries) == 1
    assert blob_names() == (
        {upload} | {f"certificates/{c.pdf_path}" for c in certificates} | summaries
    )
    assert folder_files(app) == set()
    blob = db.session.get(FileBlob, f"certificates/{certificates[0].pdf_path}")
    assert blob.sha256 == certificates[0].pdf_sha256 and blob.size == len(blob.data)

    served = client.get(f"/courses/{course.slug}/images/scheme.png")
    assert served.status_code == 200 and served.data == png_bytes()
    assert served.headers["ETag"].strip('"') == hashlib.sha256(png_bytes()).hexdigest()
    again = client.get(
        f"/courses/{course.slug}/images/scheme.png",
        headers={"If-None-Match": served.headers["ETag"]},
    )
    assert again.status_code == 304

    deleted = trainer_client.post_form(f"/manage/courses/{course.slug}/files/{record.id}/delete")
    assert deleted.status_code == 302
    assert upload not in blob_names()
    assert client.get(f"/courses/{course.slug}/images/scheme.png").status_code == 404


def test_a_failed_issue_leaves_no_blob_behind(app, trainer, setting, monkeypatch):
    qualification, seminar = setting

    def refuse(*args, **kwargs):
        raise RuntimeError("the database said no")

    monkeypatch.setattr(bulk_issuance, "insert_all", refuse)
    # The synchronous service (one commit for all): the PDFs it stored go with the rollback.
    with pytest.raises(RuntimeError):
        bulk_issuance.bulk_issue(qualification, seminar, by=trainer)
    db.session.rollback()
    assert db.session.scalars(select(Certificate)).all() == []
    assert blob_names() == set()


def test_files_move_to_the_database_and_back_loses_nothing(app, trainer_client, course, setting):
    app.config["FILE_STORAGE"] = "folder"
    _upload(trainer_client, course, "image", png_bytes(), "scheme.png")
    qualification, seminar = setting
    bulk(trainer_client, seminar, qualification)
    before = {name: file_storage.folder_backend().get(name) for name in folder_files(app)}
    # The image, two PDFs and the bulk issue job's summary.
    assert len(before) == 4

    runner = app.test_cli_runner()
    result = runner.invoke(args=["files", "move", "--to", "database"])
    assert result.exit_code == 0, result.output
    assert "moved to database: 4; problems: 0" in result.output
    assert "Set LMS_FILE_STORAGE=database" in result.output
    assert folder_files(app) == set()
    assert blob_names() == set(before)
    for name, data in before.items():
        blob = db.session.get(FileBlob, name)
        assert bytes(blob.data) == data and blob.sha256 == hashlib.sha256(data).hexdigest()

    again = runner.invoke(args=["files", "move", "--to", "database"])
    assert again.exit_code == 0 and "moved to database: 0; problems: 0" in again.output

    # Served from the database once the setting says so.
    app.config["FILE_STORAGE"] = "database"
    certificate = db.session.scalars(select(Certificate)).first()
    pdf = trainer_client.get(f"/manage/certificates/{certificate.id}/pdf")
    assert hashlib.sha256(pdf.data).hexdigest() == certificate.pdf_sha256

    back = runner.invoke(args=["files", "move", "--to", "folder"])
    assert back.exit_code == 0 and "moved to folder: 4; problems: 0" in back.output
    assert blob_names() == set()
    assert {name: file_storage.folder_backend().get(name) for name in folder_files(app)} == before


def test_a_move_never_overwrites_different_bytes_and_says_so(app):
    folder = file_storage.folder_backend()
    folder.put("uploads/aaaaaaaaaaaaaaaaaaaaaaaa.png", b"in the folder")
    folder.put("uploads/bbbbbbbbbbbbbbbbbbbbbbbb.png", b"same in both")
    database = file_storage.DatabaseBackend()
    database.put("uploads/aaaaaaaaaaaaaaaaaaaaaaaa.png", b"other bytes in the database")
    database.put("uploads/bbbbbbbbbbbbbbbbbbbbbbbb.png", b"same in both")
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["files", "move", "--to", "database"])
    assert result.exit_code == 1
    assert "different bytes already in database, both kept: uploads/aaaa" in result.output
    assert "moved to database: 1; problems: 1" in result.output
    assert folder.get("uploads/aaaaaaaaaaaaaaaaaaaaaaaa.png") == b"in the folder"
    assert database.get("uploads/aaaaaaaaaaaaaaaaaaaaaaaa.png") == b"other bytes in the database"
    assert not folder.exists("uploads/bbbbbbbbbbbbbbbbbbbbbbbb.png")


def test_the_database_backend_reads_a_file_not_moved_yet_from_the_folder(app):
    file_storage.folder_backend().put("uploads/cccccccccccccccccccccccc.csv", b"a,b\n")
    assert file_storage.read_bytes("cccccccccccccccccccccccc.csv") == b"a,b\n"
    with pytest.raises(FileNotFoundError):
        file_storage.read_bytes("dddddddddddddddddddddddd.csv")


@pytest.mark.parametrize("name", ["../lms.sqlite3", "uploads/../../x", "signing-keys/k.pem", ""])
def test_only_names_inside_the_storage_areas_are_accepted(app, name):
    with pytest.raises(ValueError):
        file_storage.get(name)


def test_with_the_pdf_cache_off_nothing_is_stored_and_the_pdf_is_rendered(
    app, trainer_client, setting
):
    app.config["CERTIFICATE_PDF_CACHE"] = False
    qualification, seminar = setting
    bulk(trainer_client, seminar, qualification)
    assert {name for name in blob_names() if not name.startswith("jobs/")} == set()
    for certificate in db.session.scalars(select(Certificate)):
        data = trainer_client.get(f"/manage/certificates/{certificate.id}/pdf").data
        assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    archive = trainer_client.get(
        f"/manage/certificates/seminars/{seminar.id}/certificates.zip?qualification={qualification.id}"
    )
    assert archive.status_code == 200
    assert "MISSING.txt" not in zipfile.ZipFile(io.BytesIO(archive.data)).namelist()


class _Datetime(type):
    def __instancecheck__(cls, value) -> bool:
        return isinstance(value, datetime)


class _LaterClock(metaclass=_Datetime):
    """fpdf2's idea of "now": years later than the issue."""

    @staticmethod
    def now(tz=None):
        return datetime(2031, 5, 17, 10, 11, 12, tzinfo=tz or UTC)


@pytest.mark.real_pdf
def test_a_real_pdf_is_rendered_again_byte_for_byte_at_another_time(
    app, make_qualification, issue_to, make_user, login, monkeypatch
):
    holder = make_user(email="holder@example.kz", full_name="Әлия Нұрланова")
    certificate = issue_to(make_qualification(), holder)
    issued = file_storage.get(f"certificates/{certificate.pdf_path}")
    assert issued.startswith(b"%PDF") and hashlib.sha256(issued).hexdigest() == (
        certificate.pdf_sha256
    )
    file_storage.remove(f"certificates/{certificate.pdf_path}")

    import fpdf.fpdf

    monkeypatch.setattr(fpdf.fpdf, "datetime", _LaterClock)
    response = login(holder).get(f"/certificates/{certificate.id}/pdf")
    assert response.status_code == 200
    assert response.data == issued
    day = certificate.issued_on.strftime("%Y%m%d")
    assert f"/CreationDate (D:{day}000000Z)".encode() in issued


def test_a_real_worker_stores_the_zip_it_builds_in_the_database(app, trainer_client, setting):
    from lms.job_models import JobRecord
    from tests.certificates.test_zip_job_worker import wait_until_finished
    from tests.workers import start_worker, stop

    qualification, seminar = setting
    bulk(trainer_client, seminar, qualification)  # issued in-process (immediate mode)
    app.config["JOBS_IMMEDIATE"] = False  # the ZIP request only queues it (SQLite queue)
    response = trainer_client.post_form(
        f"/manage/certificates/seminars/{seminar.id}/certificates.zip/prepare",
        {"qualification": str(qualification.id)},
    )
    assert response.status_code == 303
    record = db.session.scalars(select(JobRecord).order_by(JobRecord.id.desc())).first()
    assert record.kind == "certificates.seminar_zip"
    worker = start_worker(app)
    try:
        record = wait_until_finished(record.id, worker)
    finally:
        output = stop(worker)
    assert record.state == "done", f"{record.error}\n{output}"
    assert record.result_path in blob_names()
    assert not [name for name in folder_files(app) if name.startswith("jobs/")]
    download = trainer_client.get(f"/jobs/{record.id}/result")
    assert download.status_code == 200
    assert bytes(db.session.get(FileBlob, record.result_path).data) == download.data
