# ruff: noqa: F811  (fixtures imported from test_manage_pages are used as arguments)
"""A real worker process (``huey_consumer lms.worker.huey``) builds the seminar ZIP that a
request queued: on the SQLite queue in the test's instance folder, and on Redis when
``LMS_TEST_REDIS_URL`` is set. The worker builds its app from the same settings (database URL,
instance folder, queue) through the environment, as ``make run`` and production do."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import time
import uuid
import zipfile

import pytest
from sqlalchemy import select

from certificates.models import Certificate
from lms.extensions import db
from lms.job_models import JobRecord
from tests.certificates.test_manage_pages import (  # noqa: F401  (fixtures)
    bulk,
    people,
    seminar_with,
    setting,
)
from tests.conftest import REDIS_SKIP_REASON
from tests.workers import start_worker


@pytest.fixture
def config_overrides() -> dict:
    """The request only records the job and hands it to the queue; a worker runs it."""
    return {"JOBS_IMMEDIATE": False}


QUEUES = ["sqlite", "redis"]


def wait_until_finished(job_id: int, worker: subprocess.Popen, timeout: float = 60) -> JobRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        record = db.session.get(JobRecord, job_id)
        db.session.commit()  # end the read, so SQLite shows the worker's next write
        if record.finished:
            return record
        assert worker.poll() is None, "the worker stopped:\n" + (worker.stdout.read() or "")
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {record.state} after {timeout} s")


@pytest.mark.parametrize("queue", QUEUES)
def test_a_real_worker_issues_and_builds_the_zip_requests_queued(
    app, trainer_client, setting, queue
):
    if queue == "redis":
        url = os.environ.get("LMS_TEST_REDIS_URL")
        if not url:
            pytest.skip(REDIS_SKIP_REASON)
        app.config["JOBS_URL"] = url
        app.config["JOBS_NAME"] = f"lms-test-{uuid.uuid4().hex[:12]}"
    qualification, seminar = setting
    issuing = bulk(trainer_client, seminar, qualification)
    assert issuing.status_code == 303
    (issue_job,) = db.session.scalars(select(JobRecord)).all()
    assert issuing.headers["Location"].endswith(f"/jobs/{issue_job.id}")
    assert issue_job.state == "queued"  # nothing is issued in the request
    assert db.session.scalars(select(Certificate)).all() == []
    if queue == "sqlite":
        assert os.path.exists(os.path.join(app.instance_path, "jobs.sqlite3"))

    worker = start_worker(app)
    try:
        issue_job = wait_until_finished(issue_job.id, worker)
        assert issue_job.state == "done", issue_job.error
        assert (issue_job.done, issue_job.total) == (2, 2)
        certificates = list(db.session.scalars(select(Certificate)))
        assert len(certificates) == 2
        page = trainer_client.get(f"/jobs/{issue_job.id}").get_data(as_text=True)
        assert "2 certificates issued now." in page

        response = trainer_client.post_form(
            f"/manage/certificates/seminars/{seminar.id}/certificates.zip/prepare",
            {"qualification": str(qualification.id)},
        )
        assert response.status_code == 303
        record = db.session.scalars(select(JobRecord).where(JobRecord.id != issue_job.id)).one()
        record = wait_until_finished(record.id, worker)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=20)
    assert record.state == "done", f"{record.error}\n{output}"
    assert (record.done, record.total, record.attempts) == (2, 2, 1)

    download = trainer_client.get(f"/jobs/{record.id}/result")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert sorted(archive.namelist()) == sorted(f"{c.number}.pdf" for c in certificates)
    for certificate in certificates:
        data = archive.read(f"{certificate.number}.pdf")
        assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
