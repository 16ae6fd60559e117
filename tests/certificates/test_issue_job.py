# ruff: noqa: F811  (fixtures imported from test_manage_pages are used as arguments)
"""Bulk issue with PDFs as a background job (certificates.bulk_job), in Huey's immediate mode
unless a test holds the job back (``held_jobs``) to run it itself with ``lms.jobs.run``."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import delete, func, select

from certificates import bulk_issuance, bulk_job, issuance
from certificates.models import Certificate
from lms import jobs
from lms.extensions import db
from lms.job_models import JobRecord
from seminars.models import SeminarTrainer
from tests.certificates.test_manage_pages import (  # noqa: F401  (fixtures)
    bulk,
    issue_url,
    page_text,
    people,
    seminar_with,
    setting,
    stranger,
)


def certificates() -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


def job_of(response) -> JobRecord:
    assert response.status_code == 303
    found = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    db.session.expire_all()
    return db.session.get(JobRecord, int(found.group(1)))


def assert_whole(found: list[Certificate]) -> None:
    """Each certificate has its PDF, as recorded; no PDF lies in storage without its row."""
    folder = issuance.pdf_folder()
    for certificate in found:
        data = (folder / certificate.pdf_path).read_bytes()
        assert data.startswith(b"%PDF-")
        assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    assert sorted(p.name for p in folder.glob("*.pdf")) == sorted(c.pdf_path for c in found)


@pytest.fixture
def crowd(make_qualification, seminar_with, make_user):
    """Four participants who all qualify, one who does not."""
    present = [make_user(full_name=f"Participant {n}") for n in range(1, 5)]
    absent = make_user(full_name="Dana Absent")
    qualification = make_qualification(min_hours="6")
    return qualification, seminar_with(present, [absent])


def test_the_post_starts_a_job_whose_page_shows_the_outcome_and_the_way_back(
    trainer_client, trainer, setting
):
    qualification, seminar = setting
    record = job_of(bulk(trainer_client, seminar, qualification))
    assert record.kind == bulk_job.ISSUE_JOB and record.user_id == trainer.id
    assert record.title == "Issuing certificates for Basic training"
    assert (record.state, record.done, record.total, record.error) == ("done", 2, 2, None)
    found = certificates()
    assert len(found) == 2 and all(c.issued_by_id == trainer.id for c in found)
    assert_whole(found)

    html = trainer_client.get(f"/jobs/{record.id}").get_data(as_text=True)
    text = page_text(trainer_client.get(f"/jobs/{record.id}"))
    assert "2 certificates issued now." in text
    assert "0 participants already had one (nothing issued twice)." in text
    assert "1 participant is not eligible: Carl Absent: 6 more seminar hours" in text
    back = issue_url(seminar, qualification)
    assert f'href="{back}"' in html.replace("&amp;", "&")
    assert "no longer kept" not in text and "Download" not in text
    state = trainer_client.get(f"/jobs/{record.id}.json").get_json()
    assert state["count_text"] == "2 of 2" and state["download_url"] is None

    # The reader's language, not the starter's: the page puts the summary into words.
    trainer_client.post_form("/language", {"language": "ru"})
    text = page_text(trainer_client.get(f"/jobs/{record.id}"))
    assert "Basic training" in text
    assert "certificates issued now" not in text


def test_running_the_job_again_issues_nobody_twice(app, trainer, setting, trainer_client):
    qualification, seminar = setting
    first = job_of(bulk(trainer_client, seminar, qualification))
    numbers = [c.number for c in certificates()]
    again = bulk_job.start_issue_job(qualification, seminar, trainer)  # e.g. a second tab
    db.session.expire_all()
    again = db.session.get(JobRecord, again.id)
    assert again.state == "done"
    assert [c.number for c in certificates()] == numbers
    assert jobs.summary_of(again)["issued"] == 0 and jobs.summary_of(again)["held"] == 2
    text = page_text(trainer_client.get(f"/jobs/{again.id}"))
    assert "0 certificates issued now." in text
    assert "2 participants already had one" in text
    assert jobs.summary_of(first)["issued"] == 2  # the first job's outcome is its own


def test_a_job_killed_after_k_certificates_leaves_them_whole_and_the_retry_finishes(
    app, trainer_client, trainer, crowd, monkeypatch
):
    qualification, seminar = crowd
    real = issuance.create_signed
    calls = []

    def dies_at_the_third(**kwargs):
        calls.append(kwargs["holder"].id)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(issuance, "create_signed", dies_at_the_third)
    record = job_of(bulk(trainer_client, seminar, qualification))
    # Two certificates were committed, each whole; the job waits for Huey's retry.
    assert (record.state, record.error, record.done, record.total) == (
        "queued",
        jobs.UNEXPECTED,
        2,
        4,
    )
    assert len(certificates()) == 2
    assert_whole(certificates())

    monkeypatch.setattr(issuance, "create_signed", real)
    jobs.run(record.id)  # the retry
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert (record.state, record.error, record.done, record.total) == ("done", None, 4, 4)
    found = certificates()
    assert len(found) == 4 and len({c.holder_id for c in found}) == 4
    assert_whole(found)
    # The earlier attempt's certificates count as this job's: all four issued now.
    text = page_text(trainer_client.get(f"/jobs/{record.id}"))
    assert "4 certificates issued now." in text
    assert "0 participants already had one" in text
    assert "1 participant is not eligible: Dana Absent" in text


def test_a_trainer_who_lost_the_seminar_meanwhile_gets_a_failure_in_words(
    app, trainer, crowd, make_user, login, held_jobs
):
    qualification, seminar = crowd
    helper = make_user("trainer")
    db.session.add(SeminarTrainer(seminar_id=seminar.id, user_id=helper.id))
    db.session.commit()
    client = login(helper)
    record = job_of(bulk(client, seminar, qualification))
    assert record.state == "queued" and held_jobs == [record.id]

    db.session.execute(delete(SeminarTrainer).where(SeminarTrainer.user_id == helper.id))
    db.session.commit()
    jobs.run(record.id)
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert (record.state, record.error) == ("failed", bulk_job.NOT_ALLOWED)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    text = page_text(client.get(f"/jobs/{record.id}"))
    assert "You may no longer issue certificates for this seminar" in text
    client.post_form("/language", {"language": "kk"})
    assert bulk_job.NOT_ALLOWED not in page_text(client.get(f"/jobs/{record.id}"))


def test_a_qualification_retired_before_the_job_runs_issues_nothing(
    app, trainer_client, crowd, held_jobs
):
    qualification, seminar = crowd
    record = job_of(bulk(trainer_client, seminar, qualification))
    qualification.active = False
    db.session.commit()
    jobs.run(record.id)
    db.session.expire_all()
    record = db.session.get(JobRecord, record.id)
    assert (record.state, record.error) == ("failed", bulk_job.NOT_OFFERED)
    assert certificates() == []


def test_refusals_known_at_once_start_no_job(trainer_client, setting, stranger, make_qualification):
    qualification, seminar = setting
    retired = make_qualification(active=False)
    url = f"/manage/certificates/seminars/{seminar.id}/issue"
    response = trainer_client.post_form(url, {"qualification": str(retired.id)})
    assert response.status_code == 400
    assert bulk(stranger, seminar, qualification).status_code == 403
    assert db.session.scalars(select(JobRecord)).all() == []


def test_the_synchronous_service_still_issues_in_one_go(app, trainer, crowd):
    qualification, seminar = crowd
    outcome = bulk_issuance.bulk_issue(qualification, seminar, by=trainer)
    assert len(outcome.issued) == 4 and len(outcome.not_eligible) == 1
    assert db.session.scalars(select(JobRecord)).all() == []
    assert_whole(certificates())
