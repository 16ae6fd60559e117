"""Continuing education through HTTP (issue 21): submitting an activity (hours, file type
and size, hostile names; messages in Russian and Kazakh), who reviews, who reads the
evidence, renewal by the holder and the chain on both verification pages in every language,
the dashboard card and the qualification's settings."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from certificates import ce_activities
from certificates.ce_models import CeActivity
from certificates.models import Certificate
from certificates.qualifications import QualificationData, save_qualification
from lms.extensions import db
from lms.service_error import ServiceError
from lms.timezone import site_today

from ..courses.conftest import pdf_bytes, png_bytes
from .test_manage_pages import page_text

RU_HOURS = "Укажите часы числом больше 0 и не больше 80, например 6 или 1,5."
KK_HOURS = "Сағатты 0-ден көп және 80-нен аспайтын санмен көрсетіңіз, мысалы 6 немесе 1,5."
RU_TYPE = "В качестве подтверждения принимаются только файлы PDF, JPEG и PNG."
KK_TYPE = "Растау ретінде тек PDF, JPEG және PNG файлдары қабылданады."
CHAIN = {
    "en": ("Replaced by", "Replaces"),
    "ru": ("Заменён на", "Заменяет"),
    "kk": ("Ауыстырылды, жаңа нөмірі", "Ауыстырылған сертификаттың нөмірі"),
}


@pytest.fixture
def qualification(make_qualification):
    return make_qualification(
        kind="qualification", validity_months=36, ce_hours="24", ce_ethics_hours="6"
    )


@pytest.fixture
def holder(make_user):
    return make_user(language="ru")


@pytest.fixture
def certificate(qualification, issue_to, holder):
    return issue_to(qualification, holder, today=site_today() - timedelta(days=30))


def form(hours="6", evidence=None, name="certificate.pdf", **fields):
    data = {
        "title": "Семинар по медиации",
        "provider": "Палата медиаторов",
        "held_on": (site_today() - timedelta(days=2)).isoformat(),
        "hours": hours,
        **fields,
    }
    if evidence is not False:
        data["evidence"] = (io.BytesIO(pdf_bytes() if evidence is None else evidence), name)
    return data


def approved(certificate, holder, reviewer, hours, *, ethics=False):
    activity = ce_activities.submit(
        certificate,
        holder,
        ce_activities.ActivityData(
            title=f"Course {hours}", provider="Chamber", held_on=site_today() - timedelta(days=1),
            hours=str(hours), ethics=ethics,
        ),
        png_bytes(),
        "scan.png",
    )  # fmt: skip
    ce_activities.review(activity, reviewer, approve=True)
    return activity


def count_activities() -> int:
    return db.session.scalar(select(func.count(CeActivity.id)))


def test_submission_checks_hours_file_type_and_size_in_the_holders_language(
    login, holder, certificate
):
    client = login(holder)
    url = f"/certificates/{certificate.id}/continuing-education"
    page = client.get(url)
    assert page.status_code == 200 and "24" in page_text(page)
    for hours in ("0", "80.5", "abc", "-1", "NaN"):
        response = client.post_form(url, form(hours))
        assert response.status_code == 400, hours
        assert RU_HOURS in page_text(response), hours
    # A program renamed to .pdf, and no file at all.
    refused = client.post_form(url, form(evidence=b"MZ\x90\x00 not a document", name="a.pdf"))
    assert refused.status_code == 400 and RU_TYPE in page_text(refused)
    assert client.post_form(url, form(evidence=False)).status_code == 400
    too_big = client.post_form(url, form(evidence=b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)))
    assert too_big.status_code == 400 and "Размер файла превышает 5 МБ." in page_text(too_big)
    assert count_activities() == 0

    holder.language = "kk"
    db.session.commit()
    kazakh = client.post_form(url, form("81"))
    assert kazakh.status_code == 400 and KK_HOURS in page_text(kazakh)
    kazakh = client.post_form(url, form(evidence=b"GIF89a....", name="x.png"))
    assert KK_TYPE in page_text(kazakh)

    # A hostile name is stored under a safe one; the decimal comma is read.
    hostile = client.post_form(url, form("1,5", name="../../etc/<script>пароль.pdf"))
    assert hostile.status_code == 302
    activity = db.session.scalars(select(CeActivity)).one()
    assert activity.hours == 1.5 and activity.status == "pending"
    assert activity.evidence_filename == "script-пароль.pdf"  # no path, no markup, readable
    # A JPEG is accepted too.
    jpeg = client.post_form(url, form(evidence=png_bytes(image_format="JPEG"), name="s.jpg"))
    assert jpeg.status_code == 302 and count_activities() == 2


def test_another_holders_ledger_is_not_found(login, make_user, certificate):
    other = login(make_user())
    assert other.get(f"/certificates/{certificate.id}/continuing-education").status_code == 404
    response = other.post_form(f"/certificates/{certificate.id}/continuing-education", form())
    assert response.status_code == 404 and count_activities() == 0


def test_only_staff_review_and_a_rejection_needs_a_reason(
    login, holder, certificate, make_user, trainer, trainer_client
):
    activity = ce_activities.submit(
        certificate, holder,
        ce_activities.ActivityData("Conference", "Bar", site_today(), "4"), pdf_bytes(), "c.pdf",
    )  # fmt: skip
    url = f"/manage/certificates/continuing-education/{activity.id}"
    prefix = f"a{activity.id}"
    for trainee in (login(holder), login(make_user())):
        assert trainee.get("/manage/certificates/continuing-education").status_code == 403
        response = trainee.post_form(url, {f"{prefix}-approve": "Approve"})
        assert response.status_code == 403
    queue = trainer_client.get("/manage/certificates/continuing-education")
    assert queue.status_code == 200 and "Conference" in page_text(queue)
    no_reason = trainer_client.post_form(
        url, {f"{prefix}-reject": "Reject", f"{prefix}-reason": ""}
    )
    assert no_reason.status_code == 400
    assert "Give the reason" in page_text(no_reason)
    db.session.expire_all()
    assert db.session.get(CeActivity, activity.id).status == "pending"
    done = trainer_client.post_form(
        url, {f"{prefix}-reject": "Reject", f"{prefix}-reason": "The scan is unreadable"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    rejected = db.session.get(CeActivity, activity.id)
    assert (rejected.status, rejected.review_reason, rejected.reviewed_by_id) == (
        "rejected", "The scan is unreadable", trainer.id
    )  # fmt: skip
    # The holder sees the reason and may submit again.
    ledger = page_text(login(holder).get(f"/certificates/{certificate.id}/continuing-education"))
    assert "The scan is unreadable" in ledger


def test_the_evidence_is_served_to_its_holder_and_staff_only(
    login, holder, certificate, make_user, trainer_client, client
):
    activity = ce_activities.submit(
        certificate, holder,
        ce_activities.ActivityData("Webinar", "Bar", site_today(), "2"), pdf_bytes(),
        "Куәлік №5.PDF",
    )  # fmt: skip
    url = f"/certificates/activities/{activity.id}/evidence"
    mine = login(holder).get(url)
    assert mine.status_code == 200 and mine.data == pdf_bytes()
    assert mine.headers["Cache-Control"] == "private, no-store"
    # The holder's Kazakh file name survives (RFC 6266 filename*), with the proven extension.
    disposition = mine.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Куәлік-No5.pdf"
    assert trainer_client.get(url).status_code == 200
    assert login(make_user()).get(url).status_code == 404
    assert client.get(url).status_code in (302, 401)


def test_the_holder_renews_when_the_hours_are_met_and_both_pages_show_the_chain(
    login, holder, certificate, trainer, client
):
    holder_client = login(holder)
    refused = holder_client.post_form(f"/certificates/{certificate.id}/renew")
    assert refused.status_code == 400
    assert "Недостаточно часов" in page_text(refused)
    approved(certificate, holder, trainer, 18)
    approved(certificate, holder, trainer, 6, ethics=True)
    renewed = holder_client.post_form(f"/certificates/{certificate.id}/renew")
    assert renewed.status_code == 302
    new = db.session.scalar(select(Certificate).where(Certificate.replaces_id == certificate.id))
    assert new is not None and new.holder_id == holder.id
    assert new.expires_on == certificate.expires_on.replace(year=certificate.expires_on.year + 3)
    for language, (replaced_by, replaces) in CHAIN.items():
        headers = {"Accept-Language": language}
        old_page = page_text(client.get(f"/verify/{certificate.number}", headers=headers))
        assert f"{replaced_by} {new.number}" in old_page, language
        new_page = page_text(client.get(f"/verify/{new.number}", headers=headers))
        assert f"{replaces} {certificate.number}" in new_page, language
        assert replaced_by not in new_page
    # The renewed certificate's ledger starts fresh.
    fresh = page_text(holder_client.get(f"/certificates/{new.id}/continuing-education"))
    assert "Course 18" not in fresh


def test_the_dashboard_card_and_my_certificates_show_the_hours_left(
    login, make_qualification, issue_to, holder
):
    soon = make_qualification(
        kind="qualification", validity_months=12, ce_hours="24", ce_ethics_hours="6"
    )
    # Expires in about 100 days: within the card's 180.
    certificate = issue_to(soon, holder, today=site_today() - timedelta(days=265))
    client = login(holder)
    dashboard = page_text(client.get("/dashboard"))
    assert "Непрерывное обучение" in dashboard
    assert f"/certificates/{certificate.id}/continuing-education" in client.get(
        "/dashboard"
    ).get_data(as_text=True)
    mine = page_text(client.get("/certificates/"))
    assert "Непрерывное обучение: 0 из 24 ч" in mine


def test_the_qualification_settings_are_checked(app, make_qualification):
    qualification = make_qualification(kind="qualification", validity_months=36)
    base = {
        "slug": "renewable", "kind": "qualification", "titles": {"en": "Renewable"},
        "disclaimers": {"en": "Not a state qualification."},
    }  # fmt: skip
    with pytest.raises(ServiceError) as more_ethics:
        save_qualification(
            QualificationData(**base, validity_months=36, ce_hours="6", ce_ethics_hours="8")
        )
    assert more_ethics.value.field == "ce_ethics_hours"
    with pytest.raises(ServiceError) as no_validity:
        save_qualification(QualificationData(**base, ce_hours="24"))
    assert no_validity.value.field == "ce_hours"
    saved = save_qualification(
        QualificationData(**base, validity_months=36, ce_hours="24", ce_ethics_hours="6,5"),
        qualification,
    )
    assert (saved.ce_hours, saved.ce_ethics_hours) == (24, 6.5)


def test_the_qualification_form_shows_and_refuses_the_hours(admin_client, qualification):
    from .test_manage_pages import qualification_form

    url = f"/manage/certificates/qualifications/{qualification.id}"
    page = admin_client.get(url).get_data(as_text=True)
    assert 'name="ce_hours"' in page and 'value="24"' in page and 'value="6"' in page
    new = "/manage/certificates/qualifications/new"
    refused = admin_client.post_form(new, qualification_form(ce_hours="6", ce_ethics_hours="8"))
    assert refused.status_code == 400
    assert "The ethics hours are part of the hours needed" in page_text(refused)
    saved = admin_client.post_form(new, qualification_form(ce_hours="24", ce_ethics_hours="6"))
    assert saved.status_code == 302
    from certificates.qualifications import qualification_by_slug

    created = qualification_by_slug("cpm-basic")
    assert (created.ce_hours, created.ce_ethics_hours) == (24, 6)


def test_the_data_download_holds_the_activities_and_deletion_removes_them(
    login, holder, certificate
):
    from lms import file_storage

    from ..conftest import DEFAULT_PASSWORD

    activity = ce_activities.submit(
        certificate, holder,
        ce_activities.ActivityData(
            "Summer school", "Bar", site_today(), "3", description="Role plays"
        ),
        pdf_bytes(), "s.pdf",
    )  # fmt: skip
    stored = activity.evidence_name
    browser = login(holder)
    document = browser.post_form("/account/export").get_json()
    [row] = document["certificates"]["continuing_education"]
    assert (row["title"], row["hours"], row["description"]) == (
        "Summer school",
        "3.0",
        "Role plays",
    )
    deleted = browser.post_form(
        "/account/delete", {"current_password": DEFAULT_PASSWORD, "understood": "y"}
    )
    assert deleted.status_code == 302
    db.session.expire_all()
    assert count_activities() == 0
    assert not file_storage.exists(f"uploads/{stored}")
