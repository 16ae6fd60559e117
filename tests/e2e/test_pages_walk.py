"""Every page type, as a stranger and as each demo role, on a desktop and a 375-pixel phone:
no serious or critical axe violation, no server error, nothing wider than the screen."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from lms.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PAGES = {
    None: [
        "/",
        "/login",
        "/signup",
        "/courses/",
        "/courses/mediator-ethics",
        "/courses/mediator-ethics/confidentiality-dilemmas",
        "/seminars/",
        "/seminars/1",
        "/verify",
        "/verify/XYZ",
        "/mediators",
        "/no-such-page",
    ],
    "asel@example.kz": [
        "/dashboard",
        "/courses/mediation-agreements",
        "/seminars/1",
        "/quizzes/",
        "/quizzes/4",
        "/certificates/",
        "/assessments/",
        "/assessments/standing",
        "/account",
        "/account/security",
    ],
    "aigerim.trainer@example.kz": [
        "/dashboard",
        "/manage/courses",
        "/manage/courses/mediation-agreements",
        "/manage/courses/mediation-agreements/files",
        "/manage/seminars/",
        "/manage/seminars/1",
        "/manage/seminars/1/participants",
        "/manage/seminars/1/sessions/1/attendance",
        "/manage/quizzes/",
        "/manage/quizzes/1/gradebook",
        "/manage/quizzes/marking",
        "/manage/quizzes/criteria",
        "/manage/quizzes/courses/3/bank",
        "/manage/quizzes/courses/3/bank/new",
        "/manage/quizzes/courses/3/bank/new/matching",
        "/manage/quizzes/bank/46",
        "/manage/quizzes/bank/46/edit",
        "/manage/quizzes/questions/46/audit",
        "/manage/quizzes/courses/3/quizzes/new",
        "/manage/quizzes/4/edit",
        "/manage/quizzes/4/questions",
        "/manage/quizzes/3/questions",
        "/manage/quizzes/4/items",
        "/manage/assessments/",
        "/manage/assessments/rubrics",
        "/manage/assessments/rubrics/1",
        "/manage/assessments/1",
        "/manage/assessments/2",
        "/manage/assessments/2/sign-off",
        "/manage/assessments/new?rubric=1&seminar=1",
        "/manage/certificates/",
        "/manage/certificates/seminars/",
        "/manage/certificates/seminars/1?qualification=1",
        "/manage/certificates/1",
        "/manage/certificates/identity/4?seminar=1",
        "/manage/certificates/qualifications",
    ],
    "admin@example.kz": [
        "/dashboard",
        "/admin/users",
        "/admin/users/4",
        "/admin/settings",
        "/admin/jobs",
        "/manage/courses/import",
        "/manage/quizzes/criteria/3",
        "/manage/certificates/qualifications/1",
        "/manage/certificates/qualifications/new",
    ],
}


# Pages that are meant to answer with an error; every other page must answer 2xx.
EXPECTED_ERRORS = {"/verify/XYZ": 400, "/no-such-page": 404}


@pytest.fixture
def demo_site(app, live_server, seed_demo):
    seed_demo()
    return live_server


def _verification_pages() -> list[str]:
    """The demo's certificates as a stranger checks them: valid, revoked and expired."""
    from sqlalchemy import select

    from certificates.models import Certificate
    from lms.extensions import db

    numbers = db.session.scalars(select(Certificate.number).order_by(Certificate.id))
    return [f"/verify/{number}" for number in numbers]


# Each role's pages are walked in groups of at most this many, one test each, so the walk
# spreads over the xdist workers.
GROUP = 12


def _groups():
    for email, urls in PAGES.items():
        for first in range(0, len(urls), GROUP):
            name = f"{email or 'stranger'}-{first // GROUP + 1}"
            yield pytest.param(email, urls[first : first + GROUP], first == 0, id=name)


@pytest.mark.parametrize(("email", "urls", "first_group"), list(_groups()))
@pytest.mark.parametrize("width", [1280, 375])
def test_every_page_is_accessible_and_fits_the_screen(
    demo_site, browser, width, email, urls, first_group
):
    axe = Axe()
    problems = []
    if email is None and first_group:
        urls = urls + _verification_pages()
        assert len(urls) > len(PAGES[None][:GROUP]), "the demo issues certificates"
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    if email:
        page.goto(demo_site.url + "/login")
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("#submit")
    for url in urls:
        response = page.goto(demo_site.url + url)
        violations = [
            (v["id"], v["impact"])
            for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        too_wide = page.evaluate("document.documentElement.scrollWidth") > width + 1
        wrong_status = response.status != EXPECTED_ERRORS.get(url, response.status) or (
            url not in EXPECTED_ERRORS and response.status >= 400
        )
        if violations or wrong_status or too_wide:
            problems.append((email, url, response.status, violations, too_wide))
    context.close()
    assert problems == []
