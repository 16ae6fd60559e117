# ruff: noqa: F811  (the smtp_inbox fixture is imported from test_mail)
"""A real worker process delivers the mail a request asked for: the forgotten-password page
only hands the address to the queue, and the worker looks the account up, writes the message
and sends it to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import OutboxMessage
from tests.lms.test_mail import SAME_ANSWER, smtp_inbox  # noqa: F401  (fixture)
from tests.workers import start_worker, stop


@pytest.fixture
def config_overrides() -> dict:
    """The request only hands work to the queue; a worker does it."""
    return {"JOBS_IMMEDIATE": False}


def test_a_real_worker_sends_the_reset_mail_the_page_asked_for(app, client, make_user, smtp_inbox):
    make_user(email="worker@example.kz", language="kk")
    answer = client.post_form("/forgot-password", {"email": "worker@example.kz"})
    assert answer.status_code == 200 and SAME_ANSWER in answer.get_data(as_text=True)
    # Nothing was looked up or written in the request.
    assert db.session.scalars(select(OutboxMessage)).all() == []

    worker = start_worker(app)
    try:
        deadline = time.monotonic() + 60
        while not smtp_inbox.messages and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker stopped:\n" + stop(worker)
            time.sleep(0.1)
        db.session.expire_all()
        rows = db.session.scalars(select(OutboxMessage)).all()
        db.session.commit()
        while rows and rows[0].state != "sent" and time.monotonic() < deadline:
            time.sleep(0.1)
            db.session.expire_all()
            rows = db.session.scalars(select(OutboxMessage)).all()
            db.session.commit()
    finally:
        output = stop(worker)
    assert smtp_inbox.recipients == [["worker@example.kz"]], output
    [row] = rows
    assert (row.state, row.language, row.attempts) == ("sent", "kk", 1), output
    assert smtp_inbox.messages[0]["Subject"].strip() == "Жаңа құпиясөз орнату"
