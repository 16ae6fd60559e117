"""One owner each: the preview states what the issue writes (``issuance.draft``), the
latest signature of a declaration (``qualifications.latest_declaration``), and
``certificate_issued`` sent after each committed issue and never for a refused one."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from certificates import bulk_issuance, issuance, pdf, rendering
from certificates.models import Certificate
from certificates.qualifications import latest_declaration, sign_declaration
from certificates.signals import certificate_issued
from lms.extensions import db
from lms.service_error import ServiceError

from . import test_manage_pages as manage_pages
from .test_manage_pages import bulk

# The issuing fixtures of the manage pages' tests.
seminar_with = manage_pages.seminar_with
people = manage_pages.people
setting = manage_pages.setting


@contextmanager
def received():
    calls = []

    def receiver(sender, **kwargs):
        calls.append((sender, kwargs))
        kwargs["holder_id"] = kwargs["certificate"].holder_id  # read while in its session

    certificate_issued.connect(receiver)
    try:
        yield calls
    finally:
        certificate_issued.disconnect(receiver)


@pytest.fixture
def captured_facts(monkeypatch):
    """The facts each rendered PDF states, in order (the real renderer still runs)."""
    facts = []

    def capturing(real):
        def render(stated, url, token, **options):
            facts.append(dict(stated))
            return real(stated, url, token, **options)

        return render

    monkeypatch.setattr(rendering, "render_pdf", capturing(rendering.render_pdf))  # issued
    monkeypatch.setattr(pdf, "render_pdf", capturing(pdf.render_pdf))  # previews
    return facts


# --- the draft ------------------------------------------------------------------------------


def test_the_preview_states_what_the_issue_writes(trainer_client, setting, people, captured_facts):
    qualification, seminar = setting
    aida = people["aida"]
    url = f"/manage/certificates/seminars/{seminar.id}/preview/{aida.id}"
    response = trainer_client.get(url, query_string={"qualification": qualification.id})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    preview = captured_facts.pop()
    assert preview["number"] == rendering.PREVIEW_NUMBER

    assert bulk(trainer_client, seminar, qualification).status_code == 303
    issued = db.session.scalar(select(Certificate).where(Certificate.holder_id == aida.id))
    stated = issued.facts
    # The seminar's language (ru), the expiry after the validity, the same everything else.
    assert stated["language"] == preview["language"] == seminar.language == "ru"
    assert stated["expires_on"] == preview["expires_on"] is not None
    assert {k: v for k, v in stated.items() if k != "number"} == {
        k: v for k, v in preview.items() if k != "number"
    }


def test_draft_decides_language_and_dates(app, setting):
    qualification, seminar = setting
    plan = issuance.draft(qualification, seminar, language="kk")
    assert plan.language == "kk"
    assert plan.expires_on == issuance.add_months(plan.issued_on, qualification.validity_months)
    qualification.validity_months = None
    assert issuance.draft(qualification, None).expires_on is None


def test_the_latest_signature_is_the_one_that_counts(make_qualification, trainee):
    qualification = make_qualification(declaration_text="I will be impartial.")
    assert latest_declaration(trainee, qualification) is None
    sign_declaration(trainee, qualification, trainee.full_name)
    first = latest_declaration(trainee, qualification)
    sign_declaration(trainee, qualification, trainee.full_name)
    second = latest_declaration(trainee, qualification)
    assert second.id != first.id
    second.signed_at = first.signed_at - timedelta(days=1)  # signed earlier after all
    db.session.commit()
    assert latest_declaration(trainee, qualification).id == first.id


# --- certificate_issued ---------------------------------------------------------------------


def test_one_signal_per_certificate_issued_after_the_commit(app, setting, people, trainer):
    qualification, seminar = setting
    committed = []

    def receiver(sender, certificate):
        # Sent after the commit: another session already sees the row.
        with db.engine.connect() as connection:
            committed.append(
                connection.scalar(
                    select(func.count(Certificate.id)).where(Certificate.id == certificate.id)
                )
            )

    certificate_issued.connect(receiver)
    try:
        with received() as calls:
            result = bulk_issuance.bulk_issue(qualification, seminar, by=trainer)
            assert len(result.issued) == 2
            again = bulk_issuance.bulk_issue(qualification, seminar, by=trainer)
            assert again.issued == []
            _, created = issuance.issue(qualification, people["aida"], seminar, by=trainer)
            assert not created
    finally:
        certificate_issued.disconnect(receiver)
    assert committed == [1, 1]
    assert [sender for sender, _ in calls] == [app, app]
    assert sorted(kwargs["certificate"].id for _, kwargs in calls) == sorted(
        certificate.id for certificate in result.issued
    )


def test_a_single_issue_sends_one_and_a_refused_one_none(app, setting, people, trainer):
    qualification, seminar = setting
    with received() as calls:
        with pytest.raises(ServiceError):
            issuance.issue(qualification, people["carl"], seminar, by=trainer)  # absent
        assert calls == []
        certificate, created = issuance.issue(qualification, people["aida"], seminar, by=trainer)
    assert created
    assert calls == [(app, {"certificate": certificate, "holder_id": people["aida"].id})]


def test_a_rolled_back_bulk_issue_sends_none(app, setting, trainer, monkeypatch):
    qualification, seminar = setting

    def failing(certificates):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(bulk_issuance, "insert_all", failing)
    with received() as calls, pytest.raises(RuntimeError):
        bulk_issuance.bulk_issue(qualification, seminar, by=trainer)
    assert calls == []
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_issuing_through_the_pages_sends_one_per_certificate(app, trainer_client, setting, people):
    qualification, seminar = setting
    with received() as calls:
        assert bulk(trainer_client, seminar, qualification).status_code == 303
        assert bulk(trainer_client, seminar, qualification).status_code == 303  # nothing new
    holders = sorted(kwargs["holder_id"] for _, kwargs in calls)
    assert holders == sorted([people["aida"].id, people["bolat"].id])
    assert all(sender is app for sender, _ in calls)
