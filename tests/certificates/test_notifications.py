"""The certificate messages: issued (with the PDF), suspended / reinstated / revoked (with the
public reason), the reminders 60, 30 and 7 days before expiry, and opting out."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select, text

from certificates import issuance, lifecycle, notifications, rendering, status_reasons
from certificates.models import Certificate
from certificates.notifications import EXPIRY, ISSUED, STATUS, send_expiry_reminders
from certificates.signals import certificate_status_changed
from certificates.storage import pdf_folder
from lms import jobs, mail
from lms.extensions import db
from lms.models import OutboxMessage
from lms.service_error import ServiceError

from . import test_manage_pages as manage_pages
from .test_manage_pages import page_text

# The issuing fixtures of the manage pages' tests.
seminar_with = manage_pages.seminar_with
people = manage_pages.people
setting = manage_pages.setting

ISSUED_ON = date(2026, 1, 15)  # valid for 12 months: until 15 January 2027
EXPIRES = date(2027, 1, 15)


def outbox(kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def links(message: OutboxMessage) -> list[str]:
    """The site's own links in the text part, as paths the test client opens."""
    public = current_app.config["PUBLIC_URL"]
    found = re.findall(re.escape(public) + r"(/[^\s#]*)", message.text)
    assert found, message.text
    return found


def opt_out(user, kind: str) -> None:
    from lms.models import MailOptOut

    db.session.add(MailOptOut(user_id=user.id, kind=kind))
    db.session.commit()


@pytest.fixture
def holder(make_user):
    return make_user(full_name="Аида Жумабаева", language="kk")


@pytest.fixture
def claimable(make_qualification):
    return make_qualification(kind="qualification", self_claim=True, validity_months=36)


@pytest.fixture
def certificate(make_qualification, issue_to, holder):
    """Issued through the service on 15 January 2026, valid for 12 months."""
    return issue_to(make_qualification(validity_months=12), holder, today=ISSUED_ON)


def status_change(client, certificate, action: str, **fields):
    data = {f"{action}-{key}": value for key, value in fields.items()}
    return client.post_form(f"/manage/certificates/{certificate.id}/{action}", data)


# --- issued -----------------------------------------------------------------------------------


def test_issuing_mails_the_holder_in_their_language_with_links_and_the_pdf(
    app, holder, login, client, claimable
):
    holder_client = login(holder)
    response = holder_client.post_form(
        "/certificates/claim", {"qualification": str(claimable.id), "seminar": ""}
    )
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))

    [message] = outbox()
    assert message.kind == ISSUED and message.to_address == holder.email
    assert message.language == "kk"
    assert certificate.number in message.subject and "берілді" in message.subject
    text = message.text
    assert "сертификат берілді" in text  # "A certificate has been issued to you on ..."
    assert claimable.title("kk") in text and "Аида Жумабаева" in text
    assert certificate.number in text and "2029" in text  # valid for 36 months
    assert certificate.number in message.html

    verify, mine = links(message)[:2]
    assert verify == f"/verify/{certificate.number}"
    public = client.get(verify)  # anyone, not signed in
    assert public.status_code == 200 and certificate.number in page_text(public)
    own = holder_client.get(mine)
    assert own.status_code == 200 and f'id="certificate-{certificate.id}"' in own.get_data(
        as_text=True
    )

    assert message.attachments == [{"kind": "certificate_pdf", "ref": certificate.id}]
    [attachment] = mail.build_attachments(message)
    assert attachment.filename == f"{certificate.number}.pdf"
    assert attachment.mimetype == "application/pdf"
    assert attachment.data.startswith(b"%PDF")
    assert attachment.data == rendering.pdf_bytes(certificate)

    # Storage lost the file: the PDF is rendered again from the signed facts, byte for byte.
    (pdf_folder() / certificate.pdf_path).unlink()
    [again] = mail.build_attachments(message)
    assert again.data == attachment.data
    # No PDF matches the recorded hash any more (an older template): the message goes without.
    certificate.pdf_sha256 = "0" * 64
    db.session.commit()
    assert mail.build_attachments(message) == []


