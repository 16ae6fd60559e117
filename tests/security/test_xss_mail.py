"""Stored XSS and header injection in every kind of e-mail (issue 18): the demo with the
payloads of ``tests/security/xss.py`` in every field a user controls, titles that also carry a
line break and a forged header, then each registered kind built the way the site builds it
(the notification functions and services that write to the outbox). In every message the
HTML part shows each hostile value as text and never as markup, the text part carries it
literally, and the subject is one line.

The kinds come from the registry (``lms.mail.MAIL_KINDS``): a kind registered without a
builder here fails ``test_every_kind_of_message_has_a_builder`` and its own case below.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

import assessments.notifications
import certificates.notifications
import quizzes.notifications
import seminars.notifications
from assessments.dashboard import drafts_by_rubric
from assessments.models import Assessment, AssessmentStatus
from certificates import (
    ce_activities,
    ce_notifications,
    continuing_education,
    issuance,
    lifecycle,
)
from certificates.models import Certificate, IdentityConfirmation, Qualification
from lms import email_confirmation, forgot_password, mail, user_admin
from lms.database import utcnow
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import OutboxMessage, User
from lms.timezone import site_today
from quizzes.marking import waiting_by_quiz
from quizzes.models import Attempt, AttemptStatus, Quiz
from seminars import registration
from seminars.models import Registration, RegistrationStatus, Seminar
from tests.security.xss import PAYLOADS, findings, mirror_translations, plant

# A title that reaches a subject: a payload, a line break and a header of the attacker's.
INJECTED = "\r\nBcc: attacker@example.com\r\n"
KINDS = sorted(mail.MAIL_KINDS)  # every kind the packages imported above register


def _by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _asel() -> User:
    return _by_email("asel@example.kz")


def _trainer() -> User:
    return _by_email("aigerim.trainer@example.kz")


def _seat(user: User) -> Registration:
    return db.session.scalar(
        select(Registration)
        .where(Registration.user_id == user.id, Registration.status != RegistrationStatus.CANCELLED)
        .order_by(Registration.id)
    )


def _seminar_values(entry: Registration) -> list[str]:
    seminar = entry.seminar
    return [
        entry.user.display_name,
        seminar.title,
        seminar.venue,
        *[s.topic for s in seminar.sessions],
    ]


def _certificate():
    """Asel's attendance certificate, the name on it a payload (her confirmed legal name)."""
    asel = _asel()
    identity = db.session.scalar(
        select(IdentityConfirmation).where(IdentityConfirmation.user_id == asel.id)
    )
    if identity is not None:
        identity.legal_name = PAYLOADS[2]
    else:
        asel.full_name = PAYLOADS[2]
    attendance = db.session.scalar(
        select(Qualification).where(Qualification.slug == "seminar-attendance")
    )
    certificate, _ = issuance.issue(
        attendance, asel, _seat(asel).seminar, by=_trainer(), language="en"
    )
    db.session.commit()
    return certificate


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _certificate_values(certificate) -> list[str]:
    return [certificate.holder.display_name, certificate.facts["seminar"]["title"]]


# --- one builder per kind: it sends the kind's messages and returns the values every one of
# them shows, and (after a ``None``) values only some of them show ----------------------------


def build_password_reset():
    asel = _asel()
    forgot_password.request_link(asel.email)
    return [asel.display_name]


def build_email_confirmation():
    asel = _asel()
    email_confirmation.send_link(asel)
    db.session.commit()
    return [asel.display_name]


def build_email_change_notice():
    asel = _asel()
    email_confirmation.request_change(asel, new_email="asel.new@example.kz", password=DEMO_PASSWORD)
    return [asel.display_name]


def build_account_created():
    admin = _by_email("admin@example.kz")
    user = user_admin.create_user(
        admin,
        email="new.person@example.kz",
        display_name=PAYLOADS[0][:80],
        full_name=PAYLOADS[1],
        role="trainee",
        language="kk",
    )
    return [user.display_name]


def build_seminar_registration():
    """All five messages of the kind: confirmed, waitlisted, promoted, cancelled by staff,
    and the seminar called off."""
    entry = _seat(_asel())
    notifications = seminars.notifications
    notifications.send_confirmed(entry)
    notifications.send_waitlisted(entry)
    notifications.send_promoted(entry)
    notifications.send_cancelled(entry, _trainer())
    notifications.send_called_off(entry)
    db.session.commit()
    return [*_seminar_values(entry), None, _trainer().full_name]


def build_seminar_reminder():
    entry = _seat(_asel())
    seminars.notifications.send_reminder(entry)
    db.session.commit()
    return _seminar_values(entry)


def build_work_marked():
    """Both messages of the kind: a marked quiz attempt and a signed-off assessment."""
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.status == AttemptStatus.GRADED).order_by(Attempt.id)
    )
    assessment = db.session.scalar(
        select(Assessment)
        .where(Assessment.status == AssessmentStatus.SIGNED_OFF)
        .order_by(Assessment.id)
    )
    assert attempt is not None and assessment is not None, "the demo has marked work"
    assert quizzes.notifications.send_attempt_marked(attempt.id) is not None
    assert assessments.notifications.send_assessment_marked(assessment.id) is not None
    db.session.commit()
    return [
        None,
        attempt.user.display_name,
        attempt.quiz.title,
        assessment.user.display_name,
        assessment.rubric.title,
        assessment.rubric.course.title,
        assessment.signed_off_by.full_name,
    ]


