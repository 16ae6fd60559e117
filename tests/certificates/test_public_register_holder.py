"""The holder's side of the public register of mediators: opting in needs consent and a
current certificate of a qualification; the consent is stored as shown; editing keeps it;
withdrawing removes the entry at once; hostile input is refused or escaped; the data
download and account deletion."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from certificates import lifecycle
from certificates.register_models import RegisterConsent, RegisterEntry
from lms.extensions import db
from lms.models import AuditEvent

from .register_helpers import entry_url, list_holder, names_on, post_entry


@pytest.fixture
def qualification(make_qualification):
    return make_qualification(kind="qualification")


@pytest.fixture
def certificate(qualification, issue_to, trainee):
    return issue_to(qualification, trainee)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_opting_in_needs_the_consent_ticked(trainee_client, certificate):
    page = trainee_client.get(entry_url(certificate))
    assert page.status_code == 200
    assert "I agree that" in page.get_data(as_text=True)
    refused = post_entry(trainee_client, certificate, consent=False)
    assert refused.status_code == 400
    assert "Tick the box to consent" in refused.get_data(as_text=True)
    assert _count(RegisterEntry) == 0 and _count(RegisterConsent) == 0


def test_the_consent_is_stored_as_shown_with_its_language_version_and_date(
    trainee_client, trainee, certificate
):
    page = trainee_client.get(entry_url(certificate)).get_data(as_text=True)
    answer = post_entry(trainee_client, certificate, email="Asel@Example.KZ", phone="")
    assert answer.status_code == 302
    consent = db.session.scalar(select(RegisterConsent))
    assert html.escape(consent.text, quote=True) in page  # the very text the page showed
    assert consent.language == "en" and consent.version == 1
    assert consent.given_at is not None and consent.withdrawn_at is None
    entry = db.session.scalar(select(RegisterEntry))
    assert entry.consent_id == consent.id
    assert entry.name == certificate.facts["holder"]
    assert entry.email == "asel@example.kz"  # typed, normalised; never the account's own
    assert entry.phone == "" and entry.website == ""
    assert "register.listed" in _actions()
    assert names_on(trainee_client) == [certificate.facts["holder"]]


def test_the_account_address_is_never_published(trainee_client, trainee, certificate):
    post_entry(trainee_client, certificate)
    feed = trainee_client.get("/mediators.json").get_json()
    assert feed["items"][0]["contacts"] == {}
    assert trainee.email not in trainee_client.get("/mediators").get_data(as_text=True)


def test_a_consent_text_changed_since_the_page_was_shown_is_refused(trainee_client, certificate):
    refused = post_entry(trainee_client, certificate, digest="0" * 64)
    assert refused.status_code == 400
    assert "The consent text has changed" in refused.get_data(as_text=True)
    assert _count(RegisterEntry) == 0


def test_the_consent_is_given_in_the_readers_language(
    app, login, make_user, qualification, issue_to
):
    holder = make_user(language="ru")
    certificate = issue_to(qualification, holder)
    client = login(holder)
    page = client.get(entry_url(certificate)).get_data(as_text=True)
    assert "Я даю согласие" in page
    assert post_entry(client, certificate).status_code == 302
    consent = db.session.scalar(select(RegisterConsent))
    assert consent.language == "ru" and consent.text.startswith("Я ")
    assert html.escape(consent.text, quote=True) in page


def test_editing_keeps_the_consent(trainee_client, certificate):
    post_entry(trainee_client, certificate)
    consent_id = db.session.scalar(select(RegisterEntry.consent_id))
    changed = post_entry(
        trainee_client, certificate, consent=False, region="shymkent", languages=["en"]
    )
    assert changed.status_code == 302
    db.session.expire_all()
    entry = db.session.scalar(select(RegisterEntry))
    assert (entry.region, entry.languages, entry.consent_id) == ("shymkent", ",en,", consent_id)
    assert _count(RegisterConsent) == 1
    assert _actions().count("register.changed") == 1
    page = trainee_client.get(entry_url(certificate)).get_data(as_text=True)
    assert "How the public sees your entry" in page and "Shymkent" in page


def test_withdrawal_removes_the_entry_at_once(trainee_client, certificate):
    post_entry(trainee_client, certificate, phone="+7 701 234 56 78")
    assert names_on(trainee_client)
    answer = trainee_client.post_form(entry_url(certificate) + "/withdraw")
    assert answer.status_code == 302
    assert names_on(trainee_client) == []
    assert "No one is listed yet" in trainee_client.get("/mediators").get_data(as_text=True)
    assert _count(RegisterEntry) == 0
    consent = db.session.scalar(select(RegisterConsent))
    assert consent.withdrawn_at is not None  # the log stays, with no contact details
    assert "+7" not in consent.text
    assert _actions()[-1] == "register.withdrawn"
    # Listing again asks for consent again: a new row in the log.
    assert post_entry(trainee_client, certificate, consent=False).status_code == 400
    assert post_entry(trainee_client, certificate).status_code == 302
    assert _count(RegisterConsent) == 2


def test_only_a_current_valid_certificate_of_a_qualification_can_be_listed(
    trainee_client, trainee, trainer, certificate, make_qualification, issue_to
):
    attendance = issue_to(make_qualification(), trainee)  # a certificate of attendance
    for url in (entry_url(attendance),):
        page = trainee_client.get(url)
        assert page.status_code == 409
        assert "not certificates of attendance" in page.get_data(as_text=True)
    refused = post_entry(trainee_client, attendance, digest="0" * 64)
    assert refused.status_code == 409
    lifecycle.suspend(certificate, "under_review", trainer)
    page = trainee_client.get(entry_url(certificate))
    assert page.status_code == 409 and "Only a current, valid certificate" in page.get_data(
        as_text=True
    )
    refused = post_entry(trainee_client, certificate, digest="0" * 64)
    assert refused.status_code == 409
    assert "Only a current, valid certificate" in refused.get_data(as_text=True)
    assert _count(RegisterEntry) == 0 and _count(RegisterConsent) == 0


def test_another_holders_certificate_is_not_found(login, make_user, certificate):
    stranger = login(make_user())
    assert stranger.get(entry_url(certificate)).status_code == 404
    assert post_entry(stranger, certificate, digest="0" * 64).status_code == 404
    assert stranger.post_form(entry_url(certificate) + "/withdraw").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"region": "atlantis"}, "region", "Choose your region"),
        ({"languages": []}, "languages", "Choose at least one language"),
        ({"languages": ["kk", "de"]}, "languages", "Choose at least one language"),
        ({"email": "not an address"}, "email", "Enter a valid email address"),
        ({"email": "a" * 300 + "@example.kz"}, "email", "at most"),
        ({"phone": "call me"}, "phone", "Enter a phone number"),
        ({"phone": "+7 701"}, "phone", "Enter a phone number"),
        ({"phone": "1" * 40}, "phone", "at most"),
        ({"website": "javascript:alert(1)"}, "website", "Enter the address of a web page"),
        ({"website": "https://user:pw@example.kz"}, "website", "Enter the address"),
        ({"website": 'https://example.kz/"><script>'}, "website", "Enter the address"),
        ({"website": "localhost"}, "website", "Enter the address"),
        ({"website": "https://example.kz/" + "a" * 400}, "website", "at most"),
    ],
)
def test_bad_input_is_refused_beside_its_field(trainee_client, certificate, fields, field, message):
    answer = post_entry(trainee_client, certificate, **fields)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page
    assert _count(RegisterEntry) == 0 and _count(RegisterConsent) == 0


def test_what_the_holder_typed_is_escaped_everywhere(
    app, make_user, qualification, issue_to, client
):
    holder = make_user(full_name="Әсел <b>Төлеуова</b>")
    certificate = issue_to(qualification, holder)
    list_holder(holder, certificate, website="example.kz/?a=1&b=%3Ci%3E")
    page = client.get("/mediators").get_data(as_text=True)
    assert "<b>Төлеуова</b>" not in page and "&lt;b&gt;Төлеуова&lt;/b&gt;" in page
    assert 'href="https://example.kz/?a=1&amp;b=%3Ci%3E"' in page
    assert 'rel="nofollow ugc noopener"' in page


def test_the_download_holds_the_entry_and_the_consent_log(trainee_client, certificate):
    post_entry(trainee_client, certificate, website="mediator.kz")
    document = trainee_client.post_form("/account/export").get_json()
    part = document["public_register"]
    assert part["entries"][0]["website"] == "https://mediator.kz"
    assert part["entries"][0]["languages"] == ["kk", "ru"]
    assert part["consents"][0]["language"] == "en"
    assert part["consents"][0]["text"].startswith("I agree that")
    assert part["consents"][0]["withdrawn_at"] is None


def test_deleting_the_account_removes_the_entry(trainee_client, trainee, certificate):
    post_entry(trainee_client, certificate, email="me@mediator.kz")
    answer = trainee_client.post_form(
        "/account/delete", {"current_password": "correct horse battery", "understood": "y"}
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert _count(RegisterEntry) == 0
    assert db.session.scalar(select(RegisterConsent.withdrawn_at)) is not None
    assert names_on(trainee_client) == []
