"""Trainee pages: catalogue, course, module, enrolment, progress, dashboard, query counts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from courses import authoring, editions
from courses.models import Enrolment, ModuleCompletion
from lms.extensions import db


def test_catalogue_lists_only_published_courses(client, make_course):
    make_course("Published procedure")
    make_course("Draft ethics", status="draft")
    make_course("Archived drafting", status="archived")
    page = client.get("/courses/").get_data(as_text=True)
    assert "Published procedure" in page
    assert "Draft ethics" not in page and "Archived drafting" not in page


def test_catalogue_search_by_title_and_language(client, make_course):
    make_course("Медиация туралы заң", language="kk")
    make_course("Professional ethics", language="en")
    page = client.get("/courses/?q=ETHICS").get_data(as_text=True)
    assert "Professional ethics" in page and "Медиация туралы заң" not in page
    page = client.get("/courses/?q=медиация").get_data(as_text=True)
    assert "Медиация туралы заң" in page
    page = client.get("/courses/?language=kk").get_data(as_text=True)
    assert "Медиация туралы заң" in page and "Professional ethics" not in page
    page = client.get("/courses/?q=nothing-like-this").get_data(as_text=True)
    assert "No course matches this search" in page
    assert client.get("/courses/?language=xx&page=zz").status_code == 200


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_unpublished_courses_are_404_for_trainees_but_owners_preview(
    status, make_course, trainee_client, trainer_client
):
    course = make_course("Hidden", status=status)
    module = course.modules[0]
    for url in (f"/courses/{course.slug}", f"/courses/{course.slug}/{module.slug}"):
        assert trainee_client.get(url).status_code == 404
        assert trainer_client.get(url).status_code == 200
    assert trainee_client.post_form(f"/courses/{course.slug}/enrol").status_code == 404


def test_unenrolled_trainees_see_the_course_but_not_module_bodies(
    make_course, trainee_client, client
):
    course = make_course("Open course")
    module = course.modules[0]
    page = trainee_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Module 1" in page and "Enrol" in page
    for browser in (trainee_client, client):
        page = browser.get(f"/courses/{course.slug}/{module.slug}").get_data(as_text=True)
        assert "Text of module 1" not in page
    assert "Enrol and read" in trainee_client.get(f"/courses/{course.slug}/{module.slug}").get_data(
        as_text=True
    )


def test_enrol_in_one_click_from_a_module_and_read_it(make_course, trainee_client, trainee):
    course = make_course("Open course")
    module = course.modules[1]
    response = trainee_client.post_form(f"/courses/{course.slug}/enrol", {"module": module.slug})
    assert response.headers["Location"].endswith(f"/courses/{course.slug}/{module.slug}")
    page = trainee_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Text of module 2" in page
    assert 'href="#part-2"' in page  # table of contents
    assert "Module 1" in page  # previous link
    trainee_client.post_form(f"/courses/{course.slug}/enrol")  # twice: still one enrolment
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1


def test_marking_modules_read_moves_progress_and_the_next_module(
    make_course, trainee_client, trainee
):
    course = make_course("Three parts", modules=3)
    first, second, third = course.modules
    trainee_client.post_form(f"/courses/{course.slug}/enrol")
    response = trainee_client.post_form(f"/courses/{course.slug}/{first.slug}/complete")
    assert response.headers["Location"].endswith(f"/{second.slug}")
    page = trainee_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "1 of 3 modules read (33%)" in page
    assert f"Next module: {second.title}" in page
    dashboard = trainee_client.get("/dashboard").get_data(as_text=True)
    assert "Three parts" in dashboard and f"Next module: {second.title}" in dashboard
    for module in (second, third):
        response = trainee_client.post_form(f"/courses/{course.slug}/{module.slug}/complete")
    assert response.headers["Location"].endswith(f"/courses/{course.slug}")
    assert "3 of 3 modules read (100%)" in trainee_client.get(f"/courses/{course.slug}").get_data(
        as_text=True
    )
    completion = db.session.scalar(
        select(ModuleCompletion).where(ModuleCompletion.module_id == first.id)
    )
    assert completion.module_version == 1
    trainee_client.post_form(f"/courses/{course.slug}/{first.slug}/complete", {"undo": "1"})
    assert "2 of 3 modules read" in trainee_client.get(f"/courses/{course.slug}").get_data(
        as_text=True
    )


def test_completion_needs_enrolment(make_course, trainee_client):
    course = make_course()
    module = course.modules[0]
    assert (
        trainee_client.post_form(f"/courses/{course.slug}/{module.slug}/complete").status_code
        == 403
    )
    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 0


def test_an_updated_module_is_flagged_for_those_who_read_it(make_course, trainee_client, trainer):
    course = make_course()
    module = course.modules[0]
    trainee_client.post_form(f"/courses/{course.slug}/enrol")
    trainee_client.post_form(f"/courses/{course.slug}/{module.slug}/complete")
    authoring.update_module(module, trainer, title=module.title, slug=module.slug, source="New")
    page = trainee_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Updated since you read it" not in page  # a draft until the next edition
    editions.publish_edition(course)
    page = trainee_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Updated since you read it" in page
    assert "updated after you read it" in trainee_client.get(
        f"/courses/{course.slug}/{module.slug}"
    ).get_data(as_text=True)


def test_unknown_course_module_and_files_are_404(make_course, client):
    course = make_course()
    assert client.get("/courses/no-such-course").status_code == 404
    assert client.get(f"/courses/{course.slug}/no-such-module").status_code == 404
    assert client.get(f"/courses/{course.slug}/images/nothing.png").status_code == 404


def test_empty_dashboard_and_catalogue_say_what_to_do(trainee_client, client):
    assert "Browse the courses" in trainee_client.get("/dashboard").get_data(as_text=True)
    assert "No course is published yet" in client.get("/courses/").get_data(as_text=True)


def test_trainer_dashboard_lists_their_courses(trainer_client, make_course):
    make_course("My drafting course", status="draft")
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert "My drafting course" in page and "Draft" in page


# --- a constant number of SQL statements, however much data -------------------------------


def _build(make_course, trainee, courses: int, modules: int, start: int = 0):
    from courses import learning

    for number in range(start, start + courses):
        course = make_course(f"Course {number}", modules=modules)
        learning.enrol(trainee, course)
        learning.complete_module(trainee, course.modules[0])


@pytest.mark.parametrize("url", ["/courses/", "/dashboard", "COURSE", "MODULE"])
def test_pages_run_a_constant_number_of_queries(
    app, make_course, trainee, login, count_queries, url
):
    browser = login(trainee)

    def measure() -> int:
        target = url
        if url in ("COURSE", "MODULE"):
            course = db.session.scalar(select(authoring.Course).order_by(authoring.Course.id))
            target = f"/courses/{course.slug}"
            if url == "MODULE":
                target += f"/{course.modules[0].slug}"
        with count_queries() as counted:
            assert browser.get(target).status_code == 200
        return counted.n

    _build(make_course, trainee, courses=2, modules=2)
    small = measure()
    _build(make_course, trainee, courses=6, modules=5, start=10)
    large = measure()
    assert small == large, f"{url}: {small} queries with little data, {large} with more"


def test_dashboard_lists_my_seminars_with_the_next_session(make_seminar, trainee_client, trainee):
    from seminars import registration

    empty = trainee_client.get("/dashboard").get_data(as_text=True)
    assert "You have not registered for a seminar yet" in empty
    seminar = make_seminar("Ethics in practice", capacity=1)
    registration.register(seminar, trainee)
    page = trainee_client.get("/dashboard").get_data(as_text=True)
    assert "Ethics in practice" in page and "Registered" in page and "Next session" in page


# --- how many statements, exactly (issue 17: these pages are the busiest) --------------------


def test_the_catalogue_runs_three_statements_for_a_visitor(app, make_course, count_queries):
    """The page of courses with their total (one statement), their module counts, the
    languages their translations are complete in: nothing per course or page link."""
    for number in range(30):
        make_course(f"Course {number:02d}", modules=2)
    visitor = app.test_client()
    visitor.get("/courses/")
    with count_queries() as counted:
        page = visitor.get("/courses/?page=2").get_data(as_text=True)
    assert "Course 12" in page and "2 modules" in page and "Course 11" not in page
    assert 'aria-current="page">2<' in page and 'href="/courses/?page=3"' in page
    assert counted.n == 3
    # A page past the end shows the last one (its total counted apart).
    last = visitor.get("/courses/?page=99").get_data(as_text=True)
    assert "Course 29" in last and "Course 23" not in last


def test_the_module_page_runs_five_statements_for_an_enrolled_trainee(
    app, make_course, trainee, login, count_queries
):
    """The course with its modules (one), the shown module's texts with the enrolment (once,
    though both the page and the reading permission need it), the signed-in user, what they
    read, whether they completed the course; the course's owners only for trainers. Only
    the shown module's texts are read, not every module's."""
    from courses import learning

    course = make_course("Ethics", modules=3)
    learning.enrol(trainee, course)
    browser = login(trainee)
    shown = course.modules[1]
    url = f"/courses/{course.slug}/{shown.slug}"
    browser.get(url)
    with count_queries() as counted:
        page = browser.get(url).get_data(as_text=True)
    assert shown.html in page and "Mark as read" in page
    assert counted.n == 5
    texts = [s for s in counted.statements if ".html" in s.replace("cover_html", "")]
    assert len(texts) == 1 and "modules.id = " in texts[0]


def test_my_learning_is_one_statement_with_each_course_its_reads_and_completion(
    app, make_course, trainee, trainer, count_queries
):
    """The courses a trainee takes, when they enrolled and completed each, the modules and the
    versions they read: one joined statement (was four: enrolments, modules, reads,
    completions), whatever the number of courses; a course without modules, a draft module
    and another trainee's reads take no part."""
    from courses import learning

    done = make_course("Done", modules=2)
    started = make_course("Started", modules=3)
    empty = make_course("Empty", modules=0)
    empty.status = "published"
    db.session.commit()
    for course in (done, started, empty):
        learning.enrol(trainee, course)
    for module in done.modules:
        learning.complete_module(trainee, module)
    learning.complete_module(trainee, started.modules[1])
    authoring.create_module(started, trainer, title="Draft only")
    learning.enrol(trainer, started)
    learning.complete_module(trainer, started.modules[0])
    db.session.expire_all()
    trainee.id  # noqa: B018 (the signed-in user is loaded before the page asks)

    with count_queries() as counted:
        rows = learning.my_learning(trainee)
    assert counted.n == 1
    by_title = {row.course.title: row for row in rows}
    assert [row.course.title for row in rows] == ["Empty", "Started", "Done"]
    assert by_title["Empty"].progress.total == 0 and by_title["Empty"].minutes_left == 0
    progress = by_title["Started"].progress
    assert (progress.total, progress.done, progress.completed_at) == (3, 1, None)
    assert progress.next_module.title == "Module 1" and progress.completed == {
        started.modules[1].id: 1
    }
    finished = by_title["Done"].progress
    assert finished.finished and finished.completed_at is not None
    assert finished.completed_edition == 1 and finished.new_since == []


def test_a_viewed_course_is_read_with_its_modules_but_without_their_texts(
    app, make_course, trainee, count_queries
):
    """``viewable_course``: one statement; each module knows its course without asking the
    session (the pages ask for each module's language about thirty times); the texts are
    read for the shown module only, with the enrolment (``open_module``)."""
    from courses import learning
    from lms.extensions import db
    from lms.models import User

    course = make_course("Ethics", modules=3)
    slug, trainee_id = course.slug, trainee.id
    learning.enrol(trainee, course)
    db.session.expunge_all()
    trainee = db.session.get(User, trainee_id)
    with app.test_request_context("/"):
        with count_queries() as counted:
            viewed = learning.viewable_course(slug, trainee)
        assert counted.n == 1
        modules = list(viewed.modules)
        assert len(modules) == 3
        assert all(module.__dict__.get("course") is viewed for module in modules)
        assert all("html" not in module.__dict__ for module in modules)
        with count_queries() as counted:
            assert learning.open_module(modules[1], trainee) is True
            assert modules[1].html and modules[1].toc_json is not None
        assert counted.n == 1
        assert "html" not in modules[0].__dict__
