"""Renewal by continuing education (issue 21), through the services: the ledger's sums,
renewal only when the hours are met (and within the grace period), reminders once at 180, 90
and 30 days, never when the hours are met."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from certificates import ce_activities, ce_credits, ce_notifications, lifecycle
from certificates import continuing_education as ce
from certificates.ce_models import CeActivity
from certificates.qualifications import sign_declaration
from lms.database import utcnow
from lms.extensions import db
from lms.models import OutboxMessage
from lms.service_error import ServiceError
from lms.timezone import site_today

from ..courses.conftest import pdf_bytes
from . import factories

ISSUED_ON = date(2026, 1, 15)  # valid for 12 months: until 15 January 2027
EXPIRES = date(2027, 1, 15)


@pytest.fixture
def ce_qualification(make_qualification):
    return make_qualification(
        kind="qualification", validity_months=12, ce_hours="24", ce_ethics_hours="6"
    )


@pytest.fixture
def holder(make_user):
    return make_user(full_name="Аида Жумабаева", language="ru")


def external(certificate, holder, reviewer, hours, *, on, ethics=False, decision="approve"):
    """An external activity submitted by ``holder`` and, unless ``decision`` is None,
    approved or rejected by ``reviewer``."""
    activity = ce_activities.submit(
        certificate,
        holder,
        ce_activities.ActivityData(
            title=f"Workshop {hours} h", provider="Chamber of mediators", held_on=on,
            hours=str(hours), ethics=ethics,
        ),
        pdf_bytes(),
        "certificate.pdf",
        today=on,
    )  # fmt: skip
    if decision is not None:
        ce_activities.review(
            activity, reviewer, approve=decision == "approve", reason="Evidence unreadable"
        )
    return activity


def outbox(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def test_the_ledger_sums_platform_hours_and_approved_external_ones_of_the_period(
    ce_qualification, issue_to, holder, trainer, make_course
):
    today = site_today()
    certificate = issue_to(ce_qualification, holder, today=today - timedelta(days=40))
    course = make_course("Refresher on ethics", modules=2)
    uncounted = make_course("Not counted", modules=1)
    # A seminar inside the period: 4 h present and 2 h of a 4 h session; marked ethics.
    inside = factories.make_seminar(
        course, trainer, [("Ethics", 4), ("Practice", 4)],
        start=utcnow().replace(microsecond=0) - timedelta(days=10),
    )  # fmt: skip
    # One before the period, and the seminar the certificate was issued for: not counted.
    before = factories.make_seminar(
        course, trainer, [("Old", 4)], start=utcnow().replace(microsecond=0) - timedelta(days=60)
    )
    own = factories.make_seminar(
        course, trainer, [("Own", 4)], start=utcnow().replace(microsecond=0) - timedelta(days=5)
    )
    for seminar in (inside, before, own):
        factories.seat(seminar, holder)
    factories.attend(inside.sessions[0], trainer, {holder: "present"})
    factories.attend(inside.sessions[1], trainer, {holder: "2"})
    factories.attend(before.sessions[0], trainer, {holder: "present"})
    factories.attend(own.sessions[0], trainer, {holder: "present"})
    certificate.seminar_id = own.id
    db.session.commit()
    ce_credits.save_credits(
        {course.id: ("8", False), uncounted.id: ("0", True)},
        {inside.id: True, own.id: True},
    )
    factories.complete(holder, course)
    factories.complete(holder, uncounted)
    external(certificate, holder, trainer, "5", on=today - timedelta(days=3), ethics=True)
    external(certificate, holder, trainer, "3", on=today - timedelta(days=2), decision=None)
    external(certificate, holder, trainer, "2.5", on=today - timedelta(days=1), decision="reject")

    record = ce.ledger(certificate)
    assert record.counted == Decimal("19")  # 6 seminar + 8 course + 5 approved
    assert record.ethics_counted == Decimal("11")  # the ethics seminar's 6 + 5 approved
    assert (record.left, record.ethics_left, record.met) == (Decimal("5"), 0, False)
    by_title = {entry.title: entry for entry in record.entries}
    assert set(by_title) == {
        inside.title, course.title, "Workshop 5 h", "Workshop 3 h", "Workshop 2.5 h"
    }  # fmt: skip
    assert by_title[inside.title].hours == Decimal("6") and by_title[inside.title].ethics
    assert by_title["Workshop 3 h"].status == "pending" and not by_title["Workshop 3 h"].counts
    assert by_title["Workshop 2.5 h"].status == "rejected"
    assert record.deadline == certificate.expires_on
    assert record.grace_until == certificate.expires_on + timedelta(days=90)


def test_renewal_only_when_the_hours_are_met_and_the_new_period_starts_fresh(
    ce_qualification, issue_to, holder, trainer
):
    certificate = issue_to(ce_qualification, holder, today=ISSUED_ON)
    on = date(2026, 6, 1)
    external(certificate, holder, trainer, "18", on=on)
    with pytest.raises(ServiceError, match="Not enough hours"):
        ce.renew(certificate, holder, today=date(2026, 12, 1))
    external(certificate, holder, trainer, "6", on=on, ethics=True)
    record = ce.ledger(certificate, date(2026, 12, 1))
    assert record.met and ce.renewal_problem(record) is None
    # Somebody else cannot renew it for the holder.
    with pytest.raises(ServiceError):
        ce.renew(certificate, trainer, today=date(2026, 12, 1))

    new = ce.renew(certificate, holder, today=date(2026, 12, 1))
    db.session.expire_all()
    assert (certificate.status, certificate.replaced_by_id) == ("superseded", new.id)
    assert new.replaces_id == certificate.id and new.expires_on == date(2028, 1, 15)
    fresh = ce.ledger(new, date(2026, 12, 2))
    assert fresh.start == date(2026, 12, 2)
    assert fresh.counted == 0 and fresh.entries == []
    # A reissue of the new certificate continues its period.
    corrected = lifecycle.reissue(new, reason="Name", by=trainer, today=date(2026, 12, 3))
    assert ce.period_start(corrected) == date(2026, 12, 2)


def test_renewal_needs_a_new_declaration_and_the_grace_period(
    make_qualification, issue_to, holder, trainer
):
    qualification = make_qualification(
        kind="qualification", validity_months=12, ce_hours="6",
        declaration_text="I will stay impartial.",
    )  # fmt: skip
    first = sign_declaration(holder, qualification, holder.full_name)
    certificate = issue_to(qualification, holder, today=ISSUED_ON)
    first.signed_at = datetime(2026, 1, 10, 9, tzinfo=UTC)  # signed for the first issue
    db.session.commit()
    external(certificate, holder, trainer, "6", on=date(2026, 3, 1))
    with pytest.raises(ServiceError, match="declaration"):
        ce.renew(certificate, holder, today=date(2026, 12, 1))
    sign_declaration(holder, qualification, holder.full_name)
    # 91 days after expiry: too late, whatever the hours.
    late = EXPIRES + timedelta(days=91)
    assert "no longer be renewed" in ce.renewal_problem(ce.ledger(certificate, late))
    with pytest.raises(ServiceError, match="more than 90 days"):
        lifecycle.renew(certificate, reason="Late", by=trainer, today=late)
    # 90 days after expiry (shown as expired meanwhile): still renewed, from the old expiry.
    new = ce.renew(certificate, holder, today=EXPIRES + timedelta(days=90))
    assert new.expires_on == date(2028, 1, 15)


def test_reminders_go_at_180_90_and_30_days_once_and_not_when_the_hours_are_met(
    ce_qualification, issue_to, holder, make_user, trainer
):
    issue_to(ce_qualification, holder, today=ISSUED_ON)
    done = make_user(language="kk")
    met = issue_to(ce_qualification, done, today=ISSUED_ON)
    external(met, done, trainer, "18", on=date(2026, 5, 1))
    external(met, done, trainer, "6", on=date(2026, 5, 2), ethics=True)
    sent = []
    for days_before in (200, 181, 180, 180, 179, 120, 91, 90, 90, 60, 31, 30, 30, 10, 0, -1):
        count = ce_notifications.send_reminders(today=EXPIRES - timedelta(days=days_before))
        sent.append((days_before, count))
    assert [days for days, count in sent if count] == [180, 90, 30]
    messages = outbox(ce_notifications.REMINDER)
    assert len(messages) == 3
    assert {m.to_address for m in messages} == {holder.email}
    assert all(m.language == "ru" for m in messages)
    assert "/certificates/" in messages[0].text and "continuing-education" in messages[0].text


def test_a_certificate_first_seen_late_gets_only_the_stage_reached(
    ce_qualification, issue_to, holder
):
    certificate = issue_to(ce_qualification, holder, today=ISSUED_ON)
    assert ce_notifications.send_reminders(today=EXPIRES - timedelta(days=20)) == 1
    assert ce_notifications.send_reminders(today=EXPIRES - timedelta(days=19)) == 0
    from lms.jobs import claim_once

    assert not claim_once(ce_notifications.REMINDER, f"{certificate.id}:180")
    db.session.rollback()


def test_review_decisions_are_mailed_and_cannot_be_taken_twice(
    ce_qualification, issue_to, holder, trainer, make_user
):
    certificate = issue_to(ce_qualification, holder, today=ISSUED_ON)
    activity = external(certificate, holder, trainer, "4", on=date(2026, 2, 1), decision=None)
    with pytest.raises(ServiceError, match="reason"):
        ce_activities.review(activity, trainer, approve=False, reason="  ")
    with pytest.raises(ServiceError, match="trainers and administrators"):
        ce_activities.review(activity, make_user(), approve=True)
    ce_activities.review(activity, trainer, approve=False, reason="No signature on the scan")
    with pytest.raises(ServiceError, match="already been reviewed"):
        ce_activities.review(activity, trainer, approve=True)
    db.session.expire_all()
    assert db.session.get(CeActivity, activity.id).status == "rejected"
    [message] = outbox(ce_notifications.DECISION)
    assert message.to_address == holder.email
    assert "No signature on the scan" in message.text


def test_the_expiry_reminder_of_a_renewable_qualification_links_the_ledger(
    ce_qualification, issue_to, holder
):
    from certificates.notifications import EXPIRY, send_expiry_reminders

    certificate = issue_to(ce_qualification, holder, today=ISSUED_ON)
    assert send_expiry_reminders(today=EXPIRES - timedelta(days=30)) == 1
    [message] = outbox(EXPIRY)
    assert f"/certificates/{certificate.id}/continuing-education" in message.text
    assert "Продлите его сами на сайте" in message.text
