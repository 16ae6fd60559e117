"""A commit that fails after a PDF or an e-mail was produced (issue 18, "not yet tried"):
no PDF stays in storage, no message is sent or left in the outbox, and the next commit of
the same session sends nothing stale (the outbox pattern of lms/mail.py)."""

# ruff: noqa: F811  (fixtures imported from other test modules are named as parameters)

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from certificates import issuance
from certificates.models import Certificate
from certificates.qualifications import QualificationData, save_qualification
from lms import file_storage, mail
from lms.extensions import db
from lms.models import OutboxMessage

from ..lms.test_mail import smtp_inbox  # noqa: F401


@pytest.fixture(params=["folder", "database"])
def config_overrides(request) -> dict:
    return {"FILE_STORAGE": request.param}


def _qualification():
    return save_qualification(
        QualificationData(
            slug="outbox",
            kind="attendance",
            titles={"en": "Mediation basics", "ru": "Основы медиации", "kk": "Медиация негіздері"},
            disclaimers={"en": "Not a state qualification.", "ru": "Нет.", "kk": "Жоқ."},
            requires_identity=False,
            validity_months=36,
        )
    )


def _fail_next_commit() -> None:
    def refuse(session):
        raise OperationalError("COMMIT", {}, Exception("the database went away"))

    event.listen(db.session(), "before_commit", refuse, once=True)


def test_a_failed_commit_after_rendering_leaves_no_pdf_and_sends_no_mail(
    app, trainer, make_user, smtp_inbox, monkeypatch
):
    holder = make_user(full_name="Әсел Төлеуова")
    qualification = _qualification()
    made = []
    real = issuance.create_signed

    def rendered_then_fail(**kwargs):
        certificate = real(**kwargs)  # signed, PDF rendered and stored
        made.append(certificate)
        assert file_storage.exists(f"certificates/{certificate.pdf_path}")
        _fail_next_commit()
        return certificate

    monkeypatch.setattr(issuance, "create_signed", rendered_then_fail)
    with pytest.raises(OperationalError):
        issuance.issue(qualification, holder, None, by=trainer, language="kk")
    assert len(made) == 1
    assert not file_storage.exists(f"certificates/{made[0].pdf_path}")
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert smtp_inbox.messages == []

    # Issued again with the database back: one PDF, one message, nothing stale.
    monkeypatch.setattr(issuance, "create_signed", real)
    certificate, created = issuance.issue(qualification, holder, None, by=trainer, language="kk")
    assert created and file_storage.exists(f"certificates/{certificate.pdf_path}")
    assert [m.to_address for m in db.session.scalars(select(OutboxMessage))] == [holder.email]


def test_a_failed_commit_after_send_mail_sends_nothing_then_or_later(
    app, make_user, smtp_inbox, monkeypatch
):
    user = make_user()
    dispatched: list[int] = []
    monkeypatch.setattr(mail, "dispatch", dispatched.append)
    user.display_name = "Changed"  # a write in progress: the message waits for its commit
    message = mail.send_mail(
        user,
        "password_reset",
        "password_reset",
        subject="Reset",
        user=user,
        reset_url="https://x/r",
        hours=1,
    )
    assert message is not None
    _fail_next_commit()
    with pytest.raises(OperationalError):
        db.session.commit()
    db.session.rollback()
    assert dispatched == [] and smtp_inbox.messages == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    user.display_name = "Again"
    db.session.commit()  # a later commit of the same session does not send the stale message
    assert dispatched == [] and smtp_inbox.messages == []
