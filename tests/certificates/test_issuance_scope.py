"""Which certificates count as "the same one", what is stated about hours, bad hours input,
and a PDF lost from storage."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from certificates import issuance, rendering
from certificates.models import Certificate, QualificationKind
from certificates.qualifications import QualificationData, save_qualification
from lms.extensions import db
from lms.service_error import ServiceError
from tests.certificates.factories import make_seminar, seat


def test_a_qualification_not_about_a_seminar_is_issued_once_whatever_the_seminar(
    make_qualification, make_user, make_course, trainer
):
    qualification = make_qualification(kind=QualificationKind.QUALIFICATION.value)
    holder = make_user()
    course = make_course("Seminar course")
    first = make_seminar(course, trainer, [("Day 1", 4)], title="Spring")
    second = make_seminar(course, trainer, [("Day 1", 4)], title="Autumn")
    seat(first, holder)
    seat(second, holder)
    claimed, created = issuance.issue(qualification, holder, None, by=trainer)
    assert created
    for seminar in (first, second):
        again, created = issuance.issue(qualification, holder, seminar, by=trainer)
        assert not created and again.id == claimed.id
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_an_attendance_certificate_is_one_per_seminar(
    make_qualification, make_user, make_course, trainer
):
    qualification = make_qualification()  # attendance
    holder = make_user()
    course = make_course("Seminar course")
    first = make_seminar(course, trainer, [("Day 1", 4)], title="Spring")
    second = make_seminar(course, trainer, [("Day 1", 4)], title="Autumn")
    one, _ = issuance.issue(qualification, holder, first, by=trainer)
    two, created = issuance.issue(qualification, holder, second, by=trainer)
    assert created and one.id != two.id


def test_hours_are_not_stated_they_are_not_public(
    make_qualification, make_user, make_course, trainer
):
    course = make_course("Seminar course")
    seminar = make_seminar(course, trainer, [("Day 1", 4)])
    plain = make_qualification(kind=QualificationKind.QUALIFICATION.value)
    attendance = make_qualification()
    holder = make_user()
    stated, _ = issuance.issue(plain, holder, seminar, by=trainer)
    attended, _ = issuance.issue(attendance, holder, seminar, by=trainer)
    # certificates.public_record: hours attended are not part of the public record.
    assert "hours" not in stated.facts and "hours" not in attended.facts


@pytest.mark.parametrize("hours", ["NaN", "sNaN", "Infinity", "-1", "1e9", "abc", "36.55"])
def test_nonsense_hours_are_refused(app, hours):
    data = QualificationData(
        slug="hours",
        kind="attendance",
        titles={"en": "T"},
        disclaimers={"en": "D"},
        min_hours=hours,
    )
    with pytest.raises(ServiceError) as refused:
        save_qualification(data)
    assert refused.value.field == "min_hours"


def test_a_pdf_lost_from_storage_is_rendered_again_with_the_same_bytes(
    app, make_qualification, issue_to, make_user, login
):
    holder = make_user(email="holder@example.kz")
    certificate = issue_to(make_qualification(), holder)
    issued = (issuance.pdf_folder() / certificate.pdf_path).read_bytes()
    (issuance.pdf_folder() / certificate.pdf_path).unlink()
    client = login(holder)
    response = client.get(f"/certificates/{certificate.id}/pdf")
    assert response.status_code == 200
    assert response.data == issued
    assert hashlib.sha256(response.data).hexdigest() == certificate.pdf_sha256


def test_a_lost_pdf_that_renders_differently_now_is_a_clear_404_not_a_crash(
    app, make_qualification, issue_to, make_user, login, monkeypatch
):
    """An old certificate whose template changed since: its stored copy is the only one."""
    holder = make_user(email="holder@example.kz")
    certificate = issue_to(make_qualification(), holder)
    client = login(holder)
    monkeypatch.setattr(rendering, "render_pdf", lambda facts, url, token: b"%PDF-1.7 newer")
    # The stored copy still matches the recorded hash: served as issued.
    kept = client.get(f"/certificates/{certificate.id}/pdf")
    assert hashlib.sha256(kept.data).hexdigest() == certificate.pdf_sha256
    (issuance.pdf_folder() / certificate.pdf_path).unlink()
    assert client.get(f"/certificates/{certificate.id}/pdf").status_code == 404
    # A copy whose bytes differ from the recorded hash is never served either.
    (issuance.pdf_folder() / certificate.pdf_path).write_bytes(b"%PDF-1.4 tampered")
    assert client.get(f"/certificates/{certificate.id}/pdf").status_code == 404