def test_claiming_again_sends_nothing_and_a_failing_message_never_fails_the_page(
    holder, login, claimable, monkeypatch
):
    holder_client = login(holder)
    data = {"qualification": str(claimable.id), "seminar": ""}

    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(notifications, "send_mail", broken)
    assert holder_client.post_form("/certificates/claim", data).status_code == 302
    assert db.session.scalar(select(Certificate)) is not None and outbox() == []
    monkeypatch.undo()
    # The holder already has it: no second certificate, no message.
    assert holder_client.post_form("/certificates/claim", data).status_code == 302
    assert outbox() == []


def test_a_bulk_issue_mails_each_holder_it_issued_to(trainer_client, setting, people):
    """Through the page: the job (run in-process here) commits each certificate, then mails."""
    qualification, seminar = setting
    people["bolat"].language = "ru"
    db.session.commit()
    assert manage_pages.bulk(trainer_client, seminar, qualification).status_code == 303
    issued = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert len(issued) == 2
    messages = {m.to_address: m for m in outbox(ISSUED)}
    assert set(messages) == {people["aida"].email, people["bolat"].email}  # not Carl
    assert messages[people["bolat"].email].language == "ru"
    for certificate in issued:
        assert certificate.number in messages[certificate.holder.email].text
    # Issuing again makes nothing new and says nothing.
    assert manage_pages.bulk(trainer_client, seminar, qualification).status_code == 303
    assert len(outbox(ISSUED)) == 2


def test_an_opted_out_holder_gets_no_issue_message(holder, login, claimable):
    opt_out(holder, ISSUED)
    response = login(holder).post_form(
        "/certificates/claim", {"qualification": str(claimable.id), "seminar": ""}
    )
    assert response.status_code == 302 and db.session.scalar(select(Certificate)) is not None
    assert outbox() == []


def test_the_preferences_page_offers_the_certificate_messages(trainee, trainee_client):
    page = trainee_client.get("/account/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = page_text(page)
    assert "Certificates" in text
    assert "A certificate was issued to me" in text
    assert "Reminders before a certificate expires" in text
    # The status messages are always sent, and the page says why (not "account safety").
    assert "A certificate of mine was suspended, reinstated or revoked" in text
    assert re.search(r'value="certificate_status"[^>]*checked[^>]*disabled', html)
    assert "a decision about you that you may need to answer" in text
    # Turning everything off stops issue and expiry messages only.
    response = trainee_client.post_form("/account/notifications", {})
    assert response.status_code == 302
    chosen = mail.chosen_kinds(trainee)
    assert STATUS in chosen and ISSUED not in chosen and EXPIRY not in chosen


# --- suspended, reinstated, revoked -------------------------------------------------------------


@contextmanager
def status_signals():
    calls = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs, "status": kwargs["certificate"].status})

    certificate_status_changed.connect(receiver)
    try:
        yield calls
    finally:
        certificate_status_changed.disconnect(receiver)


