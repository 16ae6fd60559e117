# ruff: noqa: F811  (fixtures imported from test_manage_pages are used as arguments)
"""The seminar ZIP as a background job, and the job machinery it runs on (lms.jobs), in
Huey's immediate mode: the job runs in-process when the request that starts it commits."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from certificates.archive import ZIP_JOB
from certificates.models import Certificate
from lms import jobs
from lms.database import utcnow
from lms.extensions import db
from lms.job_models import JobRecord, JobState
from tests.certificates.test_manage_pages import (  # noqa: F401  (fixtures)
    bulk,
    people,
    seminar_with,
    setting,
    stranger,
)


def prepare(client, seminar, qualification):
    return client.post_form(
        f"/manage/certificates/seminars/{seminar.id}/certificates.zip/prepare",
        {"qualification": str(qualification.id)},
    )


def only_job() -> JobRecord:
    """The ZIP job (bulk issue, which the tests start first, is a job of its own)."""
    (record,) = db.session.scalars(select(JobRecord).where(JobRecord.kind == ZIP_JOB)).all()
    return record


def test_prepare_zip_builds_it_once_and_the_page_offers_it(app, trainer_client, trainer, setting):
    qualification, seminar = setting
    bulk(trainer_client, seminar, qualification)
    certificates = list(db.session.scalars(select(Certificate)))

    response = prepare(trainer_client, seminar, qualification)
    assert response.status_code == 303
    record = only_job()
    assert response.headers["Location"].endswith(f"/jobs/{record.id}")
    assert (record.kind, record.user_id, record.state) == (ZIP_JOB, trainer.id, "done")
    assert (record.done, record.total, record.attempts, record.error) == (2, 2, 1, None)

    page = trainer_client.get(f"/jobs/{record.id}").get_data(as_text=True)
    assert "Done" in page and f"/jobs/{record.id}/result" in page
    assert 'value="100"' in page and ">100%</progress>" in page

    state = trainer_client.get(f"/jobs/{record.id}.json").get_json()
    assert state["finished"] is True and state["percent"] == 100
    assert state["percent_text"] == "100%"  # written by lms.formatting, as the page writes it
    assert state["count_text"] == "2 of 2"
    assert state["download_url"] == f"/jobs/{record.id}/result"

    download = trainer_client.get(f"/jobs/{record.id}/result")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert f"seminar-{seminar.id}-certificates.zip" in download.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert sorted(archive.namelist()) == sorted(f"{c.number}.pdf" for c in certificates)
    for certificate in certificates:
        data = archive.read(f"{certificate.number}.pdf")
        assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    # Nothing half-written is left beside the result.
    assert record.result_path == f"jobs/{record.id}/seminar-{seminar.id}-certificates.zip"
    assert not list(Path(app.instance_path, "jobs").rglob(".*"))


def test_only_the_owner_or_an_administrator_sees_a_job(
    trainer_client, setting, stranger, admin_client, trainee_client
):
    qualification, seminar = setting
    bulk(trainer_client, seminar, qualification)
    record_id = prepare(trainer_client, seminar, qualification).headers["Location"].split("/")[-1]
    for client in (stranger, trainee_client):
        for suffix in ("", ".json", "/result"):
            assert client.get(f"/jobs/{record_id}{suffix}").status_code == 404
    assert trainer_client.get(f"/jobs/{int(record_id) + 1}").status_code == 404
    assert admin_client.get(f"/jobs/{record_id}").status_code == 200
    assert admin_client.get(f"/jobs/{record_id}/result").status_code == 200
    listing = admin_client.get("/admin/jobs").get_data(as_text=True)
    assert f"/jobs/{record_id}" in listing
    failures = admin_client.get("/admin/jobs?state=failed").get_data(as_text=True)
    assert f"/jobs/{record_id}" not in failures and "No job has failed." in failures
    assert trainer_client.get("/admin/jobs").status_code == 403


def test_a_stranger_cannot_start_the_job_and_an_empty_seminar_starts_none(
    trainer_client, setting, stranger
):
    qualification, seminar = setting
    assert prepare(trainer_client, seminar, qualification).status_code == 302  # nothing issued
    bulk(trainer_client, seminar, qualification)
    assert prepare(stranger, seminar, qualification).status_code == 403
    assert db.session.scalars(select(JobRecord).where(JobRecord.kind == ZIP_JOB)).all() == []


def test_a_failure_in_words_shows_on_the_page_and_among_failures(
    app, trainer_client, trainer, setting, admin_client
):
    _, seminar = setting
    record = jobs.enqueue(ZIP_JOB, user=trainer, title="ZIP", seminar_id=seminar.id + 99)
    db.session.commit()
    db.session.refresh(record)
    assert record.state == "failed"
    assert record.error == "The seminar no longer exists."
    page = trainer_client.get(f"/jobs/{record.id}").get_data(as_text=True)
    assert "Failed" in page and "The seminar no longer exists." in page
    failures = admin_client.get("/admin/jobs?state=failed").get_data(as_text=True)
    assert f"/jobs/{record.id}" in failures
    # The record keeps the English text; each reader sees it in their language.
    trainer_client.post_form("/language", {"language": "ru"})
    assert "Этого семинара больше нет." in trainer_client.get(f"/jobs/{record.id}").get_data(
        as_text=True
    )
    assert trainer_client.get(f"/jobs/{record.id}.json").json["error"] == (
        "Этого семинара больше нет."
    )


# --- the machinery: after the commit only, sweeping, retries, claims -------------------------


@pytest.fixture
def handed(app, monkeypatch):
    """Job ids handed to the queue (nothing runs)."""
    calls: list[int] = []
    monkeypatch.setattr(jobs.queue_of(app), "lms_run_job", calls.append)
    return calls


@pytest.fixture
def kind(monkeypatch):
    """Register a test kind that runs ``behaviour(record, progress)``."""

    def register(name, behaviour):
        monkeypatch.setitem(jobs.KINDS, name, behaviour)
        return name

    return register


def test_a_job_is_handed_over_only_when_its_transaction_commits(app, trainer, handed, kind):
    kind("tests.nothing", lambda record, progress: None)
    jobs.enqueue("tests.nothing", user=trainer)
    db.session.rollback()
    assert handed == []
    assert db.session.scalars(select(JobRecord)).all() == []

    record = jobs.enqueue("tests.nothing", user=trainer)
    assert handed == []  # written, not yet committed
    db.session.commit()
    assert handed == [record.id]
    db.session.commit()
    assert handed == [record.id]  # once


def test_a_failed_hand_over_leaves_the_record_queued_and_the_sweep_hands_it_over(
    app, trainer, kind, monkeypatch
):
    ran: list[int] = []
    kind("tests.count", lambda record, progress: ran.append(record.id))
    queue = jobs.queue_of(app)

    def broken(job_id):
        raise ConnectionError("queue down")

    monkeypatch.setattr(queue, "lms_run_job", broken)
    record = jobs.enqueue("tests.count", user=trainer)
    db.session.commit()  # the request still succeeds
    assert db.session.get(JobRecord, record.id).state == "queued"

    monkeypatch.undo()
    monkeypatch.setitem(jobs.KINDS, "tests.count", lambda record, progress: ran.append(record.id))
    assert jobs.sweep() == 0  # not yet a minute old
    assert jobs.sweep(now=utcnow() + timedelta(minutes=2)) == 1
    db.session.expire_all()
    assert db.session.get(JobRecord, record.id).state == "done"
    assert ran == [record.id]
    assert jobs.sweep(now=utcnow() + timedelta(minutes=2)) == 0


def test_progress_is_committed_as_it_goes(app, trainer, handed, kind):
    seen = []

    def work(record, progress):
        progress(0, 3)
        progress(1)
        with db.engine.connect() as other:  # what another process (the page) reads now
            seen.append(
                tuple(
                    other.execute(
                        text("SELECT done, total, state FROM jobs WHERE id = :id"),
                        {"id": record.id},
                    ).one()
                )
            )
        progress(2)
        progress(3)

    kind("tests.progress", work)
    record = jobs.enqueue("tests.progress", user=trainer)
    db.session.commit()
    jobs.run(record.id)
    assert seen == [(1, 3, "running")]
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert (record.state, record.done, record.total, record.percent) == ("done", 3, 3, 100)


def test_an_unexpected_error_is_retried_then_reported_in_words(app, trainer, handed, kind):
    attempts = []

    def flaky(record, progress):
        attempts.append(record.attempts)
        if len(attempts) < 3:
            raise RuntimeError("disk full")

    kind("tests.flaky", flaky)
    record = jobs.enqueue("tests.flaky", user=trainer)
    db.session.commit()
    with pytest.raises(RuntimeError):  # Huey sees it and retries after a wait
        jobs.run(record.id, retries_left=2)
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert (record.state, record.error) == ("queued", jobs.UNEXPECTED)

    jobs.run(record.id, retries_left=0)  # the last try fails for good
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert (record.state, record.error) == ("failed", jobs.UNEXPECTED)
    assert attempts == [1, 2]

    jobs.run(record.id)  # a failed job is not run again by a stray hand-over
    assert attempts == [1, 2]


def test_a_job_handed_over_twice_runs_once_and_a_dead_workers_job_is_taken_back(
    app, trainer, handed, kind
):
    ran = []
    kind("tests.once", lambda record, progress: ran.append(record.id))
    record = jobs.enqueue("tests.once", user=trainer)
    db.session.commit()
    jobs.run(record.id)
    jobs.run(record.id)
    assert ran == [record.id]

    # A worker died while running this one: the record says "running" and has not moved.
    other = jobs.enqueue("tests.once", user=trainer)
    db.session.commit()
    other.state = JobState.RUNNING.value
    db.session.commit()
    jobs.run(other.id)
    assert ran == [record.id]  # someone is (apparently) on it
    other.updated_at = utcnow() - jobs.STALE_AFTER - timedelta(minutes=1)
    db.session.commit()
    handed.clear()
    assert jobs.sweep() == 1 and handed == [other.id]
    jobs.run(other.id)
    assert ran == [record.id, other.id]


def test_the_job_record_keeps_its_arguments(app, trainer, handed):
    record = jobs.enqueue(ZIP_JOB, user=trainer, seminar_id=5, qualification_id=None)
    db.session.commit()
    assert json.loads(record.args_json) == {"qualification_id": None, "seminar_id": 5}
    with pytest.raises(ValueError):
        jobs.enqueue("no.such.kind", user=trainer)
