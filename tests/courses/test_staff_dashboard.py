"""The staff dashboard: "My courses" shows the most recently changed courses (a bounded list
with a link to the full one), the administrator's account counts are right, and the page
runs the same number of SQL statements however many courses, users and attempts there are."""

from __future__ import annotations

import pytest

from courses import authoring
from courses.dashboard import TEACHING_PANEL_SIZE
from lms.models import Role


def _titles_in_order(page: str, titles: list[str]) -> list[str]:
    return sorted((t for t in titles if t in page), key=page.index)


def test_my_courses_shows_the_most_recently_changed_and_links_to_all(make_course, trainer_client):
    courses = [make_course(f"Course {n:02d}", modules=1) for n in range(TEACHING_PANEL_SIZE)]
    titles = [course.title for course in courses]
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert _titles_in_order(page, titles) == titles[::-1]  # newest first, all of them
    assert "Show all courses" not in page

    extra = make_course("Course extra", modules=1, status="draft")
    oldest = courses[0]
    authoring.update_course(
        oldest,
        title="Course 00 renamed",
        slug=oldest.slug,
        summary=oldest.summary,
        language=oldest.language,
        cover_source="",
    )
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    shown = _titles_in_order(page, ["Course 00 renamed", extra.title, *titles[1:]])
    assert shown[:2] == ["Course 00 renamed", extra.title]
    assert len(shown) == TEACHING_PANEL_SIZE and titles[1] not in shown  # the oldest left
    assert '<a class="d-inline-block mt-2" href="/manage/courses">Show all courses</a>' in page
    assert page.count(">Draft</span>") == 1 and page.count(">Published</span>") == 7
    # The full list has them all.
    full = trainer_client.get("/manage/courses").get_data(as_text=True)
    assert all(title in full for title in titles[1:])


@pytest.mark.parametrize(
    "language, published, draft, show_all",
    [
        ("ru", "Опубликован", "Черновик", "Показать все курсы"),
        ("kk", "Жарияланған", "Жоба", "Барлық курстарды көрсету"),
    ],
)
def test_my_courses_speaks_the_readers_language(
    language, published, draft, show_all, make_course, trainer_client
):
    make_course("Draft one", modules=1, status="draft")
    for n in range(TEACHING_PANEL_SIZE):
        make_course(f"Published {n}", modules=1)
    trainer_client.post_form("/language", {"language": language, "next": "/dashboard"})
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert page.count(f">{published}</span>") == TEACHING_PANEL_SIZE
    assert f">{draft}</span>" not in page  # the oldest, past the list's end
    assert f'href="/manage/courses">{show_all}</a>' in page


def test_the_administrator_sees_how_many_accounts_have_each_role(make_user, admin_client):
    for role, n in (("trainee", 3), ("trainer", 2)):
        for _ in range(n):
            make_user(role)
    page = admin_client.get("/dashboard").get_data(as_text=True)
    card = page[page.index(">Accounts<") :]
    expected = {Role.TRAINEE: 3, Role.TRAINER: 2, Role.ADMIN: 1}
    for role, count in expected.items():
        assert f'<dt class="col-8 fw-normal">{role.label}</dt>' in card
        after = card[card.index(f">{role.label}</dt>") :]
        assert after.split('<dd class="col-4 text-end mb-1">', 1)[1].startswith(f"{count}<")


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_staff_dashboards_run_a_constant_number_of_queries(
    role, make_user, make_course, login, count_queries
):
    user = make_user(role)
    browser = login(user)

    def add(start: int, number: int) -> None:
        for n in range(start, start + number):
            make_course(f"Course {n}", owner=user, modules=2)
            make_user("trainee")

    def measure() -> int:
        with count_queries() as counted:
            assert browser.get("/dashboard").status_code == 200
        return counted.n

    add(0, 2)
    small = measure()
    add(2, TEACHING_PANEL_SIZE + 2)
    assert measure() == small


def test_the_full_list_of_my_courses_is_paged_in_a_constant_number_of_queries(
    make_course, trainer, login, count_queries
):
    browser = login(trainer)

    def measure(url: str = "/manage/courses") -> tuple[int, str]:
        with count_queries() as counted:
            response = browser.get(url)
        assert response.status_code == 200
        return counted.n, response.get_data(as_text=True)

    make_course("Course 00", modules=2, status="draft")
    small, page = measure()
    assert "Course 00" in page and ">Draft</span>" in page and ">2</td>" in page
    for n in range(1, 27):
        make_course(f"Course {n:02d}", modules=1)
    large, page = measure()
    assert large == small
    assert "Course 24" in page and "Course 25" not in page  # 25 a page, by title
    assert 'href="/manage/courses?page=2"' in page
    _, second = measure("/manage/courses?page=2")
    assert "Course 25" in second and "Course 26" in second and "Course 00" not in second


def test_panels_built_once_per_scope_answer_for_each_user(
    app, make_user, make_course, make_seminar, trainer
):
    """The staff panels' statements are built once per kind of user (administrator, trainer,
    anyone else), the user bound when they run: each trainer still sees only their own
    courses and seminars, the administrator every one, a trainee none."""
    from courses.dashboard import teaching_panel
    from seminars.dashboard import running_panel

    other = make_user("trainer")
    admin = make_user("admin")
    trainee = make_user("trainee")
    mine = make_course("Mine", modules=1)
    theirs = make_course("Theirs", owner=other, modules=1)
    taught = make_seminar("Taught by me", course=mine)
    # ``other`` trains a seminar of a course they do not own: theirs by the trainer rule.
    guest = make_seminar("Guest trainer", course=mine, trainers=[other])

    def courses(user):
        return {row.title for row in teaching_panel(user)["courses"]}

    def seminars(user):
        return {row["seminar"].title for row in running_panel(user)["rows"]}

    with app.test_request_context("/"):
        assert courses(trainer) == {"Mine"}
        assert courses(other) == {"Theirs"}
        assert courses(admin) == {"Mine", "Theirs"}
        assert courses(trainee) == set()
        assert seminars(trainer) == {taught.title, guest.title}  # the owner of the course
        assert seminars(other) == {guest.title}
        assert seminars(admin) == {taught.title, guest.title}
        assert seminars(trainee) == set()
        assert theirs.id not in {row.id for row in teaching_panel(trainer)["courses"]}