def test_suspend_reinstate_revoke_through_the_pages_mail_the_holder_with_the_reason(
    app, admin, admin_client, holder, certificate
):
    holder.language = "ru"
    db.session.commit()
    before = len(outbox(STATUS))
    with status_signals() as calls:
        suspended = status_change(
            admin_client,
            certificate,
            "suspend",
            reason_code="under_review",
            public_note="Жалоба стороны медиации",
            reason="Internal: complaint no. 17",
        )
        assert suspended.status_code == 302
        reinstated = status_change(admin_client, certificate, "reinstate", reason="Dismissed")
        assert reinstated.status_code == 302
        revoked = status_change(
            admin_client, certificate, "revoke", reason_code="ethics_breach", reason="Board"
        )
        assert revoked.status_code == 302
    assert [(c["action"], c["reason"], c["status"]) for c in calls] == [
        ("suspend", "under_review", "suspended"),
        ("reinstate", "", "valid"),
        ("revoke", "ethics_breach", "revoked"),
    ]
    assert all(c["sender"] is app and c["by"].id == admin.id for c in calls)

    messages = outbox(STATUS)[before:]
    assert [m.language for m in messages] == ["ru"] * 3
    assert all(m.to_address == holder.email for m in messages)
    suspend, reinstate, revoke = messages
    assert "приостановлено" in suspend.subject and certificate.number in suspend.subject
    with app_locale("ru"):
        label = str(status_reasons.STATUS_REASONS[status_reasons.StatusReason.UNDER_REVIEW])
    assert label in suspend.text and label in suspend.html
    assert "Жалоба стороны медиации" in suspend.text
    assert "не предъявляйте его как действительный" in suspend.text
    assert "учебный центр" in suspend.text  # whom to contact
    assert "снова действителен" in reinstate.subject
    assert "отозван" in revoke.subject and "Отзыв окончателен" in revoke.text
    for message in messages:
        # The trainer's own notes stay with the staff.
        assert "Internal" not in message.text and "Dismissed" not in message.text
        assert "Board" not in message.text and "Internal" not in message.html
        assert links(message)[0] == f"/verify/{certificate.number}"


def test_status_messages_give_the_reason_in_the_holders_language(admin_client, certificate):
    status_change(admin_client, certificate, "revoke", reason_code="issued_in_error", reason="x")
    [message] = outbox(STATUS)
    assert message.language == "kk"
    with app_locale("kk"):
        label = str(status_reasons.STATUS_REASONS[status_reasons.StatusReason.ISSUED_IN_ERROR])
    assert label in message.text and "күші жойылды" in message.subject


@contextmanager
def app_locale(language: str):
    from flask_babel import force_locale

    with force_locale(language):
        yield


def test_refused_status_changes_send_nothing(admin_client, certificate):
    before = len(outbox())
    with status_signals() as calls:
        # Not suspended: nothing to reinstate.
        assert status_change(admin_client, certificate, "reinstate", reason="x").status_code == 400
        # A reason that is not on the list.
        bad = status_change(admin_client, certificate, "suspend", reason_code="made_up")
        assert bad.status_code == 400
        assert (
            status_change(
                admin_client, certificate, "revoke", reason_code="issued_in_error", reason="x"
            ).status_code
            == 302
        )
        # Revoked is final.
        again = status_change(
            admin_client, certificate, "revoke", reason_code="issued_in_error", reason="x"
        )
        assert again.status_code == 400
    assert [c["action"] for c in calls] == ["revoke"]
    assert len(outbox()) == before + 1


def test_a_change_the_service_refuses_sends_nothing(admin, certificate):
    lifecycle.revoke(certificate, "issued_in_error", admin)
    with status_signals() as calls, pytest.raises(ServiceError):
        lifecycle.suspend(certificate, "under_review", admin)
    assert calls == [] and len(outbox(STATUS)) == 1


# --- expiry reminders ---------------------------------------------------------------------------


def reminders() -> list[tuple[str, int]]:
    return [(m.to_address, m.id) for m in outbox(EXPIRY)]


def test_reminders_go_60_then_30_then_7_days_before_and_never_twice(certificate, holder):
    sent = []
    for days_before in (61, 60, 60, 59, 45, 31, 30, 30, 29, 8, 7, 7, 3, 0):
        count = send_expiry_reminders(today=EXPIRES - timedelta(days=days_before))
        sent.append((days_before, count))
    assert [days for days, count in sent if count] == [60, 30, 7]
    assert sum(count for _, count in sent) == 3
    messages = outbox(EXPIRY)
    assert all(m.to_address == holder.email and m.language == "kk" for m in messages)
    # Expired: nothing.
    assert send_expiry_reminders(today=EXPIRES + timedelta(days=1)) == 0
    assert len(outbox(EXPIRY)) == 3


