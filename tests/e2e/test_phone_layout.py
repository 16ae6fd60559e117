"""Issue 20 on a 375-pixel phone, as each demo role in its own language (en, ru, kk):
no page scrolls sideways, a course's Enrol button is on the first screen, and the lists
that become cards on a phone (.table-stack) keep every cell on the screen."""

from __future__ import annotations

import pytest

from lms.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 375, 800

# The demo's trainees Dmitry (English) and Maria (Russian) are enrolled in nothing, Әсел
# (Kazakh) in every course but the skills one: each sees Enrol there.
ROLES = {
    "stranger": (
        None,
        [
            "/",
            "/courses/",
            "/courses/mediator-ethics",
            "/courses/mediator-ethics/confidentiality-dilemmas",
            "/seminars/",
            "/seminars/1",
            "/verify",
        ],
        [],
    ),
    "trainee-kk": (
        "asel@example.kz",
        [
            "/dashboard",
            "/courses/",
            "/courses/mediation-agreements",
            "/courses/mediation-agreements/two-documents",
            "/quizzes/",
            "/quizzes/4",
            "/certificates/",
            "/seminars/1",
            "/assessments/",
        ],
        ["/courses/mediation-skills"],
    ),
    "trainee-en": (
        "dmitry@example.kz",
        ["/dashboard", "/certificates/"],
        ["/courses/mediation-skills"],
    ),
    "trainee-ru": (
        "maria@example.kz",
        ["/dashboard", "/certificates/"],
        ["/courses/mediator-ethics"],
    ),
    "trainer-kk": (
        "aigerim.trainer@example.kz",
        [
            "/dashboard",
            "/manage/courses",
            "/manage/courses/mediation-agreements",
            "/manage/quizzes/",
            "/manage/quizzes/1/gradebook",
            "/manage/seminars/",
            "/manage/seminars/1",
            "/manage/seminars/1/participants",
            "/manage/certificates/",
        ],
        [],
    ),
    "admin-ru": (
        "admin@example.kz",
        ["/dashboard", "/admin/users", "/admin/users/4", "/manage/certificates/"],
        [],
    ),
}

# Every cell of a stacked list is on the screen (none left beyond the right edge).
CELLS_OFF_SCREEN = """() => [...document.querySelectorAll('.table-stack td, .table-stack tbody th')]
  .filter(cell => cell.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .length"""


@pytest.fixture
def demo_site(app, live_server, seed_demo):
    seed_demo()
    return live_server


def _too_wide(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("role", list(ROLES))
def test_key_pages_fit_a_phone_and_enrol_is_on_the_first_screen(demo_site, browser, role):
    email, urls, enrol_pages = ROLES[role]
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    if email:
        page.goto(demo_site.url + "/login")
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("#submit")
        page.wait_for_url("**/dashboard")
    else:  # a stranger's certificate check: the demo's valid certificate
        from sqlalchemy import select

        from certificates.models import Certificate
        from lms.extensions import db

        urls = urls + [
            f"/verify/{number}"
            for number in db.session.scalars(select(Certificate.number).limit(1))
        ]
    problems = []
    stacked = 0
    for url in urls + enrol_pages:
        response = page.goto(demo_site.url + url)
        if response.status >= 400:
            problems.append((url, response.status))
        if _too_wide(page):
            problems.append((url, "scrolls sideways"))
        if off := page.evaluate(CELLS_OFF_SCREEN):
            problems.append((url, f"{off} list cells off-screen"))
        stacked += page.locator(".table-stack").count()
    for url in enrol_pages:
        page.goto(demo_site.url + url)
        button = page.locator('form[action$="/enrol"] button[type=submit]')
        assert button.count() == 1, url
        box = button.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, (url, box)
    context.close()
    assert problems == []
    if role in ("trainer-kk", "admin-ru"):
        assert stacked, "the trainer's and the administrator's lists are stacked on a phone"


def test_a_stranger_sees_log_in_on_a_course_s_first_screen(demo_site, browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="ru-RU")
    page = context.new_page()
    page.goto(demo_site.url + "/courses/mediation-skills")
    login = page.locator("aside .card-body a.btn-primary")
    box = login.bounding_box()
    context.close()
    assert box is not None and box["y"] + box["height"] <= HEIGHT


def test_on_a_desktop_the_enrol_card_stays_beside_the_cover(demo_site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(demo_site.url + "/login")
    page.fill("#email", "dmitry@example.kz")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_url("**/dashboard")
    page.goto(demo_site.url + "/courses/mediation-skills")
    card = page.locator('form[action$="/enrol"]').bounding_box()
    cover = page.locator(".course-layout .module-body").bounding_box()
    context.close()
    assert card["x"] > cover["x"] + cover["width"], "the card is in the right-hand column"


@pytest.mark.parametrize("width", [1200, 1280])
@pytest.mark.parametrize(
    "email", ["asel@example.kz", "maria@example.kz", "aigerim.trainer@example.kz", None]
)
def test_the_header_fits_one_line_on_a_desktop_in_every_language(demo_site, browser, width, email):
    """The main bar (menu, search, languages, account) never pushes the page sideways at the
    widths where it is not collapsed, in the languages with the longest labels."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    if email:
        page.goto(demo_site.url + "/login")
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("#submit")
        page.wait_for_url("**/dashboard")
    problems = []
    for language in ("kk", "ru", "en"):
        page.goto(demo_site.url + ("/dashboard" if email else "/"))
        page.click(f"button[name=language][value={language}]")
        page.wait_for_load_state()
        height = page.evaluate(
            "document.querySelector('.site-navbar').getBoundingClientRect().height"
        )
        if _too_wide(page) or height > 70:
            problems.append((language, "scrolls sideways" if _too_wide(page) else height))
    context.close()
    assert problems == []
