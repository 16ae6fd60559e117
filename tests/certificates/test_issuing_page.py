"""The trainer's issuing page and bulk issue: qualifications that are not per seminar, what
counts as "already holding one", POST-redirect-GET, and queries that do not grow with the
number of participants."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import event, select

from certificates import lifecycle
from certificates.models import Certificate
from courses import learning
from lms import jobs
from lms.extensions import db

from . import test_manage_pages as manage_pages
from .test_manage_pages import bulk, issue_url, page_text

# The issuing fixtures of the manage pages' tests.
seminar_with = manage_pages.seminar_with
people = manage_pages.people
setting = manage_pages.setting


def _issue_button(html: str) -> str:
    return re.search(r"<button[^>]*>Issue to all eligible</button>", html).group(0)


def test_a_qualification_not_per_seminar_shows_its_holders_after_a_bulk_issue(
    trainer_client,
    make_qualification,
    seminar_with,
    people,
):
    # Kind "qualification", no hours, no named sessions: one certificate per holder, key 0.
    qualification = make_qualification(kind="qualification")
    assert not qualification.per_seminar
    seminar = seminar_with([people["aida"], people["bolat"]])
    before = trainer_client.get(issue_url(seminar, qualification)).get_data(as_text=True)
    assert "disabled" not in _issue_button(before)

    response = bulk(trainer_client, seminar, qualification)
    assert response.status_code == 303
    job_page = trainer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 certificates issued now." in page_text_of(job_page)
    assert f'href="{issue_url(seminar, qualification)}"' in job_page.replace("&amp;", "&")
    html = trainer_client.get(issue_url(seminar, qualification)).get_data(as_text=True)
    text = page_text_of(html)
    assert "0 of 2 participants can be issued a certificate now; already holding one: 2." in text
    certificates = list(db.session.scalars(select(Certificate)))
    assert len(certificates) == 2 and {c.seminar_key for c in certificates} == {0}
    for certificate in certificates:
        assert certificate.number in text
    assert "none yet" not in text
    assert "Download all PDFs (ZIP)" in text
    assert "disabled" in _issue_button(html)

    archive = zipfile.ZipFile(
        io.BytesIO(
            trainer_client.get(
                f"/manage/certificates/seminars/{seminar.id}/certificates.zip",
                query_string={"qualification": qualification.id},
            ).data
        )
    )
    assert sorted(archive.namelist()) == sorted(f"{c.number}.pdf" for c in certificates)


def page_text_of(html: str) -> str:
    class Fake:
        def get_data(self, as_text=True):
            return html

    return page_text(Fake())


def test_a_holder_of_another_seminars_certificate_holds_it_here_too(
    trainer_client,
    make_qualification,
    seminar_with,
    people,
    issue_to,
):
    """Not per seminar: a certificate issued through one seminar is the one the holder has,
    so the next seminar's page shows it and the ZIP for that qualification holds it."""
    qualification = make_qualification(kind="qualification")
    first = seminar_with([people["aida"]], title="First")
    second = seminar_with([people["aida"]], title="Second")
    held = issue_to(qualification, people["aida"], first)
    text = page_text(trainer_client.get(issue_url(second, qualification)))
    assert "0 of 1 participants can be issued a certificate now; already holding one: 1." in text
    assert held.number in text and "Holds this certificate" in text


def test_a_revoked_certificate_is_not_already_holding_one_and_is_not_issued_again(
    trainer_client,
    trainer,
    setting,
    people,
):
    qualification, seminar = setting
    bulk(trainer_client, seminar, qualification)
    aida = db.session.scalar(select(Certificate).where(Certificate.holder_id == people["aida"].id))
    lifecycle.revoke(aida, "other", trainer, note="Obtained by fraud")

    text = page_text(trainer_client.get(issue_url(seminar, qualification)))
    assert "0 of 3 participants can be issued a certificate now; already holding one: 1." in text
    assert "1 participant has a revoked, suspended or expired certificate" in text
    assert "Nothing issued: the current certificate is revoked." in text

    again = bulk(trainer_client, seminar, qualification)
    text = page_text(trainer_client.get(again.headers["Location"]))
    assert "0 certificates issued now." in text
    assert "1 participant already had one" in text  # Bolat, valid
    assert (
        "1 participant has a revoked, suspended or expired certificate, so nothing was issued "
        "to them: Аида Жумабаева (revoked)." in text
    )
    assert db.session.scalar(select(db.func.count(Certificate.id))) == 2


def _statements(action) -> int:
    statements = []

    def before(*args, **kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def _seminar_of(size, make_user, seminar_with, course):
    trainees = [make_user(full_name=f"Trainee {size}-{n}") for n in range(size)]
    for person in trainees:
        learning.enrol(person, course)
        for module in course.modules:
            learning.complete_module(person, module)
    return seminar_with(trainees, title=f"Seminar of {size}")


def test_the_issuing_page_and_bulk_issue_run_as_many_queries_for_2_as_for_5_participants(
    trainer_client,
    make_qualification,
    make_user,
    make_course,
    seminar_with,
    held_jobs,
):
    from .factories import demo_criteria

    demo_criteria()
    course = make_course("Required course", modules=3)
    # Every kind of evidence on the page: course, criteria, hours, declaration, identity.
    rich = make_qualification(
        kind="qualification",
        course_ids=[course.id],
        criterion_codes=["C1-LAW"],
        min_hours="6",
        declaration_text="I will be impartial.",
        requires_identity=True,
        min_age=18,
    )
    # What everybody meets, so bulk issue writes a certificate for each participant.
    reachable = make_qualification(kind="qualification", course_ids=[course.id])
    pages, posts = [], []
    for size in (2, 5):
        seminar = _seminar_of(size, make_user, seminar_with, course)
        pages.append(
            _statements(
                lambda seminar=seminar: (
                    trainer_client.get(issue_url(seminar, rich)).status_code == 200 or 1 / 0
                )
            )
        )

        def post(seminar=seminar):
            response = bulk(trainer_client, seminar, reachable)
            assert response.status_code == 303

        # The request checks and records the job; the job (a commit per certificate) issues.
        posts.append(_statements(post))
        jobs.run(held_jobs.pop())
        issued = db.session.scalars(
            select(Certificate).where(Certificate.seminar_id == seminar.id)
        ).all()
        assert len(issued) == size
    assert pages[0] == pages[1], f"issuing page: {pages[0]} queries for 2, {pages[1]} for 5"
    assert posts[0] == posts[1], f"bulk issue: {posts[0]} queries for 2, {posts[1]} for 5"


def test_bulk_issue_evaluates_each_participant_once(
    trainer_client, setting, people, monkeypatch, held_jobs
):
    from certificates import eligibility

    qualification, seminar = setting
    calls = []
    real = eligibility.evaluate

    def counting(qualification, evidence, today):
        calls.append(evidence)
        return real(qualification, evidence, today)

    monkeypatch.setattr(eligibility, "evaluate", counting)
    assert bulk(trainer_client, seminar, qualification).status_code == 303
    assert len(calls) == len(people)  # the request's check: Aida, Bolat and Carl once each
    jobs.run(held_jobs.pop())
    assert len(calls) == 2 * len(people)  # the job's pass: once each again