def test_the_reminder_says_when_it_expires_and_how_to_renew(app, holder, certificate, client):
    holder.language = "en"
    db.session.commit()
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=30)) == 1
    [message] = outbox(EXPIRY)
    assert "15 January 2027" in message.subject and certificate.number in message.subject
    assert "Days left: 30." in message.text
    assert "ask the training centre that issued your certificate to renew it" in message.text
    assert "another 12 months" in message.text
    verify, mine = links(message)[:2]
    assert client.get(verify).status_code == 200
    assert mine.startswith("/certificates/")
    assert message.attachments in (None, [])


def test_a_certificate_first_seen_within_7_days_gets_only_the_7_day_reminder(certificate):
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=5)) == 1
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=4)) == 0
    # The larger stages were claimed with it: never sent afterwards.
    assert not jobs.claim_once(EXPIRY, f"{certificate.id}:30")
    assert not jobs.claim_once(EXPIRY, f"{certificate.id}:60")
    db.session.rollback()
    assert len(outbox(EXPIRY)) == 1


def test_a_missed_run_is_caught_up_with_the_stage_reached(certificate):
    # No run between 60 and 25 days before: the 30-day one goes, not the 60-day one.
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=25)) == 1
    assert "25" in outbox(EXPIRY)[0].text  # the days really left
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=24)) == 0
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=6)) == 1
    assert len(outbox(EXPIRY)) == 2


def test_no_reminders_for_revoked_suspended_replaced_or_expired(
    make_qualification, issue_to, make_user, admin
):
    qualification = make_qualification(validity_months=12)
    revoked, suspended, replaced, _expired = (
        issue_to(qualification, make_user(), today=on)
        for on in (ISSUED_ON, ISSUED_ON, ISSUED_ON, ISSUED_ON - timedelta(days=40))
    )
    lifecycle.revoke(revoked, "issued_in_error", admin)
    lifecycle.suspend(suspended, "under_review", admin)
    renewed = lifecycle.renew(replaced, reason="CPD done", by=admin, today=ISSUED_ON)
    assert renewed.expires_on > EXPIRES + timedelta(days=300)
    # 20 days before the others' expiry, the fourth expired 20 days ago.
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=20)) == 0
    assert outbox(EXPIRY) == []


def test_certificates_without_an_expiry_get_no_reminder(make_qualification, issue_to, make_user):
    issue_to(make_qualification(validity_months=None), make_user(), today=ISSUED_ON)
    assert send_expiry_reminders(today=ISSUED_ON) == 0


def test_many_certificates_are_read_in_batches_and_each_reminded_once(
    make_qualification, issue_to, make_user, monkeypatch
):
    monkeypatch.setattr(notifications, "BATCH", 2)
    qualification = make_qualification(validity_months=12)
    people = [make_user() for _ in range(5)]
    for person in people:
        issue_to(qualification, person, today=ISSUED_ON)
    later = make_qualification(validity_months=13)  # expires a month later: not yet
    issue_to(later, people[0], today=ISSUED_ON)
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=60)) == 5
    assert sorted(m.to_address for m in outbox(EXPIRY)) == sorted(p.email for p in people)
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=60)) == 0


def test_opted_out_holders_get_no_reminder(certificate, holder, make_user, issue_to):
    other = make_user()
    issue_to(certificate.qualification, other, today=ISSUED_ON)
    opt_out(holder, EXPIRY)
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=60)) == 1
    assert [m.to_address for m in outbox(EXPIRY)] == [other.email]


def test_status_messages_reach_holders_who_opted_out_or_were_deactivated(
    admin_client, certificate, holder
):
    """Always sent: a decision about the holder they may need to contest."""
    holder.active = False
    db.session.commit()
    opt_out(holder, STATUS)  # a row the preferences page never writes: it is ignored
    status_change(admin_client, certificate, "suspend", reason_code="under_review", reason="x")
    [message] = outbox(STATUS)
    assert message.to_address == holder.email
    assert "List-Unsubscribe" not in (message.headers or {})


