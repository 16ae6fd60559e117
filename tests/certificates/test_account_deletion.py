"""Certificates in the audit log (issue, suspend, reinstate, revoke, reissue), in the holder's
data download, and after the holder's account is deleted: still verifiable with the facts
they state, the name as issued, the PDF unchanged."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from certificates import lifecycle
from certificates.qualifications import confirm_identity
from lms import audit
from lms.extensions import db
from lms.models import AuditEvent, User

from ..conftest import DEFAULT_PASSWORD
from .factories import attend, demo_criteria, graded_attempt, make_seminar, seat

HOLDER_NAME = "Әсел Төлеуова"


@pytest.fixture
def achieved(make_qualification, make_course, issue_to, make_user, trainer):
    holder = make_user(full_name=HOLDER_NAME)
    demo_criteria()
    course = make_course("Mediation law", modules=1)
    seminar = make_seminar(course, trainer, [("Day 1", 8)])
    seat(seminar, holder)
    attend(seminar.sessions[0], trainer, {holder: "6.5"})
    graded_attempt(course, holder, [("C1-LAW", 9, True), ("C1-LAW", 1, False)])
    confirm_identity(
        holder, legal_name=HOLDER_NAME, date_of_birth=None, higher_education=False, by=trainer
    )
    qualification = make_qualification(
        kind="qualification", criterion_codes=["C1-LAW"], min_hours="6", validity_months=12
    )
    return issue_to(qualification, holder, seminar)


def actions(subject_type: str = "certificate") -> list[tuple[str, int | None, int | None]]:
    return [
        (e.action, e.actor_id, e.subject_id)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type)
            .order_by(AuditEvent.id)
        )
    ]


def test_issue_status_changes_and_reissue_are_in_the_audit_log(achieved, trainer, admin):
    lifecycle.suspend(achieved, "under_review", trainer, public_note="Checking")
    lifecycle.reinstate(achieved, "Checked, all in order", admin)
    new = lifecycle.reissue(achieved, reason="Name typed wrong", by=trainer)
    lifecycle.revoke(new, "issued_in_error", admin)
    recorded = actions()
    for expected in [
        ("certificate.issued", trainer.id, achieved.id),
        ("certificate.suspended", trainer.id, achieved.id),
        ("certificate.reinstated", admin.id, achieved.id),
        ("certificate.reissued", trainer.id, achieved.id),
        ("certificate.revoked", admin.id, new.id),
    ]:
        assert expected in recorded
    assert recorded[0] == ("certificate.issued", trainer.id, achieved.id)
    assert recorded.index(("certificate.suspended", trainer.id, achieved.id)) < recorded.index(
        ("certificate.reinstated", admin.id, achieved.id)
    )
    labels = {e.subject_label for e in db.session.scalars(select(AuditEvent))}
    assert achieved.number in labels and new.number in labels


def test_the_holders_download_has_their_certificate_attendance_and_attempts(achieved, login):
    holder = achieved.holder
    response = login(holder).post_form("/account/export")
    assert response.status_code == 200
    document = response.get_json()
    (certificate,) = document["certificates"]["certificates"]
    assert certificate["number"] == achieved.number
    assert certificate["facts"]["holder"] == HOLDER_NAME
    credential = certificate["open_badges_credential"]
    assert credential["credentialSubject"]["name"] == HOLDER_NAME
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["seminars"]["attendance"][0]["hours"] == "6.50"
    assert document["quiz_attempts"][0]["passed"] is True
    assert document["profile"]["full_name"] == HOLDER_NAME


def test_a_deleted_holders_certificate_still_verifies_as_issued(
    achieved, login, client, trainer_client
):
    holder = achieved.holder
    holder_id, number, email = holder.id, achieved.number, holder.email
    browser = login(holder)
    response = browser.post_form(
        "/account/delete", {"current_password": DEFAULT_PASSWORD, "understood": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, holder_id)
    assert user.email == f"deleted-{holder_id}@invalid" and user.full_name == "Deleted user"
    assert user.deleted_at is not None and not user.active

    page = client.get(f"/verify/{number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Valid certificate" in html and HOLDER_NAME in html
    assert email not in html
    pdf = trainer_client.get(f"/manage/certificates/{achieved.id}/pdf")
    assert pdf.status_code == 200
    assert hashlib.sha256(pdf.data).hexdigest() == achieved.pdf_sha256
    assert client.login(email).status_code == 200  # no such account any more
    deleted = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == audit.ACCOUNT_DELETED)
    )
    assert (deleted.actor_id, deleted.actor_email, deleted.subject_id) == (
        holder_id,
        email,
        holder_id,
    )
