"""A completed course stays completed when modules are added to it, and a holder is shown what
they hold, never "not yet" for it (issue 14, "eligibility drifts under holders")."""

from __future__ import annotations

from sqlalchemy import select

from certificates import eligibility
from courses import authoring, editions, learning
from courses.models import CourseCompletion
from lms.extensions import db

from . import test_manage_pages as manage_pages
from .test_manage_pages import issue_url, page_text

seminar_with = manage_pages.seminar_with  # a fixture


def _read_every_module(client, course):
    for module in course.modules:
        response = client.post_form(f"/courses/{course.slug}/{module.slug}/complete")
        assert response.status_code == 302


def test_a_course_completed_stays_completed_when_a_module_is_added(
    trainee, trainee_client, trainer, make_course, make_qualification
):
    course = make_course("Mediation law", modules=2)
    qualification = make_qualification(kind="qualification", course_ids=[course.id])
    learning.enrol(trainee, course)
    _read_every_module(trainee_client, course)
    assert (
        db.session.scalar(
            select(CourseCompletion).where(CourseCompletion.user_id == trainee.id)
        ).modules_total
        == 2
    )
    assert eligibility.check(trainee, qualification, None).eligible

    added = authoring.create_module(course, trainer, title="Amendments of 2026", source="New.")

    editions.publish_edition(course)  # the module reaches trainees
    db.session.refresh(course)
    result = eligibility.check(trainee, qualification, None)
    assert result.eligible, result.missing
    assert learning.course_progress(trainee, course).done == 2  # the new one is unread

    dashboard = page_text(trainee_client.get("/dashboard"))
    assert "Not eligible yet" not in dashboard and "modules left" not in dashboard
    assert "Eligible: every requirement is met." in dashboard
    assert "1 new module since" in dashboard
    course_page = page_text(trainee_client.get(f"/courses/{course.slug}"))
    assert "You completed this course on" in course_page
    assert "New since you completed" in course_page and added.title in course_page
    certificates = page_text(trainee_client.get("/certificates/"))
    assert "Not eligible yet" not in certificates


def test_a_course_not_completed_before_the_module_was_added_needs_it(
    trainee, trainee_client, trainer, make_course, make_qualification
):
    course = make_course("Mediation law", modules=2)
    qualification = make_qualification(kind="qualification", course_ids=[course.id])
    learning.enrol(trainee, course)
    learning.complete_module(trainee, course.modules[0])
    authoring.create_module(course, trainer, title="Amendments of 2026", source="New.")
    editions.publish_edition(course)  # the module reaches trainees
    db.session.refresh(course)
    assert eligibility.check(trainee, qualification, None).missing == [
        "Mediation law: 2 of 3 modules left"
    ]
    learning.complete_module(trainee, course.modules[1])
    learning.complete_module(trainee, course.modules[2])
    assert eligibility.check(trainee, qualification, None).eligible


def test_a_holder_sees_held_never_not_yet_for_what_they_hold(
    trainee,
    trainee_client,
    trainer,
    trainer_client,
    make_course,
    make_qualification,
    issue_to,
    seminar_with,
):
    course = make_course("Mediation law", modules=2)
    qualification = make_qualification(kind="qualification", course_ids=[course.id])
    learning.enrol(trainee, course)
    _read_every_module(trainee_client, course)
    seminar = seminar_with([trainee])
    certificate = issue_to(qualification, trainee, seminar)
    # Completion taken away by hand (as if recorded before completions existed) and the
    # course grown: the holder's evidence no longer meets the rule, yet they hold it.
    db.session.execute(CourseCompletion.__table__.delete())
    db.session.commit()
    authoring.create_module(course, trainer, title="Amendments of 2026", source="New.")
    editions.publish_edition(course)  # the module reaches trainees
    assert not eligibility.check(trainee, qualification, None).eligible

    dashboard = page_text(trainee_client.get("/dashboard"))
    assert "Held: valid until" in dashboard
    assert "Not eligible yet" not in dashboard and "modules left" not in dashboard
    mine = page_text(trainee_client.get("/certificates/"))
    assert f"Held: certificate {certificate.number} · valid until" in mine
    assert "Not eligible yet" not in mine
    issuing = page_text(trainer_client.get(issue_url(seminar, qualification)))
    assert "Holds this certificate" in issuing and "Not yet" not in issuing