def build_trainer_digest():
    """A registration made now, the written answers waiting and the draft assessments."""
    ulan = _by_email("ulan@example.kz")
    seminar = db.session.scalar(
        select(Seminar).where(Seminar.status == "open").order_by(Seminar.id)
    )
    registration.register(seminar, ulan)
    db.session.commit()
    made = utcnow()
    notify = assessments.notifications
    day = next(
        d
        for d in (site_today(made), site_today(made) + timedelta(days=1))
        if notify.digest_moment(d) - timedelta(days=1) <= made < notify.digest_moment(d)
    )
    assert notify.send_trainer_digests(notify.digest_moment(day) + timedelta(minutes=1)) > 0
    # Each trainer's digest lists what is theirs: every value is in at least one of them.
    waiting = [quiz.title for quiz in waiting_by_quiz()] + [d.title for d in drafts_by_rubric()]
    return [None, seminar.title, ulan.full_name, *waiting]


def build_certificate_issued():
    certificate = _certificate()  # issuing sends the message after the commit
    assert certificate.facts["holder"] == PAYLOADS[2]
    return [*_certificate_values(certificate), certificate.facts["holder"]]


def build_certificate_status():
    certificate = _certificate()
    note = PAYLOADS[3]
    lifecycle.suspend(certificate, "under_review", _trainer(), public_note=note, note=PAYLOADS[1])
    return [*_certificate_values(certificate), note]


def build_certificate_expiry():
    certificate = _certificate()
    today = certificate.expires_on - timedelta(days=30)
    certificates.notifications.send_expiry_reminder(certificate, 30, today)
    db.session.commit()
    return _certificate_values(certificate)


def _cpm_b_certificate():
    """Asel's certificate of the demo qualification renewed by continuing education."""
    return db.session.scalar(
        select(Certificate)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .where(Certificate.holder_id == _asel().id, Qualification.slug == "cpm-b")
    )


def build_ce_decision():
    certificate = _cpm_b_certificate()
    activity = ce_activities.submit(
        certificate,
        _asel(),
        ce_activities.ActivityData(PAYLOADS[0], PAYLOADS[2], certificate.issued_on, "4"),
        _png(),
        "scan.png",
        today=certificate.issued_on,
    )
    ce_activities.review(activity, _trainer(), approve=False, reason=PAYLOADS[1])
    return [activity.title, activity.review_reason]


def build_ce_reminder():
    certificate = _cpm_b_certificate()
    today = certificate.expires_on - timedelta(days=30)
    ce_notifications.send_reminder(continuing_education.ledger(certificate, today), 30)
    db.session.commit()
    return [certificate.holder.display_name]


BUILDERS = {
    "ce_decision": build_ce_decision,
    "ce_reminder": build_ce_reminder,
    "password_reset": build_password_reset,
    "email_confirmation": build_email_confirmation,
    "email_change_notice": build_email_change_notice,
    "account_created": build_account_created,
    "seminar_registration": build_seminar_registration,
    "seminar_reminder": build_seminar_reminder,
    "work_marked": build_work_marked,
    "trainer_digest": build_trainer_digest,
    "certificate_issued": build_certificate_issued,
    "certificate_status": build_certificate_status,
    "certificate_expiry": build_certificate_expiry,
}


def test_every_kind_of_message_has_a_builder(app):
    """With the whole application loaded: a kind registered anywhere needs a builder."""
    registered = {name for name in mail.MAIL_KINDS if not name.startswith("test_")}
    assert registered == set(BUILDERS), sorted(registered ^ set(BUILDERS))


def _hostile_titles() -> None:
    """The titles that reach a subject carry a line break and a forged header as well."""
    for seminar in db.session.scalars(select(Seminar)):
        seminar.title = seminar.title[:100] + INJECTED
    for quiz in db.session.scalars(select(Quiz)):
        quiz.title = quiz.title[:100] + INJECTED
    for assessment in db.session.scalars(select(Assessment)):
        assessment.rubric.title = assessment.rubric.title[:100] + INJECTED
    mirror_translations()  # what a reader in another language sees carries them too
    db.session.commit()


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_shows_hostile_fields_as_text(app, seed_demo, kind):
    assert kind in BUILDERS, f"no builder for the kind of message {kind!r}: add one above"
    seed_demo()
    plant()
    _hostile_titles()
    before = db.session.scalar(select(db.func.max(OutboxMessage.id))) or 0
    returned = BUILDERS[kind]()
    split = returned.index(None) if None in returned else len(returned)
    every, some = returned[:split], returned[split + 1 :]
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id > before, OutboxMessage.kind == kind)
    ).all()
    assert messages, f"building {kind} sent nothing"
    assert any("<" in v for v in every + some), f"{kind} shows nothing hostile: {returned}"
    seen = set()
    for message in messages:
        where = f"{kind} ({message.subject[:60]!r})"
        assert "\r" not in message.subject and "\n" not in message.subject, where
        assert "Bcc" not in str(message.headers or {}), where
        assert not findings(message.html), (where, findings(message.html))
        assert "&lt;" in message.html, where
        shown_html = _one_line(BeautifulSoup(message.html, "html.parser").get_text())
        shown_text = _one_line(message.text)
        for value in every:
            assert _one_line(value) in shown_html, (where, value, shown_html[:400])
            assert _one_line(value) in shown_text, (where, value, shown_text[:400])
        for value in some:
            if _one_line(value) in shown_html:
                assert _one_line(value) in shown_text, (where, value, shown_text[:400])
                seen.add(value)
    assert seen == set(some), (kind, set(some) - seen)
