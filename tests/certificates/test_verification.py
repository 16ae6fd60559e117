"""Public verification: the page, the JSON API, the keys, the rate limit and the lookup log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from certificates import lifecycle
from certificates.keys import key_ring
from certificates.models import VerificationLookup
from certificates.numbers import CHECK_ALPHABET
from lms.extensions import db


@pytest.fixture
def certificate(make_qualification, issue_to, make_user):
    holder = make_user(full_name="Нұрлан Әбдіқадыров", email="nurlan.private@example.kz")
    return issue_to(make_qualification(), holder, language="kk")


def _typo(number: str) -> str:
    wrong = next(s for s in CHECK_ALPHABET if s != number[-1])
    return number[:-1] + wrong


def test_valid_certificate_shows_every_printed_field_and_no_email(client, certificate):
    page = client.get(f"/verify/{certificate.number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    facts = certificate.facts
    assert "Valid certificate" in html
    for printed in (
        certificate.number,
        "Нұрлан Әбдіқадыров",
        facts["qualification"]["title"],
        facts["issuer"],
        facts["disclaimer"],
    ):
        assert printed in html
    assert "nurlan.private@example.kz" not in html
    assert "The signature checks out" in html


def test_lower_case_and_spaces_redirect_to_the_canonical_page(client, certificate):
    loose = certificate.number.lower().replace("-", " ")
    response = client.get(f"/verify/{loose}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/verify/{certificate.number}")
    form = client.get("/verify", query_string={"number": loose}, follow_redirects=True)
    assert form.status_code == 200 and certificate.number in form.get_data(as_text=True)


def test_a_typo_is_reported_without_a_lookup(client, certificate):
    typo = _typo(certificate.number)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(f"/verify/{typo}")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 400
    assert "Probably a typing mistake" in response.get_data(as_text=True)
    assert statements, "the lookup is still counted"
    assert not any("FROM certificates" in statement for statement in statements), statements


def test_unknown_and_garbage_numbers(client, certificate):
    unknown = client.get("/verify/KZM-0000-0000-0000-0001-1")
    assert unknown.status_code == 404
    assert "No certificate with the number" in unknown.get_data(as_text=True)
    garbage = client.get("/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert garbage.status_code == 400
    assert "<script>alert" not in garbage.get_data(as_text=True)


def test_expired_certificate(client, make_qualification, issue_to, make_user):
    qualification = make_qualification(validity_months=1)
    old = issue_to(qualification, make_user(), today=date.today() - timedelta(days=90))
    html = client.get(f"/verify/{old.number}").get_data(as_text=True)
    assert "Expired" in html and "Valid certificate" not in html
    assert client.get(f"/api/v1/certificates/{old.number}").get_json()["status"] == "expired"


def test_superseded_points_to_the_replacement(client, certificate, trainer):
    new = lifecycle.reissue(
        certificate, reason="Name misspelt", by=trainer, name="Нұрлан Әбдіқадыр"
    )
    html = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert "Replaced by a newer certificate" in html
    assert f'/verify/{new.number}"' in html
    fresh = client.get(f"/verify/{new.number}").get_data(as_text=True)
    assert "Valid certificate" in fresh and "Нұрлан Әбдіқадыр" in fresh
    assert "It does not make the certificate valid" not in fresh


def test_api_returns_status_facts_and_jws_with_open_cors(client, certificate):
    response = client.get(f"/api/v1/certificates/{certificate.number.lower()}")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert body["status"] == "valid"
    assert body["facts"] == certificate.facts
    assert body["jws"] == certificate.jws
    assert body["signature"] == {"valid": True, "kid": key_ring().current().thumbprint()}
    assert "email" not in response.get_data(as_text=True)
    preflight = client.options(f"/api/v1/certificates/{certificate.number}")
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_api_errors_are_json(client, certificate):
    typo = client.get(f"/api/v1/certificates/{_typo(certificate.number)}")
    assert typo.status_code == 400 and "mistyped" in typo.get_json()["error"]["message"]
    unknown = client.get("/api/v1/certificates/KZM-0000-0000-0000-0001-1")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == 404


def test_jwks_and_openapi_are_published(client, certificate):
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.headers["Access-Control-Allow-Origin"] == "*"
    assert [k["kid"] for k in jwks.get_json()["keys"]] == [certificate.key_id]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/certificates/{number}" in spec["paths"]


def test_a_tampered_record_fails_the_signature_check(client, certificate):
    certificate.facts_json = certificate.facts_json.replace("Нұрлан", "Иван")
    db.session.commit()
    html = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert "does not check out" in html
    assert (
        client.get(f"/api/v1/certificates/{certificate.number}").get_json()["signature"]["valid"]
        is False
    )


def test_every_lookup_is_logged_with_a_hashed_ip(client, certificate):
    client.get(f"/verify/{certificate.number}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client.get(
        f"/api/v1/certificates/{_typo(certificate.number)}",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    rows = list(db.session.scalars(select(VerificationLookup).order_by(VerificationLookup.id)))
    assert [(r.outcome, r.channel) for r in rows] == [("found", "page"), ("typo", "api")]
    assert rows[0].certificate_id == certificate.id
    assert rows[0].ip_hash == rows[1].ip_hash
    assert "203.0.113.9" not in rows[0].ip_hash and len(rows[0].ip_hash) == 64


class TestRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"VERIFY_LIMIT_PER_IP": "3 per minute"}

    def test_lookups_are_limited_per_ip_with_a_friendly_429(self, client, certificate):
        url = f"/verify/{certificate.number}"
        for _ in range(3):
            assert client.get(url).status_code == 200
        limited = client.get(url)
        assert limited.status_code == 429
        assert "Retry-After" in limited.headers
        assert "Too many" in limited.get_data(as_text=True)
        api = client.get(f"/api/v1/certificates/{certificate.number}")
        assert api.status_code == 429 and api.get_json()["error"]["code"] == 429
        other = client.get(url, environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert other.status_code == 200


def test_the_home_page_checks_a_number_straight_away(client, certificate):
    home = client.get("/").get_data(as_text=True)
    assert 'action="/verify"' in home and 'name="number"' in home
    answer = client.get(
        "/verify", query_string={"number": certificate.number.lower()}, follow_redirects=True
    )
    assert answer.status_code == 200 and "Valid certificate" in answer.get_data(as_text=True)
