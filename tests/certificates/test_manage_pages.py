"""Trainer and admin certificate pages: issuing per seminar, preview, ZIP, identity, the
register and its CSV, one certificate's life, qualifications, and who may see what."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from certificates import issuance, lifecycle
from certificates.models import (
    Certificate,
    CertificateEvent,
    IdentityConfirmation,
    Qualification,
)
from courses import authoring, learning
from lms.database import utcnow
from lms.extensions import db
from quizzes.models import Criterion
from seminars import attendance, registration
from seminars import authoring as seminar_authoring


def page_text(response) -> str:
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def seminar_with(make_course, trainer):
    """A seminar run by ``trainer``: two signed-off 4-hour sessions; ``present`` people were
    at both, ``absent`` people at none."""

    def factory(present=(), absent=(), *, title: str = "Basic training"):
        course = make_course(f"Course for {title}")
        seminar = seminar_authoring.create_seminar(
            course, [trainer], title=title, capacity=10, language="ru", venue="Astana"
        )
        start = utcnow().replace(microsecond=0) - timedelta(days=5)
        for number in range(2):
            seminar_authoring.add_session(
                seminar,
                starts_at=start + timedelta(days=number),
                ends_at=start + timedelta(days=number, hours=3),
                topic=f"Day {number + 1}",
                academic_hours=Decimal("4"),
                trainer=trainer,
            )
        for person in (*present, *absent):
            registration.add_participant(seminar, person)
        db.session.refresh(seminar)
        for session in seminar.sessions:
            marks = {p.id: ("present", "") for p in present}
            marks.update({p.id: ("absent", "") for p in absent})
            attendance.save_sheet(session, marks, trainer)
            attendance.sign_off(session, trainer)
        db.session.refresh(seminar)
        return seminar

    return factory


@pytest.fixture
def people(make_user):
    return {
        "aida": make_user(full_name="Аида Жумабаева"),
        "bolat": make_user(full_name="Болат Серікұлы"),
        "carl": make_user(full_name="Carl Absent"),
    }


@pytest.fixture
def setting(make_qualification, seminar_with, people):
    """Aida and Bolat attended 8 hours, Carl none; the qualification needs 6."""
    qualification = make_qualification(min_hours="6")
    seminar = seminar_with([people["aida"], people["bolat"]], [people["carl"]])
    return qualification, seminar


@pytest.fixture
def stranger(make_user, login):
    """A trainer with no link to the seminar or its course."""
    return login(make_user("trainer"))


def issue_url(seminar, qualification) -> str:
    return f"/manage/certificates/seminars/{seminar.id}?qualification={qualification.id}"


def bulk(client, seminar, qualification):
    return client.post_form(
        f"/manage/certificates/seminars/{seminar.id}/issue",
        {"qualification": str(qualification.id)},
    )


# --- issuing ------------------------------------------------------------------------------


def test_the_seminar_page_lists_each_participants_eligibility(trainer_client, setting):
    qualification, seminar = setting
    response = trainer_client.get(issue_url(seminar, qualification))
    assert response.status_code == 200
    text = page_text(response)
    assert "2 of 3 participants can be issued a certificate now; already holding one: 0." in text
    assert re.search(r"Carl Absent ✗ Not yet: 6 more seminar hours", text)
    assert re.search(r"Аида Жумабаева ✓ Eligible", text)
    assert text.count("Preview PDF") == 3


def test_bulk_issue_twice_creates_nothing_the_second_time(trainer_client, setting, people):
    qualification, seminar = setting
    first = bulk(trainer_client, seminar, qualification)
    # POST, redirect, GET: the PDFs are made by a job, whose page shows what it did.
    assert first.status_code == 303
    assert re.search(r"/jobs/\d+$", first.headers["Location"])
    text = page_text(trainer_client.get(first.headers["Location"]))
    assert "2 certificates issued now." in text
    assert "0 participants already had one" in text
    assert "1 participant is not eligible: Carl Absent: 6 more seminar hours" in text
    assert "Back to issuing for Basic training" in text
    text = page_text(trainer_client.get(issue_url(seminar, qualification)))
    assert "0 of 3 participants can be issued a certificate now; already holding one: 2." in text
    numbers = set(db.session.scalars(select(Certificate.number)))
    assert len(numbers) == 2

    # Nobody left to issue to: no job, the outcome at once on the issuing page.
    second = bulk(trainer_client, seminar, qualification)
    assert second.headers["Location"].endswith(issue_url(seminar, qualification))
    text = page_text(trainer_client.get(second.headers["Location"]))
    assert "0 certificates issued now." in text
    assert "2 participants already had one" in text
    assert set(db.session.scalars(select(Certificate.number))) == numbers
    assert count(CertificateEvent) == 2  # one "issue" each, nothing more


def test_bulk_issue_with_a_bad_or_retired_qualification_changes_nothing(
    trainer_client, setting, make_qualification
):
    _, seminar = setting
    url = f"/manage/certificates/seminars/{seminar.id}/issue"
    assert trainer_client.post_form(url, {"qualification": "abc"}).status_code == 400
    assert trainer_client.post_form(url, {}).status_code == 400
    retired = make_qualification(active=False)
    assert trainer_client.post_form(url, {"qualification": str(retired.id)}).status_code == 400
    assert count(Certificate) == 0


def test_the_preview_is_a_pdf_of_the_would_be_certificate_and_stores_nothing(
    app, trainer_client, setting, people
):
    qualification, seminar = setting
    url = f"/manage/certificates/seminars/{seminar.id}/preview/{people['aida'].id}"
    response = trainer_client.get(url, query_string={"qualification": qualification.id})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "PREVIEW" in text and "Аида Жумабаева" in text
    assert "8.0" not in text  # hours attended are not printed: not public
    assert count(Certificate) == 0
    assert not list((issuance.pdf_folder()).glob("*.pdf"))
    outsider = trainer_client.get(
        f"/manage/certificates/seminars/{seminar.id}/preview/{people['aida'].id + 100}"
    )
    assert outsider.status_code == 404


def test_the_zip_holds_every_standing_certificate_with_its_recorded_hash(
    trainer_client, trainer, setting
):
    qualification, seminar = setting
    bulk(trainer_client, seminar, qualification)
    certificates = list(db.session.scalars(select(Certificate)))
    response = trainer_client.get(
        f"/manage/certificates/seminars/{seminar.id}/certificates.zip",
        query_string={"qualification": qualification.id},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == sorted(f"{c.number}.pdf" for c in certificates)
    for certificate in certificates:
        data = archive.read(f"{certificate.number}.pdf")
        assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256

    lifecycle.revoke(certificates[0], "other", trainer, note="Fraud")
    after = zipfile.ZipFile(
        io.BytesIO(
            trainer_client.get(f"/manage/certificates/seminars/{seminar.id}/certificates.zip").data
        )
    )
    assert after.namelist() == [f"{certificates[1].number}.pdf"]


def test_an_empty_zip_is_not_offered(trainer_client, setting):
    _, seminar = setting
    response = trainer_client.get(f"/manage/certificates/seminars/{seminar.id}/certificates.zip")
    assert response.status_code == 302


# --- identity -----------------------------------------------------------------------------


def test_a_trainer_confirms_a_participants_identity(trainer_client, trainer, setting, people):
    qualification, seminar = setting
    aida = people["aida"]
    url = f"/manage/certificates/identity/{aida.id}?seminar={seminar.id}"
    page = trainer_client.get(url)
    assert page.status_code == 200
    assert "never asks for them" in page_text(page)
    assert "number" not in " ".join(re.findall(r'name="([^"]+)"', page.get_data(as_text=True)))
    response = trainer_client.post_form(
        url + f"&qualification={qualification.id}",
        {
            "legal_name": "  Аида   Жумабаевна ",
            "date_of_birth": "1990-05-17",
            "higher_education": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(issue_url(seminar, qualification))
    identity = db.session.scalar(select(IdentityConfirmation))
    assert identity.user_id == aida.id and identity.legal_name == "Аида Жумабаевна"
    assert identity.date_of_birth == date(1990, 5, 17) and identity.higher_education
    assert identity.confirmed_by_id == trainer.id
    listed = page_text(trainer_client.get(issue_url(seminar, qualification)))
    assert "✓ Confirmed as Аида Жумабаевна" in listed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"legal_name": ""}, "This field is required."),
        ({"legal_name": "Aida", "date_of_birth": "31/02/2020"}, "Not a valid date value."),
        ({"legal_name": "Aida", "date_of_birth": "2999-01-01"}, "Give a real date of birth."),
        ({"legal_name": "A" * 201}, "Field cannot be longer than 200 characters."),
        # The site's one name normaliser (lms.text), as on sign-up: bidi and zero-width.
        ({"legal_name": "Аида \u202eавонебамуЖ"}, "The name contains invisible control"),
        ({"legal_name": "Аида\u2066 Жумабаевна\u2069"}, "The name contains invisible control"),
        ({"legal_name": "Аида\u200b Жумабаевна"}, "The name contains invisible control"),
        ({"legal_name": "A"}, "Use at least 2 characters."),
    ],
)
def test_bad_identity_input_is_400_beside_the_field(trainer_client, setting, people, data, message):
    _, seminar = setting
    url = f"/manage/certificates/identity/{people['aida'].id}?seminar={seminar.id}"
    response = trainer_client.post_form(url, data)
    assert response.status_code == 400
    assert message in page_text(response)
    assert count(IdentityConfirmation) == 0


def test_identity_only_for_participants_of_a_seminar_the_trainer_manages(
    trainer_client, admin_client, stranger, setting, people, make_user, seminar_with
):
    _, seminar = setting
    aida, outsider = people["aida"], make_user()
    data = {"legal_name": "Aida"}
    assert (
        trainer_client.post_form(f"/manage/certificates/identity/{aida.id}", data).status_code
        == 403
    )
    elsewhere = f"/manage/certificates/identity/{outsider.id}?seminar={seminar.id}"
    assert trainer_client.post_form(elsewhere, data).status_code == 403
    theirs = f"/manage/certificates/identity/{aida.id}?seminar={seminar.id}"
    assert stranger.post_form(theirs, data).status_code == 403
    assert stranger.get(theirs).status_code == 403
    assert (
        trainer_client.get(f"/manage/certificates/identity/{aida.id}?seminar=abc").status_code
        == 404
    )
    assert (
        trainer_client.get(f"/manage/certificates/identity/{aida.id}?seminar=²").status_code == 404
    )
    assert (
        trainer_client.get(f"/manage/certificates/identity/{aida.id}?seminar=999999").status_code
        == 404
    )
    assert count(IdentityConfirmation) == 0
    # Admins confirm anyone, with or without a seminar.
    assert (
        admin_client.post_form(f"/manage/certificates/identity/{outsider.id}", data).status_code
        == 302
    )
    assert count(IdentityConfirmation) == 1


# --- the register -------------------------------------------------------------------------


@pytest.fixture
def issued(trainer_client, trainer, setting, people):
    qualification, seminar = setting
    bulk(trainer_client, seminar, qualification)
    by_holder = {c.holder_id: c for c in db.session.scalars(select(Certificate))}
    aida, bolat = by_holder[people["aida"].id], by_holder[people["bolat"].id]
    lifecycle.revoke(bolat, "other", trainer, note="Obtained by fraud")
    return aida, bolat


def test_the_register_filters_by_status_text_and_qualification(trainer_client, issued, setting):
    aida, bolat = issued
    qualification, seminar = setting
    everything = page_text(trainer_client.get("/manage/certificates/"))
    assert aida.number in everything and bolat.number in everything
    assert "2 certificates" in everything

    revoked = page_text(trainer_client.get("/manage/certificates/?status=revoked"))
    assert bolat.number in revoked and aida.number not in revoked
    valid = page_text(trainer_client.get("/manage/certificates/?status=valid"))
    assert aida.number in valid and bolat.number not in valid

    by_name = page_text(trainer_client.get("/manage/certificates/", query_string={"q": "аида"}))
    by_number = page_text(
        trainer_client.get("/manage/certificates/", query_string={"q": aida.number[-8:].lower()})
    )
    assert aida.number in by_number and bolat.number not in by_number
    if db.engine.dialect.name == "postgresql":  # SQLite's lower() knows only ASCII
        assert aida.number in by_name and bolat.number not in by_name

    other = page_text(
        trainer_client.get(f"/manage/certificates/?qualification={qualification.id + 1}")
    )
    assert "0 certificates" in other
    mine = page_text(trainer_client.get(f"/manage/certificates/?seminar={seminar.id}"))
    assert "2 certificates" in mine


def test_expired_is_a_status_of_its_own(trainer_client, issued):
    aida, _ = issued
    aida.expires_on = date.today() - timedelta(days=3)
    db.session.commit()
    expired = page_text(trainer_client.get("/manage/certificates/?status=expired"))
    assert aida.number in expired and "! Expired" in expired
    valid = page_text(trainer_client.get("/manage/certificates/?status=valid"))
    assert aida.number not in valid


@pytest.mark.parametrize(
    "query",
    [
        "qualification=abc&status=zzz&seminar=-1&page=abc",
        "q=%25%25%5F&page=99999999999",
        "qualification=99999999999999999999",
    ],
)
def test_garbage_filters_are_ignored(trainer_client, issued, query):
    assert trainer_client.get(f"/manage/certificates/?{query}").status_code == 200
    assert trainer_client.get(f"/manage/certificates/export.csv?{query}").status_code == 200


def read_csv(response) -> list[list[str]]:
    assert response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_csv_has_the_filters_of_the_page_safe_cells_and_no_email(
    trainer_client, make_user, make_qualification, seminar_with, issue_to
):
    formula = make_user(full_name='=HYPERLINK("http://evil","x")', email="formula@example.kz")
    quiet = make_user(full_name="Quiet Person", email="quiet@example.kz")
    qualification = make_qualification(min_hours="6")
    seminar = seminar_with([formula, quiet])
    bulk(trainer_client, seminar, qualification)
    rows = read_csv(trainer_client.get("/manage/certificates/export.csv"))
    assert rows[0][:5] == ["Number", "Holder", "Qualification", "Seminar", "Status"]
    assert len(rows) == 3
    holders = {row[1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil","x")' in holders  # neutralised, still readable
    assert not any("@" in cell for row in rows for cell in row)
    assert {row[4] for row in rows[1:]} == {"valid"}

    quiet_only = read_csv(
        trainer_client.get("/manage/certificates/export.csv", query_string={"q": "quiet"})
    )
    assert [row[1] for row in quiet_only[1:]] == ["Quiet Person"]


def test_an_unrelated_trainer_sees_none_of_it(stranger, issued):
    assert "0 certificates" in page_text(stranger.get("/manage/certificates/"))
    assert len(read_csv(stranger.get("/manage/certificates/export.csv"))) == 1


def test_a_course_owner_sees_the_seminars_certificates(issued, make_user, login, setting):
    _, seminar = setting
    owner = make_user("trainer")
    authoring.add_owner(seminar.course, owner.email)
    client = login(owner)
    assert "2 certificates" in page_text(client.get("/manage/certificates/"))
    assert client.get(f"/manage/certificates/{issued[0].id}").status_code == 200
    assert client.get(f"/manage/certificates/seminars/{seminar.id}").status_code == 200


def test_certificates_without_a_seminar_belong_to_the_owners_of_the_qualifications_courses(
    make_qualification, make_course, make_user, issue_to, login, stranger, trainer
):
    course = make_course("Ethics")  # owned by ``trainer``
    qualification = make_qualification(course_ids=[course.id], requires_identity=False)
    holder = make_user()
    learning.enrol(holder, course)
    for module in course.modules:
        learning.complete_module(holder, module)
    certificate = issue_to(qualification, holder)
    assert login(trainer).get(f"/manage/certificates/{certificate.id}").status_code == 200
    assert stranger.get(f"/manage/certificates/{certificate.id}").status_code == 403


# --- one certificate ----------------------------------------------------------------------


def test_the_detail_page_shows_facts_history_and_only_the_actions_that_apply(
    trainer_client, issued, trainer
):
    aida, bolat = issued
    text = page_text(trainer_client.get(f"/manage/certificates/{aida.id}"))
    assert "Аида Жумабаева" in text and aida.pdf_sha256 in text
    assert f"Issued {trainer.full_name}" in text
    for title in ("Suspend", "Revoke", "Reissue (correct an error)", "Renew"):
        assert f"{title} " in text
    assert "Reinstate" not in text
    revoked = page_text(trainer_client.get(f"/manage/certificates/{bolat.id}"))
    assert "✕ Revoked" in revoked and "Obtained by fraud" in revoked
    assert "Change this certificate" not in revoked


def test_a_reason_is_required_and_the_status_stays(trainer_client, issued):
    aida, _ = issued
    for action in ("renew", "reissue"):
        response = trainer_client.post_form(
            f"/manage/certificates/{aida.id}/{action}", {f"{action}-reason": "   "}
        )
        assert response.status_code == 400, action
        body = response.get_data(as_text=True)
        assert f'id="{action}-reason-error"' in body
        assert "Give the reason: it is kept in the audit record" in page_text(response)
    # Suspending and revoking publish a reason: one of the list, never free text.
    for action in ("suspend", "revoke"):
        for code in ("", "Complaint from a party", "unspecified"):
            response = trainer_client.post_form(
                f"/manage/certificates/{aida.id}/{action}",
                {f"{action}-reason_code": code, f"{action}-reason": "Complaint"},
            )
            assert response.status_code == 400, (action, code)
            body = response.get_data(as_text=True)
            assert f'id="{action}-reason_code-error"' in body
            assert "Choose the reason to publish from the list." in page_text(response)
    db.session.refresh(aida)
    assert aida.status == "valid" and count(Certificate) == 2


def test_revoking_shows_the_public_reason_and_keeps_the_note_internal(
    client, trainer_client, trainee_client, issued, trainer
):
    aida, _ = issued
    form = trainer_client.get(f"/manage/certificates/{aida.id}").get_data(as_text=True)
    assert '<option value="issued_in_error">Issued in error</option>' in form
    response = trainer_client.post_form(
        f"/manage/certificates/{aida.id}/revoke",
        {
            "revoke-reason_code": "ethics_breach",
            "revoke-public_note": "Decision of the ethics board of 1 December",
            "revoke-reason": "The party Serik K. complained about pressure in caucus",
        },
    )
    assert response.status_code == 302
    public = page_text(client.get(f"/verify/{aida.number}"))
    assert "Revoked" in public
    assert (
        "A breach of professional ethics was upheld — Decision of the ethics board of 1 December"
        in public
    )
    record = client.get(f"/api/v1/certificates/{aida.number}").get_json()
    assert (record["status_reason"], record["public_note"]) == (
        "ethics_breach",
        "Decision of the ethics board of 1 December",
    )
    for published in (public, str(record)):
        assert "Serik" not in published and "caucus" not in published
    staff = page_text(trainer_client.get(f"/manage/certificates/{aida.id}"))
    assert "The party Serik K. complained about pressure in caucus" in staff
    event = db.session.scalars(
        select(CertificateEvent).where(CertificateEvent.certificate_id == aida.id)
    ).all()[-1]
    assert (event.action, event.by_id, event.reason_code, event.public_note, event.reason) == (
        "revoke",
        trainer.id,
        "ethics_breach",
        "Decision of the ethics board of 1 December",
        "The party Serik K. complained about pressure in caucus",
    )


def test_suspend_then_reinstate_and_no_reissue_behind_a_suspension(trainer_client, issued):
    aida, _ = issued
    url = f"/manage/certificates/{aida.id}"
    assert (
        trainer_client.post_form(
            url + "/suspend", {"suspend-reason_code": "under_review", "suspend-reason": "Complaint"}
        ).status_code
        == 302
    )
    page = page_text(trainer_client.get(url))
    assert "! Suspended" in page and "Reinstate" in page and "Renew" not in page
    sneaky = trainer_client.post_form(
        url + "/reissue", {"reissue-reason": "x", "reissue-name": "Y"}
    )
    assert sneaky.status_code == 400 and count(Certificate) == 2
    assert (
        trainer_client.post_form(url + "/reinstate", {"reinstate-reason": "Dismissed"}).status_code
        == 302
    )
    db.session.refresh(aida)
    assert aida.status == "valid"
    again = trainer_client.post_form(url + "/reinstate", {"reinstate-reason": "Twice"})
    assert again.status_code == 400


def test_reissue_with_a_corrected_name_supersedes_and_points_to_the_new_one(
    client, trainer_client, issued
):
    aida, _ = issued
    response = trainer_client.post_form(
        f"/manage/certificates/{aida.id}/reissue",
        {"reissue-reason": "Name misspelt", "reissue-name": "Аида Жұмабаева"},
    )
    assert response.status_code == 302
    db.session.refresh(aida)
    new = db.session.get(Certificate, aida.replaced_by_id)
    assert response.headers["Location"].endswith(f"/manage/certificates/{new.id}")
    assert aida.status == "superseded" and new.facts["holder"] == "Аида Жұмабаева"
    assert new.number != aida.number
    public = page_text(client.get(f"/verify/{aida.number}"))
    assert new.number in public


def test_renew_extends_from_the_old_expiry(trainer_client, issued):
    aida, _ = issued
    response = trainer_client.post_form(
        f"/manage/certificates/{aida.id}/renew", {"renew-reason": "24 hours of CPD done"}
    )
    assert response.status_code == 302
    db.session.refresh(aida)
    assert aida.replaced_by.expires_on == issuance.add_months(aida.expires_on, 36)


def test_a_certificate_pdf_for_staff(trainer_client, stranger, issued):
    aida, _ = issued
    response = trainer_client.get(f"/manage/certificates/{aida.id}/pdf")
    assert hashlib.sha256(response.data).hexdigest() == aida.pdf_sha256
    assert stranger.get(f"/manage/certificates/{aida.id}/pdf").status_code == 403


# --- qualifications -----------------------------------------------------------------------


def qualification_form(**overrides) -> dict:
    data = {
        "slug": "cpm-basic",
        "kind": "qualification",
        "title_en": "Certified public mediator",
        "title_ru": "Общественный медиатор",
        "title_kk": "Қоғамдық медиатор",
        "disclaimer_en": "Not a state qualification.",
        "disclaimer_ru": "Не государственная квалификация.",
        "disclaimer_kk": "Мемлекеттік біліктілік емес.",
        "compensable_average": "70",
        "min_hours": "36.5",
        "required_session_topics": "Ethics\n\nAssessment\n",
        "declaration_text": "I will be impartial.",
        "declaration_valid_days": "30",
        "requires_identity": "y",
        "min_age": "21",
        "requires_higher_education": "y",
        "validity_months": "36",
        "self_claim": "y",
        "active": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_admin_creates_a_qualification_with_every_field(admin_client, make_course):
    course = make_course("Law")
    criterion = Criterion(code="C1-LAW", title="Law", must_pass=True)
    db.session.add(criterion)
    db.session.commit()
    data = qualification_form(courses=str(course.id), criteria="C1-LAW")
    response = admin_client.post_form("/manage/certificates/qualifications/new", data)
    assert response.status_code == 302
    saved = db.session.scalar(select(Qualification))
    assert saved.titles == {
        "en": "Certified public mediator",
        "ru": "Общественный медиатор",
        "kk": "Қоғамдық медиатор",
    }
    assert saved.disclaimer("kk") == "Мемлекеттік біліктілік емес."
    assert [c.id for c in saved.courses] == [course.id]
    assert [c.code for c in saved.criteria] == ["C1-LAW"]
    assert (saved.compensable_average, saved.min_hours) == (70, Decimal("36.5"))
    assert saved.session_topics == ["Ethics", "Assessment"]
    assert (saved.declaration_text, saved.declaration_valid_days) == ("I will be impartial.", 30)
    assert (saved.requires_identity, saved.min_age, saved.requires_higher_education) == (
        True,
        21,
        True,
    )
    assert (saved.validity_months, saved.self_claim, saved.active) == (36, True, True)

    # The edit form shows what was saved; unticking a box turns it off.
    edit = admin_client.get(f"/manage/certificates/qualifications/{saved.id}").get_data(
        as_text=True
    )
    assert 'value="36.5"' in edit and "Қоғамдық медиатор" in edit
    data.pop("self_claim")
    data["courses"] = None
    changed = admin_client.post_form(
        f"/manage/certificates/qualifications/{saved.id}", qualification_form(self_claim=None)
    )
    assert changed.status_code == 302
    db.session.refresh(saved)
    assert saved.self_claim is False and saved.courses == []


def test_hours_typed_with_a_decimal_comma_are_understood(admin_client):
    response = admin_client.post_form(
        "/manage/certificates/qualifications/new", qualification_form(min_hours="36,5")
    )
    assert response.status_code == 302  # "36,5" as Russian and Kazakh write it
    saved = db.session.scalar(select(Qualification))
    assert saved.min_hours == Decimal("36.5")
    edit = admin_client.get(f"/manage/certificates/qualifications/{saved.id}")
    assert 'value="36.5"' in edit.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "Not A Slug"}, "slug", "Use lower-case letters, digits and hyphens."),
        ({"min_hours": "abc"}, "min_hours", "Give the hours as a number"),
        ({"min_hours": "NaN"}, "min_hours", "Give the hours as a number"),
        ({"min_hours": "36.55"}, "min_hours", "Give the hours as a number"),
        ({"declaration_valid_days": "1e9"}, "declaration_valid_days", "Not a valid integer"),
        ({"min_age": "5"}, "min_age", "Use a whole number from 14 to 100."),
        ({"validity_months": "x"}, "validity_months", "Not a valid integer value."),
        ({"title_en": ""}, "title_en", "This field is required."),
        ({"courses": "abc"}, "courses", "Invalid choice"),
        ({"courses": "999999"}, "courses", "not a valid choice"),
        ({"criteria": "NOPE"}, "criteria", "not a valid choice"),
        ({"kind": "diploma"}, "kind", "Not a valid choice"),
    ],
)
def test_bad_qualification_input_is_400_beside_the_field(admin_client, overrides, field, message):
    response = admin_client.post_form(
        "/manage/certificates/qualifications/new", qualification_form(**overrides)
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body
    assert message.lower() in page_text(response).lower()
    assert count(Qualification) == 0


def test_trainers_read_the_qualifications_but_only_admins_change_them(
    trainer_client, admin_client, make_qualification
):
    qualification = make_qualification(min_hours="36")
    listed = trainer_client.get("/manage/certificates/qualifications")
    assert listed.status_code == 200 and qualification.title("en") in page_text(listed)
    assert "At least 36 academic hours" in page_text(listed)  # as hours read elsewhere
    assert "New qualification" not in page_text(listed)
    assert trainer_client.get("/manage/certificates/qualifications/new").status_code == 403
    url = f"/manage/certificates/qualifications/{qualification.id}"
    assert trainer_client.post_form(url, qualification_form(slug="taken")).status_code == 403
    db.session.refresh(qualification)
    assert qualification.slug != "taken"
    assert admin_client.get("/manage/certificates/qualifications/999999").status_code == 404


# --- who may do what ----------------------------------------------------------------------


def routes(seminar, certificate, person, qualification):
    s, c, u, q = seminar.id, certificate.id, person.id, qualification.id
    gets = [
        f"/manage/certificates/seminars/{s}?qualification={q}",
        f"/manage/certificates/seminars/{s}/preview/{u}?qualification={q}",
        f"/manage/certificates/seminars/{s}/certificates.zip",
        f"/manage/certificates/identity/{u}?seminar={s}",
        f"/manage/certificates/{c}",
        f"/manage/certificates/{c}/pdf",
    ]
    posts = [
        (f"/manage/certificates/seminars/{s}/issue", {"qualification": str(q)}),
        (f"/manage/certificates/identity/{u}?seminar={s}", {"legal_name": "Hacked"}),
        (f"/manage/certificates/{c}/revoke", {"revoke-reason": "Hacked"}),
        (f"/manage/certificates/{c}/suspend", {"suspend-reason": "Hacked"}),
        (f"/manage/certificates/{c}/reissue", {"reissue-reason": "Hacked", "reissue-name": "X"}),
        (f"/manage/certificates/{c}/renew", {"renew-reason": "Hacked"}),
        (f"/manage/certificates/qualifications/{q}", qualification_form(slug="hacked")),
        ("/manage/certificates/qualifications/new", qualification_form(slug="hacked")),
    ]
    return gets, posts


def snapshot():
    return (
        count(Certificate),
        count(CertificateEvent),
        count(IdentityConfirmation),
        tuple(db.session.scalars(select(Certificate.status).order_by(Certificate.id))),
        tuple(db.session.scalars(select(Qualification.slug).order_by(Qualification.id))),
    )


@pytest.mark.parametrize("who", ["trainee", "stranger"])
def test_every_route_is_403_for_a_trainee_and_an_unrelated_trainer(
    who, trainee_client, stranger, issued, setting, people
):
    client = trainee_client if who == "trainee" else stranger
    qualification, seminar = setting
    gets, posts = routes(seminar, issued[0], people["aida"], qualification)
    before = snapshot()
    if who == "trainee":
        gets += [
            "/manage/certificates/",
            "/manage/certificates/export.csv",
            "/manage/certificates/seminars/",
            "/manage/certificates/qualifications",
        ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url, data in posts:
        assert client.post_form(url, data).status_code == 403, url
    assert snapshot() == before


def test_unknown_ids_are_404(admin_client, trainer_client, setting, issued, people):
    _, seminar = setting
    for client in (admin_client, trainer_client):
        for url in (
            "/manage/certificates/seminars/999999",
            f"/manage/certificates/seminars/{seminar.id}?qualification=999999",
            f"/manage/certificates/seminars/{seminar.id}/preview/999999",
            "/manage/certificates/seminars/999999/preview/1",
            "/manage/certificates/seminars/999999/certificates.zip",
            "/manage/certificates/identity/999999",
            "/manage/certificates/999999",
            "/manage/certificates/999999/pdf",
            "/manage/certificates/99999999999",
            "/manage/certificates/0",
        ):
            assert client.get(url).status_code == 404, url
        assert (
            client.post_form(
                "/manage/certificates/999999/revoke", {"revoke-reason": "x"}
            ).status_code
            == 404
        )
        assert client.post_form("/manage/certificates/1/explode").status_code in (404, 405)
    assert admin_client.get("/manage/certificates/qualifications/999999").status_code == 404


def test_the_teaching_bar_and_the_admin_see_every_page(admin_client, issued, setting, people):
    qualification, seminar = setting
    gets, _ = routes(seminar, issued[0], people["aida"], qualification)
    gets += [
        "/manage/certificates/",
        "/manage/certificates/seminars/",
        "/manage/certificates/qualifications",
        "/manage/certificates/qualifications/new",
    ]
    for url in gets:
        assert admin_client.get(url).status_code == 200, url
    dashboard = admin_client.get("/dashboard").get_data(as_text=True)
    assert 'href="/manage/certificates/"' in dashboard
