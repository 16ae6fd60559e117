# ruff: noqa: F811  (the smtp_inbox fixture is imported from test_mail)
"""What every message of the site rests on: kinds and each user's choice of them, one-click
unsubscribe, attachments made when a message goes, delivery through the queue (the sweep
finds a message whose hand-over failed), once-only marks, schedules and the clean-up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from lms import forgot_password, jobs, mail
from lms.database import utcnow
from lms.extensions import db
from lms.job_models import JobRecord, JobState, OnceMark
from lms.models import MailOptOut, OutboxMessage
from tests.lms.test_mail import _outbox, smtp_inbox  # noqa: F401  (fixture)


@pytest.fixture
def kinds():
    """A regular kind, a staff-only kind and an attachment, for these tests only."""
    mail.register_mail_kind("test_news", label=_l("News"), group=_l("Courses"))
    mail.register_mail_kind(
        "test_staff", label=_l("Staff news"), group=_l("Courses"), staff_only=True
    )
    mail.register_attachment(
        "test_file",
        lambda ref: (
            mail.Attachment(f"file-{ref}.txt", "text/plain", f"body {ref}".encode())
            if ref != "gone"
            else None
        ),
    )
    yield
    mail.MAIL_KINDS.pop("test_news", None)
    mail.MAIL_KINDS.pop("test_staff", None)
    mail.ATTACHMENTS.pop("test_file", None)


def _send(user, kind="test_news", **extra):
    return mail.send_mail(
        user,
        kind,
        "password_reset",
        subject=_l("Set a new password"),
        user=user,
        reset_url="https://example.kz/x",
        hours=1,
        **extra,
    )


def test_an_unregistered_kind_or_attachment_is_a_programming_error(app, make_user, kinds):
    user = make_user()
    with pytest.raises(ValueError, match="register_mail_kind"):
        _send(user, kind="no_such_kind")
    with pytest.raises(ValueError, match="register_attachment"):
        _send(user, attachments=[("no_such_file", 1)])
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_the_preferences_page_saves_each_choice_and_security_always_goes(
    app, trainee, trainee_client, kinds
):
    page = trainee_client.get("/account/notifications").get_data(as_text=True)
    assert 'value="test_news"' in page and "checked" in page
    assert 'value="test_staff"' not in page  # staff-only kinds are not offered to trainees
    assert 'value="password_reset"' in page and "disabled" in page

    answer = trainee_client.post_form("/account/notifications", {"kind": []})
    assert answer.status_code == 302
    assert mail.opted_out(trainee, "test_news")
    assert not mail.opted_out(trainee, "password_reset")  # cannot be switched off
    assert _send(trainee) is None
    assert _send(trainee, kind="password_reset") is not None

    trainee_client.post_form("/account/notifications", {"kind": ["test_news"]})
    db.session.expire_all()
    assert not mail.opted_out(trainee, "test_news")
    assert _send(trainee) is not None


def test_staff_see_staff_kinds(trainer_client, kinds):
    page = trainer_client.get("/account/notifications").get_data(as_text=True)
    assert 'value="test_staff"' in page


def test_the_unsubscribe_link_asks_on_get_and_stops_the_kind_on_post(app, client, make_user, kinds):
    user = make_user(language="kk")
    message = _send(user)
    url = message.headers["List-Unsubscribe"].strip("<>")
    path = url.removeprefix(app.config["PUBLIC_URL"])
    assert path in message.text and path in message.html

    page = client.get(path)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200
    assert not mail.opted_out(user, "test_news")
    assert client.post(path).status_code == 200
    assert mail.opted_out(user, "test_news")
    assert client.post(path).status_code == 200  # twice is harmless
    assert db.session.scalar(select(func.count()).select_from(MailOptOut)) == 1


def test_a_forged_or_security_unsubscribe_link_is_refused(app, client, make_user, kinds):
    user = make_user()
    assert client.get("/account/unsubscribe/not-a-token").status_code == 400
    token = mail.unsubscribe_token(user, "test_news")
    assert client.post(f"/account/unsubscribe/{token[:-2]}xx").status_code == 400
    security = mail.unsubscribe_token(user, "password_reset")
    assert client.post(f"/account/unsubscribe/{security}").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(MailOptOut)) == 0


def test_deactivated_accounts_get_nothing_but_security(app, make_user, kinds):
    user = make_user()
    user.active = False
    db.session.commit()
    assert _send(user) is None
    assert _send(user, kind="password_reset") is not None


def test_a_deleted_account_gets_nothing_not_even_security(app, make_user, kinds):
    user = make_user()
    user.deleted_at = utcnow()
    user.active = False
    db.session.commit()
    assert _send(user, kind="password_reset") is None
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_attachments_are_made_when_the_message_goes(
    app,
    make_user,
    kinds,
    smtp_inbox,
    admin_client,
):
    user = make_user(email="files@example.kz")
    message = _send(user, attachments=[("test_file", 7), ("test_file", "gone")])
    assert message.attachments == [
        {"kind": "test_file", "ref": 7},
        {"kind": "test_file", "ref": "gone"},
    ]
    [received] = smtp_inbox.messages
    files = [(p.get_filename(), p.get_content()) for p in received.iter_attachments()]
    assert files == [("file-7.txt", "body 7")]  # the one no longer available is left out
    # The administrator can open what would be attached.
    answer = admin_client.get(f"/admin/outbox/{message.id}/attachments/0")
    assert answer.status_code == 200 and answer.data == b"body 7"
    assert admin_client.get(f"/admin/outbox/{message.id}/attachments/1").status_code == 404
    assert admin_client.get(f"/admin/outbox/{message.id}/attachments/9").status_code == 404


def test_a_message_whose_hand_over_failed_is_found_by_the_sweep(
    app,
    make_user,
    kinds,
    smtp_inbox,
    monkeypatch,
):
    def queue_down(*args):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(jobs, "call_later", queue_down)
    user = make_user(email="later@example.kz")
    message = _send(user)  # committed, but the hand-over failed
    assert smtp_inbox.messages == []
    [row] = _outbox()
    assert (row.state, row.attempts) == ("queued", 0)

    monkeypatch.undo()
    assert jobs.sweep() == 0  # too recent: it may merely be waiting in a busy queue
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(updated_at=utcnow() - timedelta(minutes=6))
    )
    db.session.commit()
    assert jobs.sweep() == 1
    [row] = _outbox()
    assert (row.state, row.attempts) == ("sent", 1)
    assert smtp_inbox.recipients == [["later@example.kz"]]
    # Handed over once more by mistake, it is not sent twice.
    assert mail.deliver(row.id) is True
    assert len(smtp_inbox.messages) == 1


def test_the_reset_link_is_still_mailed_when_the_queue_is_down(app, client, make_user, monkeypatch):
    def queue_down(*args):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(jobs, "call_later", queue_down)
    make_user(email="fallback@example.kz")
    answer = client.post_form("/forgot-password", {"email": "fallback@example.kz"})
    assert answer.status_code == 200
    [row] = _outbox()
    assert (row.kind, row.to_address) == ("password_reset", "fallback@example.kz")
    assert forgot_password.TASK in jobs.TASKS


def test_claim_once_is_true_once_per_kind_and_key(app):
    assert jobs.claim_once("reminder", "1") is True
    assert jobs.claim_once("reminder", "1") is False
    assert jobs.claim_once("reminder", "2") is True
    assert jobs.claim_once("digest", "1") is True
    db.session.commit()
    assert jobs.claim_once("reminder", "1") is False
    db.session.rollback()
    assert db.session.scalar(select(func.count(OnceMark.id))) == 3


def test_a_schedule_runs_from_the_command_line(app, runner):
    calls = []
    jobs.register_schedule("test_schedule", lambda: calls.append(1) or "3 sent", minute="0")
    try:
        result = runner.invoke(args=["jobs", "run-schedule", "test_schedule"])
        assert result.exit_code == 0, result.output
        assert "3 sent" in result.output and calls == [1]
        result = runner.invoke(args=["jobs", "run-schedule", "nope"])
        assert result.exit_code != 0 and "clean_up" in result.output
    finally:
        jobs.SCHEDULES.pop("test_schedule")


def test_clean_up_removes_old_jobs_with_their_files_and_old_messages(app, make_user, kinds):
    now = utcnow()
    old = JobRecord(kind="x", state=JobState.DONE.value, updated_at=now - timedelta(days=8))
    recent = JobRecord(kind="x", state=JobState.DONE.value, updated_at=now - timedelta(days=1))
    running = JobRecord(kind="x", state=JobState.RUNNING.value, updated_at=now - timedelta(days=9))
    db.session.add_all([old, recent, running])
    db.session.add(OnceMark(kind="r", key="old", created_at=now - timedelta(days=401)))
    db.session.add(OnceMark(kind="r", key="new"))
    db.session.commit()
    folder = Path(app.instance_path, "jobs", str(old.id))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.zip").write_bytes(b"zip")
    assert jobs.clean_up() == (1, 1)
    assert not folder.exists()
    db.session.expire_all()
    assert {r.id for r in db.session.scalars(select(JobRecord))} == {recent.id, running.id}

    user = make_user()
    kept_id = _send(user).id
    queued = _send(user)
    db.session.execute(update(OutboxMessage).values(updated_at=now - timedelta(days=91)))
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == queued.id).values(state="queued")
    )
    db.session.commit()
    assert mail.clean_outbox() == 1
    assert [m.id for m in _outbox()] == [queued.id]
    assert kept_id != queued.id
