"""eddsa-rdfc-2022 signing and verification of the site's credentials (certificates.ob3.di)."""

from __future__ import annotations

import copy

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from joserfc.jwk import OKPKey

from certificates.ob3 import di
from certificates.ob3.identity import email_identity, identity_hash
from certificates.ob3.multikey import decode_base58btc
from tests.certificates.ob3.helpers import CREATED, DID, mediator_credential, signed_case

METHOD = f"{DID}#key-1"


def _key_for(key):
    public = key.public_key()
    return lambda method: public if method == METHOD else None


def test_sign_adds_one_data_integrity_proof_and_leaves_the_input_alone():
    key = Ed25519PrivateKey.generate()
    credential = mediator_credential()
    before = copy.deepcopy(credential)
    signed = di.sign(credential, key, METHOD, CREATED)
    assert credential == before
    assert {k: v for k, v in signed.items() if k != "proof"} == credential
    proof = signed["proof"]
    assert {k: v for k, v in proof.items() if k != "proofValue"} == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": CREATED,
        "verificationMethod": METHOD,
        "proofPurpose": "assertionMethod",
    }
    assert proof["proofValue"].startswith("z")
    assert len(decode_base58btc(proof["proofValue"])) == 64
    assert di.verify(signed, _key_for(key))


def test_every_form_of_the_key_signs_the_same():
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes_raw()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    ring_key = OKPKey.import_key(pem)  # as certificates.keys reads a key file
    proofs = {
        di.sign(mediator_credential(), form, METHOD, CREATED)["proof"]["proofValue"]
        for form in (key, seed, seed + key.public_key().public_bytes_raw(), ring_key)
    }
    assert len(proofs) == 1  # Ed25519 is deterministic


def test_signing_reuses_work_without_changing_a_byte():
    """``sign`` hands the safe-mode check's expansion to the canonicalisation and keeps the
    canonical proof configuration of a second: the same proof as canonicalising it all anew,
    for credentials signed in the same second or another one."""
    key = Ed25519PrivateKey.generate()
    for created in (CREATED, CREATED, "2026-01-02T03:04:05Z"):
        for name in ("Айгуль Ахметова", "Jane Doe"):
            credential = mediator_credential()
            credential["credentialSubject"]["name"] = name
            config = di.proof_configuration(credential, METHOD, created)
            data = di.hash_data(di.canonical_nquads(config), di.canonical_nquads(credential))
            expected = di.encode_base58btc(key.sign(data))
            assert di.sign(credential, key, METHOD, created)["proof"]["proofValue"] == expected


@pytest.mark.parametrize("bad", [b"short", "a string", 42, None])
def test_a_key_that_is_not_ed25519_is_refused(bad):
    with pytest.raises(ValueError):
        di.sign(mediator_credential(), bad, METHOD, CREATED)


@pytest.mark.parametrize(
    ("created", "method"),
    [
        ("2025-06-20", METHOD),
        ("2025-06-20T08:00:00", METHOD),  # no time zone
        ("yesterday", METHOD),
        (CREATED, "key-1"),
        (CREATED, "did:web:x#a b"),
    ],
)
def test_created_and_the_verification_method_are_checked(created, method):
    with pytest.raises(ValueError):
        di.sign(mediator_credential(), Ed25519PrivateKey.generate(), method, created)


def test_a_signed_document_is_not_signed_again():
    case = signed_case()
    with pytest.raises(ValueError, match="already has a proof"):
        di.sign(case.credential, case.key, METHOD, CREATED)


def _tamper(document, path, value):
    target = document
    *parents, last = path
    for part in parents:
        target = target[part]
    target[last] = value


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("credentialSubject", "name"), "Әсел Төлеуовa", "does not match"),  # Latin a
        (("validUntil",), "2199-06-20T00:00:00Z", "does not match"),
        (("credentialStatus", 0, "statusListIndex"), "94568", "does not match"),
        (("issuer", "id"), "did:web:other.kz", "does not match"),
        (("extra_field",), "not signed", "dropped terms: extra_field"),
        (("proof", "proofPurpose"), "authentication", "proofPurpose"),
        (("proof", "cryptosuite"), "eddsa-2022", "cryptosuite"),
        (("proof", "verificationMethod"), f"{DID}#key-2", "unknown verification method"),
        (("proof", "proofValue"), "uAAAA", "multibase"),
        (("proof", "proofValue"), "z3", "64-byte"),
        (("proof", "created"), "2025-06-20T08:00:01Z", "does not match"),
    ],
)
def test_a_changed_credential_fails_with_the_reason(path, value, reason):
    case = signed_case()
    tampered = copy.deepcopy(case.credential)
    _tamper(tampered, path, value)
    assert not di.verify(tampered, case.public_key_for())
    with pytest.raises(di.ProofError, match=reason):
        di.check_proof(tampered, case.public_key_for())
    assert di.verify(case.credential, case.public_key_for())


def test_a_control_character_added_after_signing_is_refused_at_verification():
    case = signed_case()
    tampered = copy.deepcopy(case.credential)
    tampered["name"] += "\f"
    with pytest.raises(di.ProofError, match=r"control character U\+000C in \$\.name"):
        di.check_proof(tampered, case.public_key_for())


@pytest.mark.parametrize(
    "document",
    [[], {"name": "no proof"}, {"proof": [{}, {}]}, {"proof": "z"}],
    ids=["not an object", "no proof", "proof set", "proof not an object"],
)
def test_malformed_documents_do_not_verify(document):
    assert not di.verify(document, lambda method: None)


def test_identity_hash_reproduces_the_spec_example():
    assert identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )
    identity = email_identity("  A@Example.com ", "Kosher")
    assert identity == {
        "type": "IdentityObject",
        "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "Kosher",
    }
