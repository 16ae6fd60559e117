"""Journey 2: a trainer's working week, in a real browser against the live server.

Prerequisites that are not trainer actions (criteria, a rubric, a qualification, the course
itself) are made through services; every trainer action goes through the pages. The module
editor's live preview of plain text is covered in ``test_courses.py``; this journey adds an
uploaded image to it.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from PIL import Image
from playwright.sync_api import expect

from assessments import rubrics
from assessments.rubrics import LineSpec
from certificates.models import QualificationKind
from certificates.qualifications import QualificationData, save_qualification
from courses.models import CourseStatus
from quizzes import bank
from quizzes.demo import CRITERIA
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.accessibility import assert_accessible

pytestmark = pytest.mark.e2e

TRAINEE_A = ("Айгерім Сәрсенова", "aigerim.sarsenova@example.kz")
TRAINEE_B = ("Boris Kim", "boris.kim@example.kz")


def _log_in(page, base: str, email: str) -> None:
    page.set_default_timeout(10_000)
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard$"))


def _criteria() -> dict:
    for code, title, must_pass, floor, thresholds in CRITERIA:
        bank.ensure_criterion(code, title, must_pass=must_pass, floor=floor, thresholds=thresholds)
    return {code: bank.criterion_by_code(code) for code, *_ in CRITERIA}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _accept_next_dialog(page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())


def test_trainer_writes_an_illustrated_module_and_builds_a_drawn_quiz(
    live_server, page, trainer, make_course
):
    criteria = _criteria()
    course = make_course("Seating and caucus", modules=0, status=CourseStatus.DRAFT)
    base = live_server.url
    _log_in(page, base, trainer.email)

    # An image through the course's files page; the page shows the Markdown to use.
    page.goto(f"{base}/manage/courses/{course.slug}")
    assert_accessible(page)
    page.get_by_role("link", name="Images and materials").click()
    images = page.locator("section[aria-labelledby=images-heading]")
    images.locator("input[type=file]").set_input_files(
        {"name": "seating-plan.png", "mimeType": "image/png", "buffer": _png()}
    )
    images.get_by_label("Title shown to trainees").fill("Seating plan")
    images.get_by_role("button", name="Upload").click()
    page.get_by_text(re.compile(r"“seating-plan.*\.png” uploaded\.")).wait_for()
    markdown = images.locator("code").first.inner_text()
    assert re.fullmatch(r"!\[Seating plan\]\(images/seating-plan[\w-]*\.png\)", markdown)

    # The module: Markdown with the image, checked in the live preview, then saved.
    page.goto(f"{base}/manage/courses/{course.slug}/modules/new")
    assert_accessible(page)
    page.get_by_label("Title").fill("Where everyone sits")
    page.get_by_label("Text (Markdown)").fill(
        f"## The table\n\nThe mediator sits at the **head** of the table.\n\n{markdown}"
    )
    preview = page.locator("#preview-pane")
    preview.get_by_role("heading", name="The table").wait_for()
    image = preview.get_by_role("img", name="Seating plan")
    image.wait_for()
    assert "seating-plan" in image.get_attribute("src")
    page.get_by_role("button", name="Save module").click()
    page.get_by_text("Module “Where everyone sits” saved.").wait_for()

    # As trainees will see it: the image is served and decodes.
    page.goto(f"{base}/courses/{course.slug}/where-everyone-sits")
    shown = page.locator(".module-body").get_by_role("img", name="Seating plan")
    shown.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 24", arg=shown.element_handle()
    )

    # Three questions for one criterion, written through the bank's form.
    law = criteria["C1-LAW"]
    for number in range(1, 4):
        page.goto(f"{base}/manage/quizzes/courses/{course.id}/bank/new/true_false")
        assert_accessible(page)
        page.get_by_label("Key").fill(f"seating-{number}")
        page.get_by_label("Criterion").select_option(str(law.id))
        page.get_by_label("Question text (Markdown)").fill(
            f"Statement {number}: the mediator may meet each party separately."
        )
        # Wait for the live preview, so that its request has finished before the save.
        page.locator("#stem-preview").get_by_text(f"Statement {number}:").wait_for()
        page.get_by_label("True", exact=True).check()
        page.get_by_role("button", name="Save question").click()
        page.get_by_text(f"Question “seating-{number}” saved.").wait_for()

    # A quiz that draws per criterion.
    page.goto(f"{base}/manage/quizzes/courses/{course.id}/quizzes/new")
    assert_accessible(page)
    page.get_by_label("Title").fill("Seating check")
    page.get_by_label("Questions", exact=True).select_option("draw")
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Quiz “Seating check” created. Now choose its questions.").wait_for()
    rules = page.locator("#draw-rules")
    available = rules.get_by_role("row", name=re.compile(r"^C1-LAW"))
    assert available.get_by_role("cell").last.inner_text() == "3"

    rules.get_by_label("Criterion").select_option(str(law.id))
    rules.get_by_label("Number of questions").fill("2")
    rules.get_by_role("button", name="Add rule").click()
    page.get_by_text("Rule added.").wait_for()
    rules = page.locator("#draw-rules")
    rule_rows = rules.locator("table").first.locator("tbody tr")
    expect(rule_rows).to_have_count(1)
    assert re.search(r"C1-LAW.*\bany\b\s+2\b", rule_rows.first.inner_text(), re.S)

    # A rule the bank cannot satisfy is refused with its reason, and nothing is added.
    ethics = criteria["C3-ETH"]
    rules.get_by_label("Criterion").select_option(str(ethics.id))
    rules.get_by_label("Number of questions").fill("1")
    rules.get_by_role("button", name="Add rule").click()
    page.get_by_text("C3-ETH: 1 questions wanted, the bank has 0.").first.wait_for()
    expect(page.locator("#draw-rules table").first.locator("tbody tr")).to_have_count(1)

    # A rule asking for more than the criterion's bank holds is refused too.
    page.locator("#draw-rules").get_by_role("button", name="Remove").click()
    page.get_by_text("Rule removed.").wait_for()
    rules = page.locator("#draw-rules")
    rules.get_by_label("Criterion").select_option(str(law.id))
    rules.get_by_label("Number of questions").fill("4")
    rules.get_by_role("button", name="Add rule").click()
    page.get_by_text("C1-LAW: 4 questions wanted, the bank has 3.").first.wait_for()
    rules = page.locator("#draw-rules")
    rules.get_by_label("Number of questions").fill("3")
    rules.get_by_role("button", name="Add rule").click()
    page.get_by_text("Rule added.").wait_for()


def test_trainer_runs_a_seminar_from_roster_to_certificates(
    live_server, page, trainer, make_course
):
    criteria = _criteria()
    course = make_course("Mediation practice", modules=1)
    rubrics.create_rubric(
        course,
        title="Caucus role-play",
        kind="role_play",
        lines=[
            LineSpec("Opening statement", criteria["C2-PROC"].id, "quality"),
            LineSpec("Agreement signed by both parties", criteria["C6-DRAFT"].id, "checklist"),
        ],
    )
    save_qualification(
        QualificationData(
            slug="caucus-seminar-attendance",
            kind=QualificationKind.ATTENDANCE.value,
            titles={"en": "Caucus seminar: attendance"},
            disclaimers={"en": "Training on this platform; not a state qualification."},
            min_hours="3",
            requires_identity=True,
        )
    )
    base = live_server.url
    _log_in(page, base, trainer.email)

    # The seminar and its two sessions.
    page.goto(f"{base}/manage/seminars/new")
    assert_accessible(page)
    page.get_by_label("Course").select_option(label="Mediation practice")
    page.get_by_label("Title").fill("Caucus in practice, Almaty")
    page.get_by_label("Seats").fill("10")
    page.locator("main").get_by_label("Language").select_option("en")
    page.get_by_role("button", name="Save seminar").click()
    page.get_by_text("Seminar created. Add its sessions, then open registration.").wait_for()
    seminar_id = int(re.search(r"/manage/seminars/(\d+)/sessions/new", page.url).group(1))
    for topic, day in (("Opening the caucus", "2026-03-02"), ("Closing the caucus", "2026-03-03")):
        if "/sessions/new" not in page.url:
            page.get_by_role("link", name="Add session").click()
        page.get_by_label("Date").fill(day)
        page.get_by_label("Starts").fill("10:00")
        page.get_by_label("Ends").fill("13:00")
        page.get_by_label("Topic").fill(topic)
        page.get_by_label("Academic hours").fill("3")
        page.get_by_role("button", name="Save session").click()
        page.get_by_text("Session added.").wait_for()
    expect(page.get_by_role("link", name="Attendance", exact=True)).to_have_count(2)

    # The roster: checked first, imported on confirmation.
    page.goto(f"{base}/manage/seminars/{seminar_id}/participants")
    assert_accessible(page)
    roster = "full name;email;organisation\n{};{};Almaty Mediation Centre\n{};{};\n".format(
        *TRAINEE_A, *TRAINEE_B
    )
    page.get_by_label("Roster (.csv)").set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": roster.encode("utf-8-sig")}
    )
    page.get_by_role("button", name="Check the roster").click()
    page.get_by_role("heading", name=re.compile("Roster preview")).wait_for()
    expect(page.get_by_role("cell", name=TRAINEE_A[1])).to_have_count(1)
    page.get_by_role("button", name="Import 2 people").click()
    page.get_by_text(
        "Roster imported: 2 registered, 0 on the waitlist, 0 already there."
    ).wait_for()

    # Attendance of the first session: marked, saved, signed off.
    page.goto(f"{base}/manage/seminars/{seminar_id}")
    assert_accessible(page)
    page.get_by_role("link", name="Attendance", exact=True).first.click()
    page.get_by_role("heading", name="Attendance: Opening the caucus").wait_for()
    page.get_by_role("group", name=f"Attendance of {TRAINEE_A[0]}").get_by_label(
        "Present", exact=True
    ).check()
    page.get_by_role("group", name=f"Attendance of {TRAINEE_B[0]}").get_by_label(
        "Absent", exact=True
    ).check()
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("Attendance saved (2 changed).").wait_for()
    _accept_next_dialog(page)
    page.get_by_role("button", name="Sign off attendance").click()
    page.get_by_text(
        "Attendance signed off. Later changes need a reason and are logged."
    ).wait_for()
    expect(page.get_by_role("button", name="Save attendance")).to_have_count(0)

    # The role-play: scored with the rubric, reviewed, signed off.
    page.goto(f"{base}/manage/assessments/new")
    assert_accessible(page)
    page.get_by_label("Rubric", exact=True).select_option(
        label="Caucus role-play (Mediation practice)"
    )
    page.get_by_label("Seminar (optional)").select_option(label="Caucus in practice, Almaty")
    page.get_by_role("button", name="Show trainees").click()
    page.get_by_label("Trainee", exact=True).select_option(label=f"{TRAINEE_A[0]} ({TRAINEE_A[1]})")
    page.get_by_role("button", name="Start the assessment").click()
    page.get_by_text("Assessment started. Score each line, then sign it off.").wait_for()
    page.get_by_role("group", name=re.compile("Opening statement")).get_by_label("4 strong").check()
    page.get_by_role("group", name=re.compile("Agreement signed")).get_by_label("present").check()
    page.get_by_label("Feedback for the trainee").fill("Calm, clear opening.")
    page.get_by_role("button", name="Save and review for sign-off").click()
    page.wait_for_url(re.compile(r"/sign-off$"))
    assert_accessible(page)
    _accept_next_dialog(page)
    page.get_by_role("button", name="Sign off", exact=True).click()
    page.get_by_text("Assessment signed off. It can no longer change.").wait_for()
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)

    # Certificates: confirm one identity, issue to everyone eligible, download the PDFs.
    page.goto(f"{base}/manage/certificates/seminars/")
    assert_accessible(page)
    page.get_by_role("link", name="Caucus in practice, Almaty").click()
    page.get_by_label("Qualification").select_option(label="Caucus seminar: attendance")
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_role("link", name=f"Confirm identity ({TRAINEE_A[0]})").click()
    assert page.get_by_label("Full name as on the identity document").input_value() == TRAINEE_A[0]
    page.get_by_role("button", name="Confirm identity").click()
    page.get_by_text(f"Identity of {TRAINEE_A[0]} confirmed.").wait_for()
    _accept_next_dialog(page)
    page.get_by_role("button", name="Issue to all eligible").click()
    # POST, redirect, GET: a job issues the PDFs; its page shows the outcome and the way back.
    result = page.locator("[data-issue-summary]")
    result.wait_for()
    assert "1 certificate issued now." in result.inner_text()
    assert "1 participant is not eligible:" in result.inner_text()
    assert TRAINEE_B[0] in result.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Back to issuing for Caucus in practice, Almaty").click()
    number = page.locator("a.font-monospace").inner_text().strip()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download all PDFs (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename == f"seminar-{seminar_id}-certificates.zip"
    with zipfile.ZipFile(download.path()) as archive:
        names = archive.namelist()
        assert names == [f"{number}.pdf"]
        assert archive.read(names[0]).startswith(b"%PDF-")
