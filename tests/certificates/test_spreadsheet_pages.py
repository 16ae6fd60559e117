"""Certificates from a spreadsheet through HTTP: the page and template in three languages, a
dry run that writes nothing, "Apply" and its result file, the same reference applied twice,
a plan changed since the dry run, a hostile file, and who may use the page."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from certificates import lifecycle, sheet_job, spreadsheet_io
from certificates.models import Certificate, CertificateEvent
from lms import jobs
from lms.extensions import db
from lms.job_models import JobRecord

from .factories import complete
from .sheets import (
    assert_no_formula_in_csv,
    assert_no_formula_in_xlsx,
    csv_bytes,
    read_csv,
    read_xlsx,
    row,
)

PAGE = "/manage/certificates/spreadsheet"


@pytest.fixture
def setup(make_qualification, make_course, make_user, trainer, issue_to):
    course = make_course("Mediation law", modules=1)
    qualification = make_qualification(kind="qualification", course_ids=[course.id])
    ready, fresh = make_user(email="ready@example.kz"), make_user(email="fresh@example.kz")
    for person in (ready, fresh):
        complete(person, course)
    held = issue_to(qualification, ready)
    data = csv_bytes(
        [
            row("issue", email=fresh.email, qualification=qualification.slug, reason="=1+1"),
            row("revoke", number=held.number, reason="complaint", code="issued_in_error"),
        ]
    )
    return qualification, fresh, held, data


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Certificate)),
        db.session.scalar(select(func.count()).select_from(CertificateEvent)),
    )


def upload(client, data: bytes, name: str = "certificates.csv"):
    """Upload, then follow the 303 to the dry run (a GET page)."""
    response = client.post_form(PAGE, {"file": (io.BytesIO(data), name)})
    if response.status_code != 303:
        return response
    assert "/spreadsheet/check?ref=" in response.headers["Location"]
    return client.get(response.headers["Location"])


def token_of(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "no Apply form on the page"
    return unescape(match.group(1))


def result_link(page: str, kind: str) -> str:
    match = re.search(rf'href="([^"]*/spreadsheet/result\.{kind}\?ref=[^"]+)"', page)
    assert match
    return unescape(match.group(1))


def test_dry_run_then_apply_then_the_result_file(app, trainer_client, setup):
    _qualification, fresh, held, data = setup
    before = counts()
    dry = upload(trainer_client, data)
    page = dry.get_data(as_text=True)
    assert dry.status_code == 200, page
    assert "Would issue" in page and "Would revoke" in page
    assert counts() == before  # the dry run wrote nothing
    dry_file = read_xlsx(trainer_client.get(result_link(page, "xlsx")).data)
    assert_no_formula_in_xlsx(dry_file)
    assert [line[-3].value for line in dry_file[1:]] == ["Would issue", "Would revoke"]

    applied = trainer_client.post_form(f"{PAGE}/apply", {"token": token_of(page)})
    done = applied.get_data(as_text=True)
    assert applied.status_code == 200, done
    assert "Issued" in done and "Revoked" in done
    db.session.expire_all()
    assert db.session.get(Certificate, held.id).status == "revoked"
    new = db.session.scalar(select(Certificate).where(Certificate.holder_id == fresh.id))
    assert new is not None and new.number in done

    xlsx = trainer_client.get(result_link(done, "xlsx"))
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("sheet")
    cells = read_xlsx(xlsx.data)
    assert_no_formula_in_xlsx(cells)
    assert [line[-1].value or "" for line in cells[1:]] == [new.number, ""]
    rows = read_csv(trainer_client.get(result_link(done, "csv")).data)
    assert_no_formula_in_csv(rows)
    assert rows[1][7] == "'=1+1"  # the reason, as text

    # The same reference cannot apply twice; the same file again is all "already done".
    again = trainer_client.post_form(f"{PAGE}/apply", {"token": token_of(page)})
    assert again.status_code == 409
    rerun = upload(trainer_client, data).get_data(as_text=True)
    assert "Every row is already done" in rerun and 'name="token"' not in rerun


def test_changed_since_the_dry_run_is_refused_and_shown_again(app, trainer_client, trainer, setup):
    _qualification, _fresh, held, data = setup
    page = upload(trainer_client, data).get_data(as_text=True)
    lifecycle.suspend(held, "under_review", trainer)
    before = counts()
    refused = trainer_client.post_form(f"{PAGE}/apply", {"token": token_of(page)})
    assert refused.status_code == 409
    assert "Something changed since the dry run" in refused.get_data(as_text=True)
    assert counts() == before


def test_a_row_with_an_error_offers_no_apply(app, trainer_client, setup):
    qualification, _fresh, _held, data = setup
    bad = data + b"issue,,nobody@example.kz," + qualification.slug.encode() + b",,,,,\n"
    response = upload(trainer_client, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "No active account has this e-mail." in page and 'name="token"' not in page


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"PK\x03\x04junk", "book.xlsm", "macros"),
        (b"<html><body>hi</body></html>", "page.csv", "web page"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.xlsx", "not a spreadsheet"),
    ],
)
def test_hostile_files_are_refused_with_a_message(app, trainer_client, data, name, words):
    response = upload(trainer_client, data, name)
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)


def test_only_staff_see_the_page_and_a_trainer_acts_on_their_own(
    app, trainee_client, login, make_user, setup
):
    assert trainee_client.get(PAGE).status_code == 403
    other = login(make_user("trainer"))
    page = upload(other, setup[3]).get_data(as_text=True)
    assert page.count("You do not manage") == 2


@pytest.mark.parametrize(
    ("language", "title", "header"),
    [
        ("ru", "Сертификаты из таблицы", "Действие"),
        ("kk", "Кестеден сертификаттар", "Әрекет"),
    ],
)
def test_the_page_and_template_in_russian_and_kazakh(
    app, trainer_client, setup, language, title, header
):
    trainer_client.post_form("/language", {"language": language, "next": "/"})
    page = trainer_client.get(PAGE)
    assert page.status_code == 200 and title in page.get_data(as_text=True)
    template = trainer_client.get(f"{PAGE}/template.xlsx")
    assert read_xlsx(template.data)[0][0].value == header
    csv_template = read_csv(trainer_client.get(f"{PAGE}/template.csv").data)
    assert csv_template[0][0] == header
    # The template filled in this language is understood, and the dry run speaks it.
    qualification, fresh, _held, _ = setup
    with force_locale(language):
        issue_word = spreadsheet_io.action_labels()["issue"]
    line = [issue_word, "", fresh.email, qualification.slug, "", "", "", "", ""]
    dry = upload(trainer_client, csv_bytes([line], header=csv_template[0]))
    assert dry.status_code == 200
    with force_locale(language):
        assert str(spreadsheet_io.OUTCOMES["issue"]) in dry.get_data(as_text=True)


# --- many certificates to draw: a worker -------------------------------------------------------


def _apply_in_a_job(client, data, monkeypatch):
    monkeypatch.setattr(sheet_job, "INLINE_DRAWINGS", 0)
    page = upload(client, data).get_data(as_text=True)
    response = client.post_form(f"{PAGE}/apply", {"token": token_of(page)})
    assert response.status_code == 303 and "/jobs/" in response.headers["Location"]
    return response.headers["Location"]


def test_many_certificates_to_draw_are_applied_by_a_worker(app, trainer_client, setup, monkeypatch):
    _qualification, fresh, held, data = setup
    job_url = _apply_in_a_job(trainer_client, data, monkeypatch)  # Huey's immediate mode
    record = db.session.scalar(select(JobRecord).order_by(JobRecord.id.desc()))
    assert (record.state, record.error) == ("done", None)
    assert (record.done, record.total) == (1, 1)  # one certificate drawn
    page = trainer_client.get(job_url).get_data(as_text=True)
    assert "Issued: 1" in page and "Revoked: 1" in page
    cells = read_xlsx(trainer_client.get(f"/jobs/{record.id}/result").data)
    assert_no_formula_in_xlsx(cells)
    db.session.expire_all()
    assert db.session.get(Certificate, held.id).status == "revoked"
    new = db.session.scalar(select(Certificate).where(Certificate.holder_id == fresh.id))
    assert cells[1][-1].value == new.number


def test_the_worker_applies_nothing_if_anything_changed_meanwhile(
    app, trainer_client, trainer, setup, monkeypatch, held_jobs
):
    _qualification, _fresh, held, data = setup
    _apply_in_a_job(trainer_client, data, monkeypatch)
    lifecycle.suspend(held, "under_review", trainer)
    before = counts()
    jobs.run(held_jobs[0])
    record = db.session.get(JobRecord, held_jobs[0])
    db.session.refresh(record)
    assert record.state == "failed" and "changed since the dry run" in record.error
    assert counts() == before
