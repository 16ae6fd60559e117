"""Bulk issue reads top-down: one gather for the seminar, a pure checklist per participant,
one write pass. The statements run do not grow with the number of participants, through the
service and through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from certificates import bulk_issuance, eligibility
from certificates.models import Certificate
from certificates.qualifications import confirm_identity, sign_declaration
from courses import learning
from lms import jobs
from lms.extensions import db

from .test_manage_pages import issue_url, seminar_with  # noqa: F401  (a fixture)

DECLARATION = "I will be impartial."


@pytest.fixture
def course(make_course):
    return make_course("Required course", modules=3)


@pytest.fixture
def rich(make_qualification, course):
    """Every kind of evidence the gather reads: a course, hours, a declaration, identity."""
    return make_qualification(
        kind="qualification",
        course_ids=[course.id],
        min_hours="8",
        declaration_text=DECLARATION,
        requires_identity=True,
        min_age=18,
    )


@pytest.fixture
def seminar_of(make_user, seminar_with, course, rich, trainer, issue_to):  # noqa: F811
    """A seminar of ``size`` eligible participants, one more who already holds the
    certificate and one who is not eligible (absent, nothing done)."""
    from datetime import date

    def factory(size: int):
        eligible = [make_user(full_name=f"Trainee {size}-{n}") for n in range(size + 1)]
        for person in eligible:
            learning.enrol(person, course)
            for module in course.modules:
                learning.complete_module(person, module)
            sign_declaration(person, rich, person.full_name)
            confirm_identity(
                person,
                legal_name=person.full_name,
                date_of_birth=date(1990, 1, 1),
                higher_education=False,
                by=trainer,
            )
        absent = make_user(full_name=f"Absent {size}")
        seminar = seminar_with(eligible, [absent], title=f"Seminar of {size}")
        issue_to(rich, eligible[-1], seminar)  # holds it already
        return seminar

    return factory


def _issued(seminar) -> int:
    return db.session.scalar(
        select(func.count(Certificate.id)).where(Certificate.seminar_id == seminar.id)
    )


def test_bulk_issue_runs_as_many_statements_for_2_as_for_6_participants(
    seminar_of, rich, trainer, count_queries, without_certificate_mail
):
    counts = []
    for size in (2, 6):
        seminar = seminar_of(size)
        db.session.commit()
        db.session.expire_all()  # what a new request starts from
        with count_queries() as counted:
            result = bulk_issuance.bulk_issue(rich, seminar, by=trainer)
        counts.append(counted.n)
        assert len(result.issued) == size
        assert len(result.already) == 1 and len(result.not_eligible) == 1
        assert _issued(seminar) == size + 1
    assert counts[0] == counts[1], f"bulk issue: {counts[0]} statements for 2, {counts[1]} for 6"


def test_the_issuing_page_and_its_bulk_issue_run_as_many_statements_for_2_as_for_6(
    seminar_of, rich, trainer_client, count_queries, held_jobs
):
    pages, posts = [], []
    for size in (2, 6):
        seminar = seminar_of(size)
        with count_queries() as counted:
            page = trainer_client.get(issue_url(seminar, rich))
        assert page.status_code == 200
        pages.append(counted.n)
        token = trainer_client.csrf_token()
        with count_queries() as counted:
            response = trainer_client.post(
                f"/manage/certificates/seminars/{seminar.id}/issue",
                data={"qualification": str(rich.id), "csrf_token": token},
            )
        assert response.status_code == 303
        posts.append(counted.n)
        # The request checks and records the job; the job writes (a commit per certificate).
        assert _issued(seminar) == 1
        jobs.run(held_jobs.pop())
        assert _issued(seminar) == size + 1
        text = trainer_client.get(response.headers["Location"]).get_data(as_text=True)
        assert f"{size} certificates issued now." in text
        assert "1 participant already had one" in text
    assert pages[0] == pages[1], f"issuing page: {pages[0]} statements for 2, {pages[1]} for 6"
    assert posts[0] == posts[1], f"bulk issue: {posts[0]} statements for 2, {posts[1]} for 6"


def test_each_participant_is_evaluated_once_and_without_a_query(
    seminar_of, rich, trainer, count_queries, monkeypatch
):
    seminar = seminar_of(3)
    calls = []
    real = eligibility.evaluate

    def counting(qualification, evidence, today):
        with count_queries() as counted:
            result = real(qualification, evidence, today)
        calls.append(counted.n)
        return result

    monkeypatch.setattr(eligibility, "evaluate", counting)
    bulk_issuance.bulk_issue(rich, seminar, by=trainer)
    assert calls == [0] * 4  # 3 eligible and the absent one: once each, pure; not the holder
