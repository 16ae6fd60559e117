"""Issue 20's pages in a real browser at 1280 pixels, on the seeded demo (each demo user in
their own language): a published course's next edition, the certificate design with its
SAMPLE preview, the administrators' settings in the footer and on the certificate, the
calendar and its .ics files, the site search in Cyrillic, and the analytics charts."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from certificates.models import Qualification
from courses import learning
from courses.models import Course, CourseCompletion
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import User

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def demo_site(app, live_server, seed_demo):
    seed_demo()
    return live_server


@pytest.fixture
def open_as(browser, demo_site):
    """``open_as(email)``: a 1280-pixel page logged in as that demo user; JavaScript errors
    on any page it opens are collected in ``page.errors``."""
    contexts = []

    def log_in(email: str):
        context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(demo_site.url + "/login")
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("#submit")
        page.wait_for_url("**/dashboard")
        return page

    yield log_in
    for context in contexts:
        context.close()


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _pdf_text(page, url: str) -> str:
    if url.startswith("/"):
        url = page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + url
    response = page.request.get(url)
    assert response.ok and response.body().startswith(b"%PDF"), url
    return " ".join(
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split()
    )


def test_a_published_course_changes_in_a_draft_and_a_new_edition(demo_site, open_as):
    course = db.session.scalar(select(Course).where(Course.slug == "mediation-agreements"))
    edition = course.edition
    dmitry = _user("dmitry@example.kz")  # English; completes the course before the change
    learning.enrol(dmitry, course)
    for module in course.modules:
        learning.complete_module(dmitry, module)
    assert db.session.scalar(select(CourseCompletion).where(CourseCompletion.user_id == dmitry.id))
    trainer = open_as("aigerim.trainer@example.kz")  # owns the demo courses
    base = demo_site.url
    trainer.goto(f"{base}/manage/courses/{course.slug}")
    trainer.locator(f'a[href="/manage/courses/{course.slug}/modules/new"]').first.click()
    trainer.fill("#title", "Settlements in online mediation")
    trainer.fill("#source", "## Signing at a distance\n\nBoth parties sign the same text.")
    trainer.locator("#submit").click()
    # The module waits in the draft: trainees do not see it yet.
    trainer.locator("#edition.alert-warning").wait_for()
    reader = open_as("dmitry@example.kz")
    reader.goto(f"{base}/courses/{course.slug}")
    expect(reader.get_by_text("Settlements in online mediation")).to_have_count(0)
    trainer.locator(f'#edition a[href="/manage/courses/{course.slug}/edition"]').click()
    assert "Settlements in online mediation" in trainer.locator("#changes").inner_text()
    completed = trainer.locator("#affected-completed").inner_text()
    assert "Дмитрий Андреевич Соколов" in completed
    trainer.locator(f"form[action='/manage/courses/{course.slug}/edition'] button").click()
    trainer.locator("#edition.alert-light").wait_for()
    db.session.expire_all()
    assert db.session.get(Course, course.id).edition == edition + 1
    # Dmitry keeps his completion (of the edition he read) and is told what is new.
    reader.goto(f"{base}/dashboard")
    learning_panel = reader.locator(".learning-list li").filter(has_text="agreement")
    text = learning_panel.first.inner_text()
    assert f"Completed edition {edition}" in text and "1 new module since" in text
    reader.goto(f"{base}/courses/{course.slug}")
    reader.get_by_text("Settlements in online mediation").first.wait_for()
    assert trainer.errors == [] and reader.errors == []


@pytest.mark.real_pdf
def test_the_trainer_picks_a_certificate_template_with_a_live_sample_preview(demo_site, open_as):
    qualification = db.session.scalars(select(Qualification).order_by(Qualification.id)).first()
    page = open_as("aigerim.trainer@example.kz")
    page.goto(f"{demo_site.url}/manage/certificates/qualifications/{qualification.id}/design")
    preview = page.locator("#design-preview")
    first = preview.get_attribute("src")
    page.select_option("#language", "en")
    page.select_option("#template", "bilingual")
    page.wait_for_function(
        "src => { const i = document.getElementById('design-preview');"
        " return i.src.indexOf(src) < 0 && i.complete && i.naturalWidth > 0; }",
        arg=first,
    )
    src = preview.get_attribute("src")
    assert "template=bilingual" in src and "language=en" in src
    png = page.request.get(demo_site.url + src if src.startswith("/") else src)
    assert Image.open(io.BytesIO(png.body())).size[0] == 1200
    text = _pdf_text(page, page.locator("#design-preview-pdf").get_attribute("href"))
    assert "ҮЛГІ / ОБРАЗЕЦ" in text  # the bilingual template's SAMPLE mark, in kk and ru
    page.locator("#submit").click()
    page.locator(".alert-success").wait_for()
    db.session.expire_all()
    assert db.session.get(Qualification, qualification.id).certificate_template == "bilingual"
    assert page.errors == []


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.real_pdf
def test_the_settings_name_the_organisation_in_the_footer_and_on_the_certificate(
    demo_site, open_as
):
    page = open_as("admin@example.kz")  # Russian
    page.goto(f"{demo_site.url}/admin/settings")
    page.fill("#organisation_name_en", "Almaty Mediation Centre")
    page.fill("#organisation_name_ru", "Алматинский центр медиации")
    page.set_input_files(
        "#logo", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.locator("#submit").click()
    page.locator(".alert-success").wait_for()
    footer = page.locator("footer.site-footer strong")
    assert footer.inner_text() == "Алматинский центр медиации"
    logo = page.locator("img[src$='/admin/settings/images/logo']")
    assert logo.evaluate("image => image.complete && image.naturalWidth") == 120
    qualification = db.session.scalars(select(Qualification).order_by(Qualification.id)).first()
    page.goto(f"{demo_site.url}/manage/certificates/qualifications/{qualification.id}/design")
    assert page.locator("footer.site-footer strong").inner_text() == "Алматинский центр медиации"
    url = f"/manage/certificates/qualifications/{qualification.id}/design/preview.pdf?language=en"
    assert "Almaty Mediation Centre" in _pdf_text(page, demo_site.url + url)
    assert page.errors == []


def test_the_calendar_page_and_its_ics_files(demo_site, open_as):
    page = open_as("asel@example.kz")  # Kazakh; holds seats in the demo seminars
    page.goto(f"{demo_site.url}/seminars/calendar")
    page.locator("table.calendar-month").wait_for()
    expect(page.locator("table.calendar-month caption")).to_have_count(1)
    upcoming = page.locator(".calendar-upcoming a").first
    upcoming.click()
    with page.expect_download() as download:
        page.locator("a[href$='/calendar.ics']").click()
    calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
    assert calendar.walk("VEVENT"), "the seminar's file has its sessions"
    # The personal feed: made on the account page, read by a calendar program.
    page.goto(f"{demo_site.url}/seminars/calendar")
    page.locator("a[href='/account/calendar']").click()
    page.locator("form[action$='/account/calendar/new'] button").click()
    address = page.locator("#feed-url").input_value()
    feed = page.request.get(demo_site.url + urlsplit(address).path)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    assert events and all(event.get("UID") for event in events)
    assert page.errors == []


@pytest.mark.parametrize(
    ("email", "word", "groups"),
    [
        ("aigerim.trainer@example.kz", "медиатор", ("modules", "questions", "seminars")),
        ("maria@example.kz", "медиации", ("modules", "seminars")),
    ],
)
def test_the_search_finds_modules_questions_and_seminars_by_a_cyrillic_word(
    demo_site, open_as, email, word, groups
):
    page = open_as(email)
    page.fill("header input[type=search]", word)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    for group in groups:
        section = page.locator(f"section[aria-labelledby='search-{group}']")
        assert section.locator(".search-results a").count() >= 1, group
    first = page.locator("section[aria-labelledby='search-modules'] .search-results a").first
    first.click()
    page.wait_for_url(re.compile(r"/courses/"))
    assert page.errors == []


@pytest.mark.parametrize("email", ["aigerim.trainer@example.kz", "admin@example.kz"])
def test_the_analytics_charts_are_inline_svg_without_script_errors(demo_site, open_as, email):
    page = open_as(email)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(f"{demo_site.url}/analytics")
    charts = page.locator("figure svg[role=img]")
    assert charts.count() >= 3
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 50
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    assert page.errors == [] and console == []