def test_the_schedule_runs_for_the_sites_today(app, make_qualification, issue_to, holder):
    from lms.timezone import site_today

    today = site_today()
    # Issued so that it expires in 30 days.
    qualification = make_qualification(validity_months=12)
    issued_on = issuance.add_months(today + timedelta(days=30), -12)
    certificate = issue_to(qualification, holder, today=issued_on)
    assert certificate.expires_on - today <= timedelta(days=31)
    jobs.run_schedule(notifications.EXPIRY_SCHEDULE)
    jobs.run_schedule(notifications.EXPIRY_SCHEDULE)
    assert len(outbox(EXPIRY)) == 1


def test_the_reminders_read_through_the_expiry_index(app):
    """One expiry day at a time through ``ix_certificates_expires_on`` (SQLite says its plan
    without statistics; the register was load-tested with a million certificates)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is read on SQLite")
    statement = notifications.expiring_on(EXPIRES, 0).compile(
        db.engine, compile_kwargs={"literal_binds": True}
    )
    plan = " ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {statement}")))
    assert "ix_certificates_expires_on" in plan, plan


def test_a_renewal_and_a_reissue_mail_the_new_number_with_its_pdf(
    admin_client, holder, certificate
):
    before = len(outbox(ISSUED))
    renewed = admin_client.post_form(
        f"/manage/certificates/{certificate.id}/renew", {"renew-reason": "CPD hours done"}
    )
    assert renewed.status_code == 302
    db.session.expire_all()
    new = db.session.get(Certificate, certificate.id).replaced_by
    assert new is not None and new.number != certificate.number
    [message] = outbox(ISSUED)[before:]
    assert message.to_address == holder.email and message.language == "kk"
    assert new.number in message.subject
    assert certificate.number in message.text and new.number in message.text
    assert message.attachments == [{"kind": notifications.PDF, "ref": new.id}]
    assert links(message)[0] == f"/verify/{new.number}"

    reissued = admin_client.post_form(
        f"/manage/certificates/{new.id}/reissue",
        {"reissue-reason": "Name misspelt", "reissue-name": "Аида Жұмабаева"},
    )
    assert reissued.status_code == 302
    db.session.expire_all()
    newest = db.session.get(Certificate, new.id).replaced_by
    [second] = outbox(ISSUED)[before + 1 :]
    assert newest.number in second.subject and new.number in second.text
    assert second.subject != message.subject  # "renewed" and "issued again" read differently

    # A refused replacement (the old certificate is no longer valid) sends nothing.
    refused = admin_client.post_form(
        f"/manage/certificates/{certificate.id}/renew", {"renew-reason": "again"}
    )
    assert refused.status_code in (400, 409)
    assert len(outbox(ISSUED)) == before + 2


def test_a_bulk_issue_keeps_every_other_message_when_one_fails(
    setting, people, make_user, monkeypatch
):
    """The service's one-commit bulk issue: each certificate's message and audit event are
    committed on their own, so the one that fails loses nothing of the others'; afterwards
    the session expires its objects on commit again."""
    from certificates import bulk_issuance
    from certificates.audit import ISSUED as AUDIT_ISSUED
    from lms.models import AuditEvent

    qualification, seminar = setting
    real = notifications.send_mail

    def fails_for_aida(user, *args, **kwargs):
        if user.id == people["aida"].id:
            raise RuntimeError("template missing")
        return real(user, *args, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", fails_for_aida)
    result = bulk_issuance.bulk_issue(qualification, seminar, by=make_user("trainer"))
    assert len(result.issued) == 2
    assert [m.to_address for m in outbox(ISSUED)] == [people["bolat"].email]
    audited = db.session.scalars(
        select(AuditEvent.subject_id).where(AuditEvent.action == AUDIT_ISSUED)
    ).all()
    assert sorted(audited) == sorted(c.id for c in result.issued)
    assert db.session().expire_on_commit
    db.session.execute(text("UPDATE certificates SET number = 'CHANGED' WHERE id = :id"),
                       {"id": result.issued[0].id})  # fmt: skip
    db.session.commit()
    assert result.issued[0].number == "CHANGED"  # expired by the commit, read again
