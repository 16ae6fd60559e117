"""Journey 1: a trainee, on a phone, from sign-up to a downloaded certificate.

Only the trainer's part (building the course, quiz, seminar and qualification; marking and
signing off the attendance sheet) runs through the services; everything the trainee does
happens in a real browser on a 375-pixel viewport.

Time between quiz attempts: the quiz asks for a 10-minute wait, the page must say so, and
the test then moves the first attempt's ``submitted_at`` 11 minutes into the past in the
database. The browser goes through the live server, whose clock the test cannot set, so
moving the recorded event back is the honest way to let 11 minutes pass.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from certificates.models import Certificate, QualificationKind
from certificates.qualifications import QualificationData, save_qualification
from courses import authoring
from courses.models import CourseStatus
from lms.database import utcnow
from lms.downloads import portable_filename
from lms.extensions import db
from lms.models import User
from quizzes import bank
from quizzes.models import Attempt, Quiz, QuizQuestion
from seminars import attendance
from seminars import authoring as seminar_authoring
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

PASSWORD = "steppe river quiet lantern"
FULL_NAME = "Айгерим Нурлановна Серикова"
PHONE = {"width": 375, "height": 800}

# (criterion, stem, right answer, wrong answers): every option text is unique on the page,
# so the trainee can click the label whatever order the questions and options come in.
QUESTIONS = [
    (
        "C1-LAW",
        "Which law governs mediation in Kazakhstan?",
        "The Law on Mediation of 28 January 2011",
        ["The Civil Procedure Code only", "The Law on Notaries"],
    ),
    (
        "C1-LAW",
        "Is mediation voluntary for the parties?",
        "Yes, both parties must agree to it",
        ["No, a judge can impose it", "Only for the claimant"],
    ),
    (
        "C1-LAW",
        "What ends a successful mediation?",
        "A written mediation agreement",
        ["An oral handshake", "A court judgment"],
    ),
    (
        "C1-LAW",
        "May a mediator disclose what was said in mediation?",
        "Not without the parties' consent",
        ["Yes, to anyone who asks", "Only to the press"],
    ),
    (
        "C7-CULT",
        "Who traditionally helped settle disputes between families?",
        "Respected elders (aksakals)",
        ["Tax inspectors", "Nobody at all"],
    ),
]
WRONG_ON_FIRST_TRY = "Yes, to anyone who asks"


def _build_everything(trainer):
    """What a trainer would have prepared: course, quiz, seminar, qualification."""
    criteria = {
        code: bank.ensure_criterion(code, title, must_pass=must, floor=floor, thresholds=limits)
        for code, title, must, floor, limits in (
            ("C1-LAW", "Knowledge of the legal framework", True, None, {"quiz": 80}),
            ("C7-CULT", "Cultural competence", False, 60, {"quiz": 70}),
        )
    }
    course = authoring.create_course(
        trainer,
        title="Mediation in Kazakhstan",
        slug="mediation-kz",
        summary="The law and the practice of mediation.",
        language="en",
    )
    authoring.create_module(
        course,
        trainer,
        title="The legal framework",
        source="## The Law on Mediation\n\nMediation is **voluntary** for both parties.",
    )
    authoring.create_module(
        course,
        trainer,
        title="Confidentiality",
        source="## What stays in the room\n\nNothing is disclosed without consent.",
    )
    authoring.set_status(course, CourseStatus.PUBLISHED)

    quiz = Quiz(
        course_id=course.id,
        slug="final",
        title="Final test",
        published=True,
        pass_mark=70,
        wait_minutes=10,
    )
    db.session.add(quiz)
    db.session.flush()
    for position, (code, stem, right, wrong) in enumerate(QUESTIONS, start=1):
        question = bank.create_question(
            course,
            key=f"journey-{position}",
            criterion=criteria[code],
            type="single_choice",
            commit=False,
            stem=stem,
            definition={
                "options": [{"text": right, "correct": True}, *({"text": w} for w in wrong)]
            },
            points=1,
            difficulty=1,
            feedback="",
            source="Law on Mediation",
            fact_tag="V",
            verified_on="2026-11-25",
            possibly_amended=False,
        )
        db.session.flush()
        quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=position))
    db.session.commit()

    seminar = seminar_authoring.create_seminar(
        course, [trainer], title="Mediation seminar, Astana", capacity=10, language="en"
    )
    # Held today (ended an hour ago): its sheet can be signed off.
    start = utcnow().replace(microsecond=0) - timedelta(hours=4)
    seminar_authoring.add_session(
        seminar,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        topic="Role-plays of family disputes",
        academic_hours=Decimal("4"),
        trainer=trainer,
    )
    db.session.refresh(seminar)
    seminar_authoring.set_status(seminar, "open")

    qualification = save_qualification(
        QualificationData(
            slug="mediator-basic",
            kind=QualificationKind.QUALIFICATION.value,
            titles={"en": "Mediator, basic level", "ru": "Медиатор", "kk": "Медиатор"},
            disclaimers={"en": "Training on this platform; not a state qualification."},
            course_ids=[course.id],
            criterion_codes=["C1-LAW", "C7-CULT"],
            min_hours="3",
            requires_identity=False,
            validity_months=36,
            self_claim=True,
        )
    )
    return quiz, seminar, qualification


def _requirement(page, label: str):
    return page.locator(".cert-checklist > li").filter(has_text=label)


def _verdicts(page) -> dict[str, str]:
    rows = page.locator(".cert-checklist > li")
    return {
        rows.nth(i).locator(".cert-requirement").inner_text(): rows.nth(i)
        .locator(".cert-verdict")
        .inner_text()
        for i in range(rows.count())
    }


def _fits_phone(page) -> None:
    """Nothing wider than the phone, and nothing axe calls serious or critical."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert_accessible(page)


