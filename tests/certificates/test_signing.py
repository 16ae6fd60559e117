"""Canonical JSON, Ed25519 compact JWS, and the key ring with rotation."""

from __future__ import annotations

import base64
import json
import stat

import jwt  # PyJWT: an independent JOSE library checks our tokens
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificates.keys import KeyRing
from certificates.signing import (
    SignatureInvalid,
    assemble,
    canonical_json,
    protected_header,
    sign,
    signature_matches,
    verify,
)

FACTS = {
    "number": "KZM-0000-0000-0000-0001-1",
    "holder": "Әлия Қасымқызы Нұрланова",
    "hours": "36.0",
    "criteria": [{"code": "C3-ETH", "percent": "92.5", "met": True}],
    "expires": None,
}


def _b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def test_canonical_json_is_exactly_documented():
    assert (
        canonical_json({"b": 1, "a": [True, None, "ә"]}) == '{"a":[true,null,"ә"],"b":1}'.encode()
    )
    # Key order in the input never matters.
    assert canonical_json(dict(reversed(list(FACTS.items())))) == canonical_json(FACTS)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        canonical_json({"hours": 36.0})
    with pytest.raises(TypeError):
        canonical_json({"criteria": [{"percent": 9.5}]})


def test_a_token_signs_the_canonical_bytes(tmp_path):
    ring = KeyRing(tmp_path)
    token = sign(FACTS, ring.current())
    header, payload, signature = token.split(".")
    assert json.loads(_b64(header)) == {
        "alg": "EdDSA",
        "kid": ring.current().thumbprint(),
        "typ": "JWT",
    }
    assert _b64(payload) == canonical_json(FACTS)
    # Check the signature with nothing but the cryptography package and the published JWKS.
    jwk = ring.jwks()["keys"][0]
    public = Ed25519PublicKey.from_public_bytes(_b64(jwk["x"]))
    public.verify(_b64(signature), f"{header}.{payload}".encode())  # raises if wrong


def test_pyjwt_verifies_against_the_jwks(tmp_path):
    ring = KeyRing(tmp_path)
    token = sign(FACTS, ring.current())
    key = jwt.PyJWK(ring.jwks()["keys"][0])
    assert jwt.decode(token, key=key, algorithms=["EdDSA"]) == FACTS


def test_verify_returns_facts_and_key_id(tmp_path):
    ring = KeyRing(tmp_path)
    facts, kid = verify(sign(FACTS, ring.current()), ring.jwks())
    assert facts == FACTS and kid == ring.current().thumbprint()


def test_tampering_and_foreign_keys_are_refused(tmp_path):
    ring, other = KeyRing(tmp_path / "a"), KeyRing(tmp_path / "b")
    token = sign(FACTS, ring.current())
    header, payload, signature = token.split(".")
    forged = dict(FACTS, holder="Someone Else")
    forged_payload = base64.urlsafe_b64encode(canonical_json(forged)).rstrip(b"=").decode()
    for bad in (
        f"{header}.{forged_payload}.{signature}",
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        "not-a-token",
        "",
    ):
        with pytest.raises(SignatureInvalid):
            verify(bad, ring.jwks())
    with pytest.raises(SignatureInvalid):
        verify(token, other.jwks())
    # alg "none" and HMAC tokens are never accepted.
    none_header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    with pytest.raises(SignatureInvalid):
        verify(f"{none_header}.{payload}.", ring.jwks())


def test_the_direct_check_agrees_with_verifying_the_whole_token(tmp_path):
    """The verification page checks a stored signature over the stored facts directly
    (signature_matches); it must accept exactly the tokens ``verify`` accepts."""
    ring, other = KeyRing(tmp_path / "a"), KeyRing(tmp_path / "b")
    kid = ring.current().thumbprint()
    payload = canonical_json(FACTS)
    signature = sign(FACTS, ring.current()).split(".")[2]
    keys = ring.published().public_keys
    assert signature_matches(kid, payload, signature, keys)
    verify(assemble(kid, payload, signature), ring.jwks())  # and verify agrees

    flipped = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    forged = canonical_json(dict(FACTS, holder="Someone Else"))
    # The last of 86 characters carries 4 spare bits (zero): setting one spells the same
    # 64 bytes another way, which is not the token that was signed.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = signature[:-1] + alphabet[alphabet.index(signature[-1]) + 1]
    cases = [
        (kid, forged, signature),  # the facts changed
        (kid, payload, flipped),  # the signature changed
        (kid, payload, signature + "A"),  # too long
        (kid, payload, signature[:-2]),  # too short
        (kid, payload, signature[:-1] + "!"),  # not base64url
        (kid, payload, ""),
        (other.current().thumbprint(), payload, signature),  # a key not published here
        ("", payload, signature),
        (kid, payload, respelled),
    ]
    for case_kid, case_payload, case_signature in cases:
        assert not signature_matches(case_kid, case_payload, case_signature, keys)
        with pytest.raises(SignatureInvalid):
            verify(assemble(case_kid, case_payload, case_signature), ring.jwks())
    assert not signature_matches(kid, payload, signature, other.published().public_keys)


