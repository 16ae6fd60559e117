"""The site's did:web and /.well-known/did.json: every key of the key ring as a Multikey."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.keys import key_ring
from certificates.ob3 import di, did
from certificates.ob3.multikey import decode_base58btc, public_key_from_multikey
from tests.certificates.ob3.helpers import CREATED, mediator_credential


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://academy.example.kz", "did:web:academy.example.kz"),
        ("https://Academy.Example.KZ/", "did:web:academy.example.kz"),
        ("http://127.0.0.1:5000", "did:web:127.0.0.1%3A5000"),
        ("https://example.kz:8443/lms", "did:web:example.kz%3A8443:lms"),
        ("https://example.kz/training/mediators/", "did:web:example.kz:training:mediators"),
        ("https://медиация.kz", "did:web:xn--80ahcnbt8etd.kz"),
    ],
)
def test_did_web_of_a_public_address(url, expected):
    assert did.did_web(url) == expected


@pytest.mark.parametrize("url", ["", "academy.example.kz", "ftp://academy.example.kz", "https://"])
def test_an_address_that_is_not_a_site_has_no_did(url):
    with pytest.raises(ValueError):
        did.did_web(url)


class TestDidDocument:
    @pytest.fixture
    def config_overrides(self):
        return {"PUBLIC_URL": "https://certs.mediation-academy.kz"}

    def test_every_key_of_the_ring_is_published_as_a_multikey(self, app, client):
        first = key_ring().current()
        second = key_ring().rotate()
        response = client.get("/.well-known/did.json")
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "public, max-age=300"
        document = response.get_json()
        did_id = "did:web:certs.mediation-academy.kz"
        assert document["id"] == did_id
        assert document["@context"] == [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
        ]
        jwks = {key["kid"]: key for key in key_ring().jwks()["keys"]}
        methods = document["verificationMethod"]
        assert [m["id"] for m in methods] == [
            f"{did_id}#{first.thumbprint()}",
            f"{did_id}#{second.thumbprint()}",
        ]  # the old key stays: credentials it signed must still verify
        assert document["assertionMethod"] == [m["id"] for m in methods]
        for method in methods:
            assert method["type"] == "Multikey" and method["controller"] == did_id
            assert method["publicKeyMultibase"].startswith("z6Mk")
            raw = decode_base58btc(method["publicKeyMultibase"])
            assert raw[:2] == b"\xed\x01"
            x = jwks[method["id"].split("#", 1)[1]]["x"]
            assert raw[2:] == base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))

    def test_the_document_is_cached_with_an_etag_and_changes_when_a_key_is_added(
        self, app, client, monkeypatch
    ):
        key_ring().current()
        first = client.get("/.well-known/did.json")
        reads: list[str] = []
        original = Path.read_bytes

        def counting(path: Path) -> bytes:
            if path.suffix == ".pem":
                reads.append(path.name)
            return original(path)

        monkeypatch.setattr(Path, "read_bytes", counting)
        again = client.get(
            "/.well-known/did.json", headers={"If-None-Match": first.headers["ETag"]}
        )
        assert again.status_code == 304 and not again.get_data()
        assert reads == []  # built once per process for this state of the key ring
        assert did.published() is did.published()

        key_ring().rotate()
        fresh = client.get(
            "/.well-known/did.json", headers={"If-None-Match": first.headers["ETag"]}
        )
        assert fresh.status_code == 200
        assert len(fresh.get_json()["verificationMethod"]) == 2
        assert client.get("/did.json").get_json() == fresh.get_json()  # did:web with a path

    def test_a_credential_signed_with_the_site_key_verifies_against_the_published_document(
        self, app, client
    ):
        old = key_ring().current()
        credential = mediator_credential(site=app.config["PUBLIC_URL"], issuer=did.site_did())
        signed_by_old = di.sign(credential, old, did.site_verification_method(old), CREATED)
        new = key_ring().rotate()
        signed_by_new = di.sign(credential, new, did.site_verification_method(new), CREATED)
        published = client.get("/.well-known/did.json").get_json()
        for signed in (signed_by_old, signed_by_new):
            assert di.verify(signed, did.public_key_for_document(published))
            assert di.verify(signed, did.site_public_key_for)
        stranger = Ed25519PrivateKey.generate()
        forged = di.sign(credential, stranger, did.site_verification_method(old), CREATED)
        assert not di.verify(forged, did.site_public_key_for)


def test_the_local_default_address_gives_a_did_with_its_port(app, client):
    key_ring().current()
    document = client.get("/.well-known/did.json").get_json()
    assert document["id"] == "did:web:127.0.0.1%3A5000"
    method = document["verificationMethod"][0]
    assert public_key_from_multikey(method["publicKeyMultibase"]) is not None