def _answer(page, wrong: set[str], asked: list[str]) -> None:
    """One question per page: answer the one shown, Next; then the summary, and hand in
    there (after the confirmation every hand-in asks)."""
    total = len(QUESTIONS)
    for number in range(1, total + 1):
        for _code, _stem, right, wrongs in QUESTIONS:
            option = page.get_by_label(next((w for w in wrongs if w in wrong), right), exact=True)
            if option.count():
                option.check()
        if number < total:
            page.get_by_role("button", name="Next").click()
            page.wait_for_url(re.compile(rf"page={number + 1}$"))
    before = len(asked)
    page.get_by_role("button", name="Review and hand in").click()
    page.wait_for_url(re.compile(r"/summary$"))
    page.get_by_text("Every question has an answer.").wait_for()
    page.get_by_role("button", name="Hand in now").click()
    page.wait_for_url(re.compile(r"/result$"))
    assert asked[before:] == ["Hand in your answers? You cannot change them afterwards."]


@pytest.mark.real_pdf
def test_trainee_from_signup_to_certificate_on_a_phone(live_server, browser, trainer, request):
    base = live_server.url
    quiz, seminar, qualification = _build_everything(trainer)
    db.session.commit()

    context = browser.new_context(viewport=PHONE, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    asked: list[str] = []  # every confirmation shown, accepted
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    try:
        # --- sign up ---------------------------------------------------------------------
        page.goto(base + "/signup")
        page.get_by_label("Email").fill("aigerim@example.kz")
        page.get_by_label("Display name").fill("Aigerim")
        page.get_by_label("Full legal name").fill(FULL_NAME)
        page.get_by_label("Preferred language").select_option("en")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Repeat password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url(re.compile(r"/dashboard$"))
        page.get_by_text("Your account is ready. Welcome, Aigerim!").wait_for()
        _fits_phone(page)
        me = db.session.scalar(select(User).where(User.email == "aigerim@example.kz"))
        assert me is not None and me.role == "trainee" and me.full_name == FULL_NAME

        # --- the checklist before anything is done -------------------------------------------
        page.goto(base + "/certificates/")
        page.get_by_role("heading", name="Mediator, basic level").wait_for()
        expect(page.get_by_text("Not eligible yet: 0 of 3 requirements met.")).to_be_visible()
        assert _verdicts(page) == {
            "Complete the courses": "to do",
            "Pass the quizzes and the practical assessments": "to do",
            "Attend 3 academic hours of one seminar": "to do",
        }
        expect(page.get_by_role("button", name="Claim my certificate")).to_have_count(0)
        _fits_phone(page)

        # --- enrol and read the modules ------------------------------------------------------
        page.goto(base + "/courses/")
        page.get_by_role("link", name="Mediation in Kazakhstan").click()
        page.get_by_role("button", name="Enrol", exact=True).click()
        page.get_by_role("link", name="Start with the first module: The legal framework").click()
        page.get_by_role("heading", name="The Law on Mediation").wait_for()
        page.get_by_role("button", name="Mark as read").click()
        # Marking a module read leads on to the next one.
        page.get_by_role("heading", name="What stays in the room").wait_for()
        page.get_by_text("1 of 2 modules read (50%)").wait_for()
        page.get_by_role("button", name="Mark as read").click()
        page.get_by_text("2 of 2 modules read (100%)").wait_for()
        _fits_phone(page)

        # --- the quiz: fail one criterion, see why, wait, retake, pass ------------------------
        page.goto(base + "/quizzes/")
        page.get_by_role("link", name="Final test").first.click()
        page.wait_for_url(re.compile(rf"/quizzes/{quiz.id}$"))
        expect(page.get_by_text("Wait between attempts: 10 min.")).to_be_visible()
        page.get_by_role("button", name="Start the quiz").click()
        page.get_by_text("Question 1 of 5").wait_for()
        _fits_phone(page)
        _answer(page, {WRONG_ON_FIRST_TRY}, asked)
        expect(page.get_by_text("Not passed").first).to_be_visible()
        expect(page.get_by_text("Overall: 80%")).to_be_visible()  # the overall mark is met...
        # ...but the must-pass criterion is not, and the page says by how much.
        reason = page.get_by_text("Knowledge of the legal framework 75% < 80% required (must-pass)")
        expect(reason).to_be_visible()
        expect(page.get_by_text("Cultural competence", exact=True)).to_be_visible()
        bars = page.locator(".criterion-bar")
        assert (
            "75% / 80% required ✗ not met"
            in bars.filter(has_text="Knowledge of the legal framework").inner_text()
        )
        assert (
            "100% / 70% required ✓ met" in bars.filter(has_text="Cultural competence").inner_text()
        )
        _fits_phone(page)

        page.get_by_role("link", name="Back to the quiz").click()
        page.get_by_text("You can try again in 10 minutes.").wait_for()
        expect(page.get_by_role("button", name="Start a new attempt")).to_have_count(0)

        # Eleven minutes pass (see the module docstring).
        first = db.session.scalar(select(Attempt).where(Attempt.user_id == me.id))
        first.submitted_at = first.submitted_at - timedelta(minutes=11)
        db.session.commit()

        page.reload()
        page.get_by_role("button", name="Start a new attempt").click()
        page.get_by_text("Question 1 of 5").wait_for()
        _answer(page, set(), asked)
        page.get_by_text("Result of attempt 2").wait_for()
        expect(page.get_by_text("✓ Passed")).to_be_visible()
        expect(page.get_by_text("Overall: 100%")).to_be_visible()
        expect(page.get_by_text("(must-pass)")).to_have_count(0)
        assert (
            "100% / 80% required ✓ met"
            in bars.filter(has_text="Knowledge of the legal framework").inner_text()
        )

        # --- courses and criteria met, hours not yet -----------------------------------------
        page.goto(base + "/certificates/")
        assert _verdicts(page) == {
            "Complete the courses": "done",
            "Pass the quizzes and the practical assessments": "done",
            "Attend 3 academic hours of one seminar": "to do",
        }
        expect(page.get_by_text("Not eligible yet: 2 of 3 requirements met.")).to_be_visible()

        # --- register for the seminar --------------------------------------------------------
        page.goto(base + "/seminars/")
        page.get_by_role("link", name="Mediation seminar, Astana").click()
        page.get_by_role("button", name="Register").click()
        page.get_by_text("You are registered for “Mediation seminar, Astana”.").wait_for()
        expect(page.get_by_text("Attended: 0 of 4 academic hours")).to_be_visible()
        _fits_phone(page)

        page.goto(base + "/certificates/")
        page.get_by_role("heading", name="Seminar: Mediation seminar, Astana").wait_for()
        hours = _requirement(page, "Attend 3 academic hours of one seminar")
        assert "to do" in hours.inner_text()
        assert "0 of 3 academic hours attended, 3 to go" in hours.inner_text()

        # --- the trainer marks the sheet and signs it off (services) -------------------------
        session = seminar.sessions[0]
        attendance.save_sheet(session, {me.id: ("present", None)}, trainer)
        attendance.sign_off(session, trainer)

        page.goto(base + f"/seminars/{seminar.id}")
        expect(page.get_by_text("Attended: 4 of 4 academic hours")).to_be_visible()

        # --- every requirement met: claim the certificate ------------------------------------
        page.goto(base + "/certificates/")
        assert _verdicts(page) == {
            "Complete the courses": "done",
            "Pass the quizzes and the practical assessments": "done",
            "Attend 3 academic hours of one seminar": "done",
        }
        expect(page.get_by_text("Eligible: every requirement is met.")).to_be_visible()
        _fits_phone(page)
        page.get_by_role("button", name="Claim my certificate").click()

        certificate = db.session.scalar(select(Certificate).where(Certificate.holder_id == me.id))
        assert certificate is not None and certificate.qualification_id == qualification.id
        page.get_by_text(f"Your certificate {certificate.number} was issued.").wait_for()
        card = page.locator(".cert-card")
        assert card.locator("dd.font-monospace").inner_text() == certificate.number
        assert FULL_NAME in card.inner_text()
        expect(page.get_by_role("button", name="Claim my certificate")).to_have_count(0)
        _fits_phone(page)

        # --- download the PDF ----------------------------------------------------------------
        with page.expect_download() as download_info:
            card.get_by_role("link", name="Download PDF").click()
        download = download_info.value
        # A check character "*" is no file name's: "_" (lms.downloads.portable_filename).
        assert download.suggested_filename == portable_filename(f"{certificate.number}.pdf")
        data = Path(download.path()).read_bytes()
        assert data.startswith(b"%PDF")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
        assert FULL_NAME in " ".join(text.split())
        assert certificate.number in text
    except Exception:
        # The shared ``page`` fixture saves these for its own page; this test has a phone one.
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.nodeid.replace("/", "_").replace("::", "__")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
        raise
    finally:
        context.close()
