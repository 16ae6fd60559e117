"""Data Integrity proofs, cryptosuite ``eddsa-rdfc-2022`` (W3C vc-di-eddsa, section 3.3).

Signing (``add_proof``):

1. the proof configuration is the proof without ``proofValue``, with the document's
   ``@context``;
2. both it and the document without ``proof`` are canonicalised to N-Quads (pyld,
   URDNA2015, which equals RDFC-1.0 for what ``safe.check`` lets through) with the frozen
   loader;
3. ``hashData`` = SHA-256(canonical proof configuration) + SHA-256(canonical document);
4. the Ed25519 signature of ``hashData`` is ``proofValue``, multibase base58btc.

``sign`` runs ``safe.check`` first (the site's credentials); ``add_proof`` is the bare suite
(the W3C test vectors, whose contexts are not the site's). ``verify`` answers True or False;
``check_proof`` says why not with a ``ProofError`` (technical English, for logs and tests).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld
from pyld.jsonld import JsonLdError

from certificates.ob3 import safe
from certificates.ob3.loader import FrozenLoader, document_loader
from certificates.ob3.multikey import MultikeyError, decode_base58btc, encode_base58btc, private_key

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PURPOSE = "assertionMethod"
# XML Schema dateTimeStamp as VC 2.0 writes it: a time zone is required.
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")

PublicKeyFor = Callable[[str], Ed25519PublicKey | None]


class ProofError(ValueError):
    """The proof is missing, malformed, made by an unknown key, or does not match."""


def canonical_nquads(document: dict, *, loader: FrozenLoader | None = None) -> str:
    """The canonical N-Quads of a JSON-LD document, contexts from the frozen loader only."""
    loader = loader or document_loader()
    return jsonld.normalize(
        document, loader.options(algorithm="URDNA2015", format="application/n-quads")
    )


def proof_configuration(document: dict, verification_method: str, created: str) -> dict[str, Any]:
    """The proof options as signed (no ``proofValue``), with the document's ``@context``."""
    if not isinstance(created, str) or not DATETIME.match(created):
        raise ValueError(f"created must be an XML dateTime with a time zone: {created!r}")
    if not isinstance(verification_method, str) or not safe.ABSOLUTE_IRI.match(verification_method):
        raise ValueError(f"verificationMethod must be an absolute IRI: {verification_method!r}")
    return {
        "@context": copy.deepcopy(document.get("@context")),
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": PURPOSE,
    }


def hash_data(canonical_proof: str, canonical_document: str) -> bytes:
    """SHA-256 of the proof configuration, then SHA-256 of the document (64 bytes)."""
    return (
        hashlib.sha256(canonical_proof.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )


def _unsigned(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "proof"}


@lru_cache(maxsize=64)
def _canonical_configuration(text: str, loader: FrozenLoader) -> str:
    """The canonical N-Quads of a proof configuration (its JSON, keys sorted): a bulk issue
    signs many credentials within a second with one key and one ``@context``, whose proof
    configurations are then the same document."""
    return canonical_nquads(json.loads(text), loader=loader)


def add_proof(
    document: dict,
    key: Any,
    verification_method: str,
    created: str,
    *,
    loader: FrozenLoader | None = None,
    expanded: list | None = None,
) -> dict:
    """A new dict: ``document`` with a ``DataIntegrityProof`` (no safe-mode check).

    ``expanded``: ``document``'s JSON-LD expansion with the same loader, if the caller has it
    (``sign``: the safe-mode check's); it canonicalises to the same N-Quads as the document,
    without processing the contexts again."""
    if "proof" in document:
        raise ValueError("the document already has a proof")
    signer = private_key(key)
    loader = loader or document_loader()
    config = proof_configuration(document, verification_method, created)
    data = hash_data(
        _canonical_configuration(json.dumps(config, sort_keys=True), loader),
        canonical_nquads(document if expanded is None else expanded, loader=loader),
    )
    proof = {k: v for k, v in config.items() if k != "@context"}
    proof["proofValue"] = encode_base58btc(signer.sign(data))
    signed = copy.deepcopy(document)
    signed["proof"] = proof
    return signed


def sign(document: dict, key: Any, verification_method: str, created: str) -> dict:
    """The site's signing: ``safe.check`` (``CredentialRefused``), then ``add_proof``.

    ``key``: an ``Ed25519PrivateKey``, its 32-byte seed, or a key of the site's key ring.
    """
    expanded = safe.check(document)
    return add_proof(document, key, verification_method, created, expanded=expanded)


def check_proof(
    document: dict, public_key_for: PublicKeyFor, *, loader: FrozenLoader | None = None
) -> None:
    """Raise ``ProofError`` unless ``document`` carries one valid ``eddsa-rdfc-2022``
    assertion proof by a key ``public_key_for(verificationMethod)`` returns."""
    if not isinstance(document, dict):
        raise ProofError("the document is not a JSON object")
    try:
        safe.check_shape(document)  # bounded work before any JSON-LD processing
    except safe.CredentialRefused as error:
        raise ProofError(error.problem) from None
    proof = document.get("proof")
    if isinstance(proof, list):
        raise ProofError("proof sets are not supported: expected one proof")
    if not isinstance(proof, dict):
        raise ProofError("the document has no proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    if proof.get("proofPurpose") != PURPOSE:
        raise ProofError(f"proofPurpose is not {PURPOSE}")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise ProofError("verificationMethod is missing")
    try:
        signature = decode_base58btc(proof.get("proofValue"))
    except MultikeyError as error:
        raise ProofError(f"proofValue: {error}") from None
    if len(signature) != 64:
        raise ProofError("proofValue is not a 64-byte Ed25519 signature")
    public_key = public_key_for(method)
    if public_key is None:
        raise ProofError(f"unknown verification method: {method}")

    unsigned = _unsigned(document)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:  # vc-di-eddsa 3.3.2: the proof's context must lead the document's
        contexts = options["@context"]
        contexts = contexts if isinstance(contexts, list) else [contexts]
        documents = unsigned.get("@context")
        documents = documents if isinstance(documents, list) else [documents]
        if documents[: len(contexts)] != contexts:
            raise ProofError("the proof's @context does not match the document's")
        unsigned["@context"] = options["@context"]
    options["@context"] = unsigned.get("@context")
    try:
        # A term the contexts do not define is dropped from the canonical form: refuse it
        # rather than report a document whose extra fields nobody signed as valid.
        safe.check_graph(unsigned, loader=loader)
        data = hash_data(
            canonical_nquads(options, loader=loader), canonical_nquads(unsigned, loader=loader)
        )
    except safe.CredentialRefused as error:
        raise ProofError(error.problem) from None
    except JsonLdError as error:
        raise ProofError(f"JSON-LD: {error}") from None
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise ProofError("the signature does not match the document") from None


def verify(
    document: dict, public_key_for: PublicKeyFor, *, loader: FrozenLoader | None = None
) -> bool:
    """True when ``document``'s proof is valid (``check_proof`` says why it is not)."""
    try:
        check_proof(document, public_key_for, loader=loader)
    except ProofError:
        return False
    return True
