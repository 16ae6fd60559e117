"""The XSS payloads in chromium: the pages that show them, as each role, run nothing.

A dialog (``alert``), a script-src violation of the Content-Security-Policy reported on
the console (an injected script, handler or ``javascript:`` URL that reached the DOM and was
blocked), or a page error fails the test. ``test_xss.py`` checks the same output exactly
through the HTTP client.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessments.models import Assessment
from courses.models import Course
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import OutboxMessage, User
from quizzes.models import Attempt, AttemptQuestion, Question, QuestionVersion, Quiz
from seminars.models import Seminar
from tests.security.xss import plant

pytestmark = pytest.mark.e2e


def _pages() -> dict[str | None, list[str]]:
    asel = db.session.scalar(select(User).where(User.email == "asel@example.kz"))
    course = db.session.scalar(select(Course).where(Course.slug == "mediation-agreements"))
    module = course.modules[0]
    seminar = db.session.scalar(select(Seminar).order_by(Seminar.id))
    session = seminar.sessions[0]
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id))
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == asel.id))
    essay = db.session.scalar(
        select(AttemptQuestion.id)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.type == "free_text", Question.course_id == course.id)
    )
    question = db.session.scalar(select(Question).order_by(Question.id))
    assessment = db.session.scalar(select(Assessment).where(Assessment.user_id == asel.id))
    message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    public = [
        "/",
        "/courses/",
        f"/courses/{course.slug}",
        f"/courses/{course.slug}/{module.slug}",
        "/seminars/",
        f"/seminars/{seminar.id}",
    ]
    return {
        None: public,
        "asel@example.kz": [
            *public[1:],
            "/dashboard",
            f"/quizzes/{quiz.id}",
            f"/quizzes/attempts/{attempt.id}/result",
            "/certificates/",
            "/assessments/",
            "/account",
        ],
        "aigerim.trainer@example.kz": [
            "/dashboard",
            "/manage/courses",
            f"/manage/courses/{course.slug}",
            f"/manage/seminars/{seminar.id}",
            f"/manage/seminars/{seminar.id}/participants",
            f"/manage/seminars/{seminar.id}/sessions/{session.id}/attendance",
            f"/manage/quizzes/{quiz.id}/gradebook",
            # The demo's draw is random: asel's attempt may have drawn no essay.
            *([f"/manage/quizzes/marking/{essay}"] if essay is not None else []),
            f"/manage/quizzes/bank/{question.id}",
            f"/manage/quizzes/questions/{question.id}/audit",
            f"/manage/assessments/{assessment.id}",
            "/manage/certificates/",
        ],
        "admin@example.kz": [
            "/admin/users",
            f"/admin/users/{asel.id}",
            "/admin/outbox",
            f"/admin/outbox/{message.id}",
        ],
    }


@pytest.fixture
def hostile_site(app, live_server, seed_demo):
    seed_demo()
    plant()
    return live_server


@pytest.mark.parametrize(
    "email",
    [None, "asel@example.kz", "aigerim.trainer@example.kz", "admin@example.kz"],
    ids=["stranger", "trainee", "trainer", "admin"],
)
def test_nothing_planted_runs_in_the_browser(hostile_site, browser, email):
    pages = _pages()[email]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    ran: list[str] = []
    where = {"url": "/login"}

    def on_dialog(dialog):
        ran.append(f"{where['url']}: dialog {dialog.message!r}")
        dialog.dismiss()

    def on_console(message):
        # Script blocked by the policy means a payload reached the DOM. (Inline styles of
        # an e-mail previewed in the outbox are blocked too: harmless, not counted.)
        if "Content Security Policy" in message.text and "script-src" in message.text:
            ran.append(f"{where['url']}: {message.text}")

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: ran.append(f"{where['url']}: page error {error}"))
    try:
        if email:
            page.goto(hostile_site.url + "/login")
            page.fill("#email", email)
            page.fill("#password", DEMO_PASSWORD)
            page.click("#submit")
            page.wait_for_url("**/dashboard")
        shown = 0
        for url in pages:
            where["url"] = url
            response = page.goto(hostile_site.url + url)
            assert response.status < 400, (url, response.status)
            page.wait_for_load_state("load")
            if "onerror=alert" in page.inner_text("body"):
                shown += 1
            flags = page.evaluate("() => [window.__xss, document.querySelector('svg[onload]')]")
            assert flags == [None, None], (url, flags)
        assert shown >= 2, f"the payloads were shown (as text) on only {shown} pages"
    finally:
        context.close()
    assert not ran, "\n".join(ran)
