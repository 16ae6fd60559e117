"""A trainer starts the seminar ZIP as a background job; its page follows the job without
being reloaded by hand and offers the file when it is ready (axe-clean while waiting)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from certificates.models import Certificate
from lms import jobs
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.job_models import JobRecord

pytestmark = pytest.mark.e2e


@pytest.fixture
def config_overrides() -> dict:
    """The request only queues the job; the test plays the worker."""
    return {"JOBS_IMMEDIATE": False}


def test_the_job_page_shows_the_download_when_the_worker_is_done(
    app, live_server, seed_demo, browser
):
    seed_demo()
    page = browser.new_page()
    page.goto(live_server.url + "/login")
    page.fill("#email", "aigerim.trainer@example.kz")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    db.session.commit()
    qualification_id = db.session.scalar(
        select(Certificate.qualification_id).where(Certificate.seminar_id == 1).limit(1)
    )
    page.goto(live_server.url + f"/manage/certificates/seminars/1?qualification={qualification_id}")
    page.click("form[action$='/certificates.zip/prepare'] button")  # in the trainer's language
    page.wait_for_url("**/jobs/*")
    assert page.locator("[data-job-progress]").get_attribute("value") == "0"
    expect(page.locator("a[href$='/result']")).to_have_count(0)
    violations = [
        (v["id"], v["impact"])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert violations == []

    db.session.commit()
    (record,) = db.session.scalars(select(JobRecord)).all()
    jobs.run(record.id)  # what a worker does
    link = page.locator(f"a[href='/jobs/{record.id}/result']")
    link.wait_for(timeout=15_000)  # the page's script noticed, no reload by the test
    assert page.locator("[data-job-progress]").get_attribute("value") == "100"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith("-certificates.zip")
    page.close()


def test_a_large_course_import_shows_the_course_when_the_worker_is_done(
    app, live_server, seed_demo, browser, tmp_path
):
    from tests.courses.test_content_io import course_files, zip_files

    seed_demo()
    app.config["COURSE_IMPORT_BACKGROUND_KB"] = 0  # every archive is imported by a job
    archive = tmp_path / "conflict-basics.zip"
    archive.write_bytes(zip_files(course_files()))
    page = browser.new_page()
    page.goto(live_server.url + "/login")
    page.fill("#email", "aigerim.trainer@example.kz")
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():  # signed in before going on
        page.click("#submit")
    page.goto(live_server.url + "/manage/courses/import")
    page.set_input_files("input[type=file]", str(archive))
    page.click("form[enctype] button[type=submit], form[enctype] input[type=submit]")
    page.wait_for_url("**/jobs/*")
    expect(page.locator("[data-job-details]")).to_have_count(0)  # nothing to show yet

    db.session.commit()
    (record,) = db.session.scalars(select(JobRecord)).all()
    jobs.run(record.id)  # what a worker does
    link = page.locator("a[href$='/manage/courses/conflict-basics']")
    link.wait_for(timeout=15_000)  # the page reloaded itself when the job ended
    assert "Conflict basics" in page.locator("[data-job-details]").inner_text()  # in Kazakh
    violations = [
        (v["id"], v["impact"])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert violations == []
    link.click()
    page.wait_for_url("**/manage/courses/conflict-basics")
    page.close()
