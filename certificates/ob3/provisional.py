"""TEMPORARY stand-in for fix/ob3-core's di/did until that branch is merged (then deleted)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import base58
from pyld import jsonld

_DIR = Path("/work/shared/credentials/contexts")
_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json",
}


def _loader(url, options=None):
    name = _FILES.get(url)
    if name is None:
        raise jsonld.JsonLdError("refused", "jsonld.LoadDocumentError", {"url": url})
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads((_DIR / name).read_text(encoding="utf-8")),
    }


def _canon(doc):
    return jsonld.normalize(
        doc,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader},
    ).encode()


def _hash(document, options):
    options = dict(options)
    options["@context"] = document["@context"]
    body = {k: v for k, v in document.items() if k != "proof"}
    return hashlib.sha256(_canon(options)).digest() + hashlib.sha256(_canon(body)).digest()


def sign(document, private_key, verification_method, created):
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash(document, options))
    signed = copy.deepcopy(document)
    signed["proof"] = {**options, "proofValue": "z" + base58.b58encode(signature).decode()}
    return signed


def verify(document, public_key_for) -> bool:
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return False
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    key = public_key_for(proof.get("verificationMethod"))
    if key is None:
        return False
    try:
        key.verify(base58.b58decode(proof["proofValue"][1:]), _hash(document, options))
    except Exception:
        return False
    return True
