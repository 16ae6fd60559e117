"""The Open Badges routes: the credential, the status lists, the holder's wallet and LinkedIn
links, and the credential's address on the verification page and in the API."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import current_app

from certificates import lifecycle
from certificates.ob3 import issuing, signer, status_list
from certificates.ob3.sharing import linkedin_url
from lms.downloads import portable_filename
from lms.extensions import db

ISSUED = date(2025, 3, 14)


@pytest.fixture
def certificate(make_qualification, trainee, issue_to):
    return issue_to(make_qualification(validity_months=36), trainee, today=ISSUED)


def open_to_all(response) -> bool:
    return response.headers.get("Access-Control-Allow-Origin") == "*"


def test_the_credential_is_served_signed_with_cors_and_an_etag(client, certificate):
    url = f"/credentials/{certificate.number}.json"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/vc+ld+json"
    assert open_to_all(response)
    assert response.headers["Cache-Control"] == "no-cache"
    served = json.loads(response.data)
    assert served == issuing.stored(certificate).credential
    assert signer.verify(served)
    etag = response.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    lower = client.get(f"/credentials/{certificate.number.lower()}.json")
    assert lower.status_code == 200 and json.loads(lower.data) == served
    preflight = client.options(url)
    assert preflight.status_code == 204 and open_to_all(preflight)


def test_the_download_is_a_file_named_after_the_number(client, certificate):
    response = client.get(f"/credentials/{certificate.number}.json?download=1")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    # A number's check character may be "*", which no file name may hold: it becomes "_".
    named = portable_filename(certificate.number)
    assert disposition == f'attachment; filename="{named}.credential.json"'


@pytest.mark.parametrize("number", ["KZM-0000-0000-0000-0000-0", "not-a-number", "x/y"])
def test_an_unknown_credential_is_a_json_404_open_to_all(client, app, number):
    response = client.get(f"/credentials/{number}.json")
    assert response.status_code == 404
    assert response.is_json and open_to_all(response)


def test_a_certificate_without_a_credential_is_404(client, certificate):
    db.session.delete(issuing.stored(certificate))
    db.session.commit()
    assert client.get(f"/credentials/{certificate.number}.json").status_code == 404


def test_the_status_list_is_served_signed_cached_briefly_and_revalidated(
    client, certificate, trainer
):
    entry = issuing.stored(certificate).credential["credentialStatus"][0]
    path = urlsplit(entry["statusListCredential"]).path
    response = client.get(path)
    assert response.status_code == 200 and open_to_all(response)
    assert response.mimetype == "application/vc+ld+json"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Last-Modified"]
    listed = json.loads(response.data)
    assert signer.verify(listed)
    index = int(entry["statusListIndex"])
    bits = status_list.decode_list(listed["credentialSubject"]["encodedList"])
    assert status_list.bit(bits, index) == 0
    etag = response.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304

    lifecycle.revoke(certificate, "issued_in_error", trainer)
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    bits = status_list.decode_list(json.loads(changed.data)["credentialSubject"]["encodedList"])
    assert status_list.bit(bits, index) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/credentials/status/revocation/99",
        "/credentials/status/other/1",
        "/credentials/status/revocation/0",
        # Past any database integer (it ended in a 500 on SQLite's overflow).
        "/credentials/status/revocation/99999999999999999999",
    ],
)
def test_an_unknown_status_list_is_404(client, certificate, path):
    response = client.get(path)
    assert response.status_code == 404 and response.is_json and open_to_all(response)


def test_linkedin_link_names_the_certification_never_the_holder(app, certificate):
    url = linkedin_url(certificate)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.linkedin.com/profile/add"
    query = parse_qs(parts.query)
    facts = certificate.facts
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == [facts["qualification"]["title"]]
    assert query["organizationName"] == [facts["issuer"]]
    assert "organizationId" not in query
    assert query["issueYear"] == ["2025"] and query["issueMonth"] == ["3"]
    assert query["expirationYear"] == ["2028"] and query["expirationMonth"] == ["3"]
    assert query["certUrl"] == [f"{current_app.config['PUBLIC_URL']}/verify/{certificate.number}"]
    assert query["certId"] == [certificate.number]
    assert facts["holder"] not in url and "holder" not in query


def test_linkedin_link_uses_the_organisation_page_and_omits_a_missing_expiry(
    app, make_qualification, make_user, issue_to
):
    app.config["LINKEDIN_ORGANIZATION_ID"] = "1234567"
    made = issue_to(make_qualification(validity_months=None), make_user(), today=ISSUED)
    query = parse_qs(urlsplit(linkedin_url(made)).query)
    assert query["organizationId"] == ["1234567"] and "organizationName" not in query
    assert "expirationYear" not in query and "expirationMonth" not in query


def test_the_holder_downloads_opens_in_a_wallet_and_adds_to_linkedin(login, trainee, certificate):
    page = login(trainee).get("/certificates/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/credentials/{certificate.number}.json?download=1" in html
    assert "Download for a wallet (Open Badges 3.0)" in html
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in html
    assert "data:image/svg+xml" in html  # the QR code of the credential's address


def test_a_revoked_certificate_offers_no_linkedin_link(login, trainee, certificate, trainer):
    lifecycle.revoke(certificate, "issued_in_error", trainer)
    html = login(trainee).get("/certificates/").get_data(as_text=True)
    assert "linkedin.com" not in html
    assert f"/credentials/{certificate.number}.json?download=1" in html


def test_verification_page_and_api_link_the_credential(client, certificate):
    page = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert f"/credentials/{certificate.number}.json" in page
    record = client.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert record["credential"].endswith(f"/credentials/{certificate.number}.json")
    db.session.delete(issuing.stored(certificate))
    db.session.commit()
    record = client.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert record["credential"] is None


def test_the_achievement_address_in_a_credential_answers_with_the_achievement(client, certificate):
    """A credential's ``achievement.id`` and its criteria's ``id`` are addresses that answer:
    the qualification as an Achievement, every criterion named, in the reader's language."""
    achievement = issuing.stored(certificate).credential["credentialSubject"]["achievement"]
    path = urlsplit(achievement["id"]).path
    response = client.get(path)
    assert response.status_code == 200 and open_to_all(response)
    assert response.mimetype == "application/ld+json"
    served = json.loads(response.data)
    assert served["id"] == achievement["id"] and served["type"] == ["Achievement"]
    assert served["name"] == achievement["name"]
    assert served["criteria"]["id"] == achievement["criteria"]["id"]
    assert [d["name"] for d in served.get("resultDescription", [])] == [
        d["name"] for d in achievement.get("resultDescription", [])
    ]
    assert "humanCode" not in served  # no certificate's number: the qualification itself
    criteria = client.get(urlsplit(achievement["criteria"]["id"]).path)
    assert criteria.status_code == 200 and json.loads(criteria.data) == served
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_achievement_speaks_the_readers_language_where_the_qualification_does(
    client, make_qualification
):
    qualification = make_qualification(
        titles={"en": "Mediator", "ru": "Медиатор", "kk": "Медиатор (кк)"}
    )
    path = f"/credentials/achievements/{qualification.slug}"
    russian = client.get(path, headers={"Accept-Language": "ru"})
    assert json.loads(russian.data)["name"] == "Медиатор"
    assert russian.headers["Content-Language"] == "ru"
    kazakh = client.get(f"{path}?lang=kk")
    assert json.loads(kazakh.data)["name"] == "Медиатор (кк)"


@pytest.mark.parametrize("slug", ["no-such-qualification", "x" * 300])
def test_an_unknown_achievement_is_a_json_404(client, slug):
    response = client.get(f"/credentials/achievements/{slug}")
    assert response.status_code == 404 and response.is_json and open_to_all(response)
