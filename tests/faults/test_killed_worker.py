"""A process killed (SIGKILL) in the middle of bulk issue, course import, roster import and
quiz submission: each happened whole or not at all, and running it again is safe.

The operation runs in a real subprocess (``tests/faults/child.py``) on the test's database
and instance folder; it stops just before the commit of the chosen write, with everything of
that transaction flushed, says so on its standard output, and is killed there. Runs on SQLite
and, with ``LMS_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from certificates import bulk_job, rendering, storage
from certificates.models import Certificate
from courses import import_job
from courses.models import Course, Module
from lms import jobs
from lms.database import utcnow
from lms.extensions import db
from lms.job_models import JobRecord
from lms.models import User
from quizzes import attempts
from quizzes.models import Attempt, AttemptStatus
from seminars import roster
from seminars.models import Registration
from tests.courses.test_content_io import SLUG, course_files, zip_files

ROOT = Path(__file__).resolve().parents[2]


def kill_in_the_middle(app, scenario: str, *, model: str, nth: int, **args) -> None:
    """Run ``scenario`` in a child process until it is about to commit the ``nth`` row of
    ``model``, then SIGKILL it."""
    db.session.commit()  # the child sees what the test made
    payload = {
        "database_url": app.config["SQLALCHEMY_DATABASE_URI"],
        "instance_path": app.instance_path,
        "model": model,
        "nth": nth,
        **args,
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.child", scenario, json.dumps(payload)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    try:
        for line in child.stdout:
            if line.strip() == "PAUSED":
                break
            seen.append(line)
        else:
            child.wait(timeout=60)
            pytest.fail("the child never reached the pause point:\n" + "".join(seen))
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    db.session.expire_all()


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def held(app, monkeypatch) -> list[int]:
    handed: list[int] = []
    monkeypatch.setattr(jobs.queue_of(app), "lms_run_job", handed.append)
    return handed


def retry_after_the_stale_window(record_id: int) -> JobRecord:
    """What a worker does once a job left running by a dead worker is stale (the sweep hands
    it over again; ``run`` claims it)."""
    record = db.session.get(JobRecord, record_id)
    assert record.state == "running"  # the dead worker's claim
    db.session.execute(
        update(JobRecord)
        .where(JobRecord.id == record_id)
        .values(updated_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=1))
    )
    db.session.commit()
    jobs.run(record_id)
    db.session.expire_all()
    return db.session.get(JobRecord, record_id)


def assert_every_certificate_whole() -> None:
    for certificate in db.session.scalars(select(Certificate)):
        data = rendering.pdf_bytes(certificate)
        assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256


def test_bulk_issue_killed_before_the_third_certificate(
    app, monkeypatch, trainer, make_user, make_qualification, seminar_with
):
    present = [make_user(full_name=f"Participant {n}") for n in range(1, 5)]
    qualification = make_qualification(min_hours="6")
    seminar = seminar_with(present, [make_user(full_name="Dana Absent")])
    held(app, monkeypatch)
    record = bulk_job.start_issue_job(qualification, seminar, trainer)

    kill_in_the_middle(app, "job", model="certificates.models:Certificate", nth=3, job_id=record.id)
    # Two certificates committed, each whole (row, signature, PDF); the third never was.
    assert count(Certificate) == 2
    assert_every_certificate_whole()
    # The third's PDF was written to the folder before the kill; no row names it, so it is
    # never served, and the hourly clean-up removes it once it is old enough.
    folder = Path(app.instance_path) / "certificates"
    named = {c.pdf_path for c in db.session.scalars(select(Certificate))}
    assert len(list(folder.glob("*.pdf"))) == 3
    assert storage.remove_orphan_pdfs() == 0  # too young: maybe an issue in flight
    assert storage.remove_orphan_pdfs(now=utcnow() + timedelta(hours=2)) == 1
    assert {p.name for p in folder.glob("*.pdf")} == named

    record = retry_after_the_stale_window(record.id)
    assert (record.state, record.done, record.total) == ("done", 4, 4)
    found = db.session.scalars(select(Certificate)).all()
    assert len(found) == 4 and {c.holder_id for c in found} == {p.id for p in present}
    assert_every_certificate_whole()
    assert jobs.summary_of(record)["issued"] == 4

    # And again: nobody gets a second one.
    again = bulk_job.start_issue_job(qualification, seminar, trainer)
    jobs.run(again.id)
    assert count(Certificate) == 4


def test_course_import_killed_before_its_commit(app, monkeypatch, trainer):
    held(app, monkeypatch)
    data = zip_files(course_files(), top=SLUG)
    record = import_job.start_import_job(data, owner=trainer, update=False, filename="big.zip")

    kill_in_the_middle(app, "job", model="courses.models:Module", nth=1, job_id=record.id)
    assert count(Course) == 0 and count(Module) == 0  # not half a course

    record = retry_after_the_stale_window(record.id)
    assert record.state == "done", record.error
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    assert [m.slug for m in course.modules] == ["intro", "practice"]
    # Importing the same archive again (update=False) adds no second course.
    again = import_job.start_import_job(data, owner=trainer, update=False, filename="big.zip")
    jobs.run(again.id)
    assert count(Course) == 1 and count(Module) == 2


def test_roster_import_killed_before_its_commit(app, make_seminar, trainer):
    seminar = make_seminar(capacity=10)
    people = [
        ("Әсел Қасымова", "asel@example.kz"),
        ("Иван Петров", "ivan@example.kz"),
        ("Дана Омарова", "dana@example.kz"),
    ]
    data = "".join(f"{name};{email};Org\n" for name, email in people)
    users_before, registrations_before = count(User), count(Registration)

    kill_in_the_middle(
        app,
        "roster",
        model="lms.models:User",
        nth=1,
        seminar_id=seminar.id,
        by_id=trainer.id,
        roster=data,
    )
    assert (count(User), count(Registration)) == (users_before, registrations_before)

    result = roster.apply_roster(seminar, roster.parse_roster(data.encode()), trainer)
    assert result.added == 3
    again = roster.apply_roster(seminar, roster.parse_roster(data.encode()), trainer)
    assert (again.added, again.already) == (0, 3)
    assert (count(User), count(Registration)) == (users_before + 3, registrations_before + 3)


def test_quiz_submission_killed_before_its_commit(app, make_quiz, trainee):
    quiz = make_quiz(questions=3)
    attempt = attempts.start(quiz, trainee)
    for question in attempt.questions:
        key = question.presentation["key"]
        right = next(
            i
            for i, index in key.items()
            if question.version.definition["options"][index].get("correct")
        )
        attempts.save_answer(attempt, question.position, [right])
    attempt_id = attempt.id

    kill_in_the_middle(app, "submit", model="quizzes.models:Attempt", nth=1, attempt_id=attempt_id)
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == AttemptStatus.IN_PROGRESS.value  # not submitted, not half-graded
    assert attempt.submitted_at is None and attempt.percent is None

    attempts.submit(attempt)  # the trainee presses Submit again
    assert attempt.status == AttemptStatus.GRADED.value and attempt.percent == 100
    submitted_at = attempt.submitted_at
    attempts.submit(attempt)  # and once more: nothing changes
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.submitted_at == submitted_at and attempt.percent == 100
    assert count(Attempt) == 1
