"""A certificate's life: status changes allowed or refused by status, reasons, the audit
trail, reissue and renewal, what a verifier is told, and two trainers acting at once."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from certificates import issuance, lifecycle, numbers, rendering, status_reasons
from certificates.current import current_certificate
from certificates.lifecycle import public_status
from certificates.models import Certificate, CertificateEvent
from certificates.qualifications import confirm_identity
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.text_limits import REASON as REASON_LIMIT

from .factories import attend, demo_criteria, graded_attempt, make_seminar, seat

ISSUED = date(2025, 1, 31)
REASON = "Ethics complaint received"


@pytest.fixture
def certificate(make_qualification, issue_to, make_user):
    """Valid for 12 months from 31 January 2025: until 31 January 2026."""
    return issue_to(make_qualification(validity_months=12), make_user(), today=ISSUED)


@pytest.fixture
def achieved(make_qualification, make_course, issue_to, trainee, trainer):
    """A certificate that states real hours and a criterion result."""
    demo_criteria()
    course = make_course("Mediation law", modules=1)
    seminar = make_seminar(course, trainer, [("Day 1", 8)])
    seat(seminar, trainee)
    attend(seminar.sessions[0], trainer, {trainee: "6.5"})
    graded_attempt(course, trainee, [("C1-LAW", 9, True), ("C1-LAW", 1, False)])  # 90 %
    confirm_identity(
        trainee, legal_name="Әсел Төлеуова", date_of_birth=None, higher_education=False, by=trainer
    )
    qualification = make_qualification(
        kind="qualification", criterion_codes=["C1-LAW"], min_hours="6", validity_months=12
    )
    return issue_to(qualification, trainee, seminar, today=ISSUED)


def events(certificate) -> list[tuple[str, int | None, str]]:
    return [
        (e.action, e.by_id, e.reason)
        for e in db.session.scalars(
            select(CertificateEvent)
            .where(CertificateEvent.certificate_id == certificate.id)
            .order_by(CertificateEvent.id)
        )
    ]


def change(action: str, certificate, by, note: str = REASON) -> None:
    """Suspend or revoke with the public reason "other" and ``note`` kept internal, or
    reinstate with ``note``."""
    if action == "reinstate":
        lifecycle.reinstate(certificate, note, by)
    else:
        getattr(lifecycle, action)(certificate, "other", by, note=note)


def word(status: str) -> str:
    """How a refusal names the status ("replaced by a newer certificate" for superseded)."""
    return str(lifecycle.STATUS_WORDS[lifecycle.PublicStatus(status)])


def _set_status(certificate, status: str) -> None:
    certificate.status = status
    certificate.live = None if status == "superseded" else 1
    db.session.commit()


# What each action does from each stored status (None: refused).
TRANSITIONS = {
    "valid": {"suspend": "suspended", "reinstate": None, "revoke": "revoked"},
    "suspended": {"suspend": None, "reinstate": "valid", "revoke": "revoked"},
    "revoked": {"suspend": None, "reinstate": None, "revoke": None},
    "superseded": {"suspend": None, "reinstate": None, "revoke": None},
}


def test_each_status_change_is_allowed_or_refused_by_the_current_status(certificate, trainer):
    today = date.today()
    certificate.expires_on = today + timedelta(days=30)  # not expired: the words say so
    db.session.commit()
    for start, actions in TRANSITIONS.items():
        for action, outcome in actions.items():
            _set_status(certificate, start)
            before = events(certificate)
            if outcome is None:
                with pytest.raises(ServiceError) as refused:
                    change(action, certificate, trainer)
                assert refused.value.message == (
                    f"This certificate is {word(start)}; that change does not apply."
                ), (start, action)
                db.session.expire_all()
                assert certificate.status == start, (start, action)
                assert events(certificate) == before, (start, action)
            else:
                change(action, certificate, trainer)
                db.session.expire_all()
                assert certificate.status == outcome, (start, action)
                assert certificate.status_note == REASON
                assert events(certificate) == [*before, (action, trainer.id, REASON)]
    # Only a valid certificate is replaced: a suspended one must be reinstated first, so a
    # reissue or renewal never lifts a suspension without a "reinstate" in the history.
    for start in ("suspended", "revoked", "superseded"):
        _set_status(certificate, start)
        for replace in (lifecycle.reissue, lifecycle.renew):
            with pytest.raises(ServiceError) as refused:
                replace(certificate, reason=REASON, by=trainer)
            assert refused.value.message == (
                f"This certificate is {word(start)}; it cannot be replaced."
            ), (start, replace)
            db.session.expire_all()
            assert certificate.status == start and certificate.replaced_by_id is None
    assert db.session.scalar(select(Certificate).where(Certificate.id != certificate.id)) is None


def test_a_reason_is_required_trimmed_and_bounded(certificate, trainer):
    for blank in ("", "   \n\t "):
        with pytest.raises(ServiceError) as refused:
            lifecycle.reinstate(certificate, blank, trainer)
        assert refused.value.field == "reason"
        with pytest.raises(ServiceError):
            lifecycle.reissue(certificate, reason=blank, by=trainer)
    # Suspend and revoke publish a reason from the list: free text is not one.
    for action in ("suspend", "revoke"):
        for code in ("", "Complaint from a party", "unspecified", "superseded" * 2):
            with pytest.raises(ServiceError) as refused:
                getattr(lifecycle, action)(certificate, code, trainer)
            assert refused.value.field == "reason_code", (action, code)
    with pytest.raises(ServiceError) as refused:
        lifecycle.suspend(certificate, "under_review", trainer, public_note="x" * 301)
    assert refused.value.field == "public_note"
    with pytest.raises(ServiceError, match="at most 2000") as refused:
        lifecycle.revoke(certificate, "other", trainer, note="x" * (REASON_LIMIT + 1))
    assert refused.value.field == "reason"
    assert status_reasons.REASON_CHOICES["suspend"] != status_reasons.REASON_CHOICES["revoke"]
    with pytest.raises(ServiceError):
        lifecycle.suspend(certificate, "issued_in_error", trainer)  # a revocation's reason
    assert certificate.status == "valid" and events(certificate) == [("issue", trainer.id, "")]
    lifecycle.suspend(
        certificate,
        "under_review",
        trainer,
        public_note="  Pending  the board's\n decision ",
        note="  Complaint \n from   a party  ",
    )
    assert (
        certificate.status_reason_code,
        certificate.status_public_note,
        certificate.status_note,
    ) == ("under_review", "Pending the board's decision", "Complaint from a party")
    assert events(certificate)[-1] == ("suspend", trainer.id, "Complaint from a party")
    (event,) = [e for e in certificate.events if e.action == "suspend"]
    assert (event.reason_code, event.public_note) == (
        "under_review",
        "Pending the board's decision",
    )
    # Reinstated: valid again, with no public reason left behind.
    lifecycle.reinstate(certificate, "Complaint dismissed", trainer)
    assert (certificate.status_reason_code, certificate.status_public_note) == ("", "")


def test_every_change_is_audited_with_who_when_and_why(certificate, trainer, admin):
    started = utcnow()
    change("suspend", certificate, trainer, "Complaint under investigation")
    change("reinstate", certificate, admin, "Complaint dismissed by the board")
    change("revoke", certificate, admin, "Certificate obtained by fraud")
    finished = utcnow()
    trail = list(
        db.session.scalars(
            select(CertificateEvent)
            .where(CertificateEvent.certificate_id == certificate.id)
            .order_by(CertificateEvent.id)
        )
    )
    assert [(e.action, e.by_id, e.reason) for e in trail[1:]] == [
        ("suspend", trainer.id, "Complaint under investigation"),
        ("reinstate", admin.id, "Complaint dismissed by the board"),
        ("revoke", admin.id, "Certificate obtained by fraud"),
    ]
    assert all(started <= e.at <= finished for e in trail[1:])
    assert [e.at for e in trail] == sorted(e.at for e in trail)
    assert started <= certificate.status_changed_at <= finished


def test_reissue_supersedes_the_old_certificate_and_keeps_the_achievement(
    achieved, trainee, trainer, admin
):
    old = achieved
    # Signed: the criterion met and its rule; not the hours, not the percent (not public).
    assert "hours" not in old.facts
    assert old.facts["criteria"] == [
        {
            "code": "C1-LAW",
            "title": old.facts["criteria"][0]["title"],
            "met": True,
            "rule": {"must_pass": True, "thresholds": {"quiz": 80}, "floor": None, "average": None},
        }
    ]
    confirm_identity(
        trainee, legal_name="Әсел Төлеуқызы", date_of_birth=None, higher_education=False, by=trainer
    )
    new = lifecycle.reissue(old, reason="  Name   misspelt ", by=admin, today=date(2025, 6, 1))
    db.session.expire_all()
    old = db.session.get(Certificate, old.id)

    assert (old.status, old.live, old.replaced_by_id) == ("superseded", None, new.id)
    assert old.status_note == "Name misspelt" and old.status_reason_code == ""
    assert public_status(old, date(2025, 6, 1)) == "superseded"
    assert (new.status, new.live, new.replaces_id) == ("valid", 1, old.id)
    assert new.number != old.number
    prefix = current_app.config["CERTIFICATE_PREFIX"]
    assert str(numbers.parse(new.number, prefix)) == new.number
    assert new.issued_on == date(2025, 6, 1) and new.expires_on == old.expires_on
    assert new.facts["holder"] == "Әсел Төлеуқызы" and old.facts["holder"] == "Әсел Төлеуова"
    for kept in ("seminar", "criteria", "expires_on", "language"):
        assert new.facts[kept] == old.facts[kept], kept
    assert new.facts["number"] == new.number and new.facts["issued_on"] == "2025-06-01"
    assert events(old) == [("issue", trainer.id, ""), ("reissue", admin.id, "Name misspelt")]
    assert events(new) == [("reissue", admin.id, "Name misspelt")]
    current = current_certificate(trainee, old.qualification, old.seminar)
    assert current.id == new.id
    # Both PDFs stay: the old one is history; each matches its own record.
    for certificate in (old, new):
        assert rendering.pdf_bytes(certificate)
    assert old.pdf_path != new.pdf_path

    with pytest.raises(ServiceError, match="cannot be replaced"):
        lifecycle.reissue(old, reason="Again", by=admin)
    # A name given by hand (the identity record may be wrong too) is tidied.
    newer = lifecycle.reissue(new, reason="Typo in the legal name", by=admin, name="  Әсел   Т. ")
    assert newer.facts["holder"] == "Әсел Т."
    with pytest.raises(ServiceError) as too_long:
        lifecycle.reissue(newer, reason="Long", by=admin, name="x" * 201)
    assert too_long.value.field == "name"


def test_renewal_extends_from_the_old_expiry_date(achieved, trainer):
    old = achieved
    assert old.expires_on == date(2026, 1, 31)
    assert public_status(old, date(2026, 1, 31)) == "valid"  # the last day it is valid
    assert public_status(old, date(2026, 2, 1)) == "expired"
    new = lifecycle.renew(
        old, reason="24 hours of continuing education", by=trainer, today=date(2026, 2, 10)
    )
    assert new.issued_on == date(2026, 2, 10)
    assert new.expires_on == date(2027, 1, 31)  # not 10 February 2027
    assert new.facts["expires_on"] == "2027-01-31"
    for kept in ("holder", "seminar", "criteria"):
        assert new.facts[kept] == old.facts[kept], kept
    db.session.expire_all()
    assert (old.status, old.replaced_by_id) == ("superseded", new.id)
    assert public_status(new, date(2026, 2, 10)) == "valid"
    assert (
        events(old)[-1]
        == events(new)[-1]
        == (
            "renew",
            trainer.id,
            "24 hours of continuing education",
        )
    )


def test_a_certificate_that_does_not_expire_is_not_renewed(
    make_qualification, issue_to, make_user, trainer
):
    lasting = issue_to(make_qualification(validity_months=None), make_user())
    with pytest.raises(ServiceError, match="does not expire"):
        lifecycle.renew(lasting, reason="Renewal", by=trainer)
    db.session.expire_all()
    assert lasting.status == "valid" and events(lasting) == [("issue", trainer.id, "")]


@pytest.mark.parametrize(
    ("status", "expires_on", "expected"),
    [
        ("valid", None, "valid"),
        ("valid", date(2026, 3, 15), "valid"),  # valid through its expiry date
        ("valid", date(2026, 3, 14), "expired"),
        ("suspended", date(2020, 1, 1), "suspended"),  # outranks expiry
        ("revoked", date(2020, 1, 1), "revoked"),
        ("superseded", date(2020, 1, 1), "superseded"),
        ("suspended", None, "suspended"),
    ],
)
def test_public_status(status, expires_on, expected):
    certificate = Certificate(status=status, expires_on=expires_on)
    assert public_status(certificate, date(2026, 3, 15)) == expected


def test_issuing_again_never_replaces_a_revoked_certificate(make_qualification, make_user, trainer):
    qualification = make_qualification()
    holder = make_user()
    certificate, _ = issuance.issue(qualification, holder, None, by=trainer)
    lifecycle.revoke(certificate, "other", trainer, note="Obtained by fraud")
    again, created = issuance.issue(qualification, holder, None, by=trainer)
    assert (again.id, again.status, created) == (certificate.id, "revoked", False)


def test_a_stale_page_cannot_reinstate_what_another_trainer_revoked(
    app, certificate, trainer, admin
):
    lifecycle.suspend(certificate, "under_review", trainer, note="Complaint received")
    assert certificate.status == "suspended"  # what the first trainer's page shows
    with app.app_context():  # another request, with its own database session
        other = db.session.get(Certificate, certificate.id)
        lifecycle.revoke(other, "ethics_breach", db.session.get(User, admin.id))
        db.session.remove()
    with pytest.raises(ServiceError, match="This certificate is revoked"):
        lifecycle.reinstate(certificate, "Complaint dismissed", trainer)
    db.session.expire_all()
    assert certificate.status == "revoked"
    assert [action for action, _, _ in events(certificate)] == ["issue", "suspend", "revoke"]


def test_revoke_and_reinstate_at_once_cannot_both_win(app, certificate, trainer, admin):
    lifecycle.suspend(certificate, "under_review", trainer, note="Complaint received")
    ids = certificate.id, trainer.id, admin.id
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(action, reason, user_id):
        with app.app_context():
            try:
                mine = db.session.get(Certificate, ids[0])
                assert mine.status == "suspended"
                barrier.wait(timeout=10)
                getattr(lifecycle, action)(mine, reason, db.session.get(User, user_id))
                outcomes[action] = "done"
            except ServiceError as error:
                outcomes[action] = error.message
            except BaseException as error:  # anything else fails the test
                outcomes[action] = error
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=act, args=("revoke", "ethics_breach", ids[2])),
        threading.Thread(target=act, args=("reinstate", "Complaint dismissed", ids[1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()
    trail = [action for action, _, _ in events(certificate)]
    # A revocation always stands: either the reinstatement came first and the revocation
    # followed it, or the revocation came first and the reinstatement was refused.
    assert outcomes["revoke"] == "done"
    assert certificate.status == "revoked"
    if outcomes["reinstate"] == "done":
        assert trail == ["issue", "suspend", "reinstate", "revoke"]
    else:
        assert str(outcomes["reinstate"]).startswith("This certificate is revoked")
        assert trail == ["issue", "suspend", "revoke"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Әсел\u202e Төлеуқызы", "invisible control characters"),
        ("Ә", "at least 2"),
        ("Ә" * 201, "at most 200"),
    ],
)
def test_a_reissued_name_goes_through_the_sites_name_normaliser(achieved, admin, typed, message):
    with pytest.raises(ServiceError, match=message):
        lifecycle.reissue(achieved, reason="Name misspelt", by=admin, name=typed)
    new = lifecycle.reissue(achieved, reason="Name misspelt", by=admin, name="Ａｓｅｌ  Tole")
    assert new.facts["holder"] == "Asel Tole"