def test_rotation_keeps_old_certificates_valid(tmp_path):
    ring = KeyRing(tmp_path)
    first = ring.current()
    old_token = sign(FACTS, first)
    second = ring.rotate()
    assert second.thumbprint() != first.thumbprint()
    assert ring.current().thumbprint() == second.thumbprint()
    kids = [k["kid"] for k in ring.jwks()["keys"]]
    assert kids == [first.thumbprint(), second.thumbprint()]
    assert verify(old_token, ring.jwks())[1] == first.thumbprint()
    assert verify(sign(FACTS, ring.current()), ring.jwks())[1] == second.thumbprint()


def test_key_files_are_private_and_jwks_has_no_private_part(tmp_path):
    ring = KeyRing(tmp_path)
    ring.current()
    (path,) = tmp_path.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (published,) = ring.jwks()["keys"]
    assert "d" not in published
    assert published["kty"] == "OKP" and published["crv"] == "Ed25519"


def test_first_key_is_made_once(tmp_path):
    one, two = KeyRing(tmp_path), KeyRing(tmp_path)
    assert one.current().thumbprint() == two.current().thumbprint()
    assert len(list(tmp_path.iterdir())) == 1


def test_many_threads_making_the_first_key_all_get_one_whole_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    for attempt in range(20):
        folder = tmp_path / str(attempt)
        with ThreadPoolExecutor(max_workers=6) as pool:
            kids = list(pool.map(lambda ring: ring.current().thumbprint(), [KeyRing(folder)] * 6))
        assert len(set(kids)) == 1
        assert [p.name for p in folder.iterdir()] == ["key-0001.pem"]


def test_a_token_is_rebuilt_from_its_key_id_payload_and_signature(tmp_path):
    key = KeyRing(tmp_path).current()
    token = sign(FACTS, key)
    assert assemble(key.thumbprint(), canonical_json(FACTS), token.split(".")[2]) == token
    assert token.split(".")[0] == protected_header(key.thumbprint())


class _CountingKey:
    """A public key that counts its Ed25519 checks."""

    def __init__(self, key) -> None:
        self.key, self.checks = key, 0

    def verify(self, signature: bytes, data: bytes) -> None:
        self.checks += 1
        self.key.verify(signature, data)


def test_a_remembered_match_skips_the_check_for_the_same_bytes_only(tmp_path, monkeypatch):
    ring = KeyRing(tmp_path)
    kid = ring.current().thumbprint()
    payload = canonical_json(FACTS)
    signature = sign(FACTS, ring.current()).split(".")[2]
    counting = _CountingKey(ring.published().public_keys[kid])
    keys = {kid: counting}
    remembered: dict = {}

    assert signature_matches(kid, payload, signature, keys, remembered)
    assert signature_matches(kid, payload, signature, keys, remembered)
    assert counting.checks == 1 and len(remembered) == 1

    # Changed facts under the remembered signature are checked, and fail.
    forged = canonical_json(dict(FACTS, holder="Someone Else"))
    assert not signature_matches(kid, forged, signature, keys, remembered)
    assert counting.checks == 2 and len(remembered) == 1
    # A key no longer published matches nothing, remembered or not.
    assert not signature_matches(kid, payload, signature, {}, remembered)

    monkeypatch.setattr("certificates.signing.REMEMBERED_MATCHES", 1)
    other = dict(FACTS, number="MED-2026-000002-X")
    other_signature = sign(other, ring.current()).split(".")[2]
    assert signature_matches(kid, canonical_json(other), other_signature, keys, remembered)
    assert len(remembered) == 1  # emptied when full, then this one remembered
    assert signature_matches(kid, payload, signature, keys, remembered)
    assert counting.checks == 4


def test_a_new_key_listing_starts_with_no_remembered_matches(tmp_path):
    ring = KeyRing(tmp_path)
    published = ring.published()
    published.matched[b"x"] = True
    ring.rotate()
    assert ring.published().matched == {}
