"""The published eddsa-rdfc-2022 test vectors, reproduced byte for byte by certificates.ob3.di
(offline: contexts from the frozen loader only)."""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.ob3 import di
from certificates.ob3.loader import loader_with
from certificates.ob3.multikey import (
    decode_base58btc,
    private_key_from_multikey,
    public_key_from_multikey,
    public_multikey,
)
from tests.certificates.ob3.helpers import EXAMPLES_V2, VECTORS

W3C = VECTORS / "w3c"
ONE_EDTECH = VECTORS / "1edtech"


def _text(name: str) -> str:
    return (W3C / name).read_text(encoding="utf-8")


def _json(name: str) -> dict:
    return json.loads(_text(name))


def _other_last(text: str) -> str:
    return text[:-1] + ("f" if text[-1] != "f" else "g")


@pytest.fixture(scope="module")
def w3c_loader():
    """The site's contexts plus the W3C examples context, which only this vector uses."""
    return loader_with({EXAMPLES_V2: _json("credentials-examples-v2.jsonld")})


@pytest.fixture(scope="module")
def w3c_key():
    pair = _json("keyPair.json")
    return private_key_from_multikey(pair["privateKeyMultibase"]), public_key_from_multikey(
        pair["publicKeyMultibase"]
    )


def test_w3c_vector_every_intermediate_matches(w3c_loader, w3c_key):
    private, _ = w3c_key
    assert public_multikey(private.public_key()) == _json("keyPair.json")["publicKeyMultibase"]
    unsigned = _json("unsigned.json")
    config = _json("proofConfigDataInt.json")
    assert (
        di.proof_configuration(unsigned, config["verificationMethod"], config["created"]) == config
    )

    canonical_document = di.canonical_nquads(unsigned, loader=w3c_loader)
    canonical_proof = di.canonical_nquads(config, loader=w3c_loader)
    assert canonical_document == _text("canonDocDataInt.txt")
    assert canonical_proof == _text("proofCanonDataInt.txt")
    assert hashlib.sha256(canonical_document.encode()).hexdigest() == _text("docHashDataInt.txt")
    assert hashlib.sha256(canonical_proof.encode()).hexdigest() == _text("proofHashDataInt.txt")
    data = di.hash_data(canonical_proof, canonical_document)
    assert data.hex() == _text("combinedHashDataInt.txt")
    assert private.sign(data).hex() == _text("sigHexDataInt.txt")

    signed = di.add_proof(
        unsigned, private, config["verificationMethod"], config["created"], loader=w3c_loader
    )
    assert signed["proof"]["proofValue"] == _text("sigBTC58DataInt.txt")
    assert signed == _json("signedDataInt.json")
    assert "proof" not in unsigned  # a new dict; the input is left as it was


def _w3c_key_for(public, method):
    return lambda asked: public if asked == method else None


def test_the_published_signed_w3c_vector_verifies(w3c_loader, w3c_key):
    signed = _json("signedDataInt.json")
    key_for = _w3c_key_for(w3c_key[1], signed["proof"]["verificationMethod"])
    di.check_proof(signed, key_for, loader=w3c_loader)
    assert di.verify(signed, key_for, loader=w3c_loader)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("name", "Alumni Credentiam"),
        lambda d: d["credentialSubject"].__setitem__("alumniOf", "The School of Examplez"),
        lambda d: d.__setitem__("validFrom", "2023-01-01T00:00:01Z"),
        lambda d: d["proof"].__setitem__("created", "2023-02-24T23:36:39Z"),
        lambda d: d["proof"].__setitem__("proofValue", _other_last(d["proof"]["proofValue"])),
    ],
    ids=["name", "subject", "validFrom", "proof-created", "proofValue"],
)
def test_a_one_character_change_fails(w3c_loader, w3c_key, change):
    signed = _json("signedDataInt.json")
    key_for = _w3c_key_for(w3c_key[1], signed["proof"]["verificationMethod"])
    change(signed)
    assert not di.verify(signed, key_for, loader=w3c_loader)
    with pytest.raises(di.ProofError):
        di.check_proof(signed, key_for, loader=w3c_loader)


def test_the_w3c_vector_needs_its_examples_context_which_the_site_does_not_serve(w3c_key):
    """Without the test-only context the site's loader refuses, and nothing verifies."""
    signed = _json("signedDataInt.json")
    key_for = _w3c_key_for(w3c_key[1], signed["proof"]["verificationMethod"])
    with pytest.raises(di.ProofError, match="not bundled"):
        di.check_proof(signed, key_for)


def test_1edtech_ob3_vector_matches_byte_for_byte():
    vector = json.loads((ONE_EDTECH / "vector.json").read_text(encoding="utf-8"))
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["privateKeyHex"])[:32])
    assert private.public_key().public_bytes_raw().hex() == vector["publicKeyHex"]
    assert public_multikey(private.public_key()) == vector["publicKeyMultibase"]
    credential = vector["credential"]
    config = di.proof_configuration(credential, vector["verificationMethod"], vector["created"])

    canonical_document = di.canonical_nquads(credential)  # the site's own loader
    canonical_proof = di.canonical_nquads(config)
    assert canonical_document == (ONE_EDTECH / "document-canon.txt").read_text(encoding="utf-8")
    assert canonical_proof == (ONE_EDTECH / "proof-canon.txt").read_text(encoding="utf-8")
    assert hashlib.sha256(canonical_document.encode()).hexdigest() == vector["documentHashHex"]
    assert hashlib.sha256(canonical_proof.encode()).hexdigest() == vector["proofHashHex"]
    data = di.hash_data(canonical_proof, canonical_document)
    assert data.hex() == vector["dataToSignHex"]
    assert private.sign(data).hex() == vector["signatureHex"]

    signed = di.add_proof(credential, private, vector["verificationMethod"], vector["created"])
    assert signed["proof"]["proofValue"] == vector["proofValue"]
    assert decode_base58btc(vector["proofValue"]).hex() == vector["signatureHex"]
    public = private.public_key()
    method = vector["verificationMethod"]
    assert di.verify(signed, lambda asked: public if asked == method else None)
