"""The site's ``did:web`` identifier and its DID document.

The DID comes from the configured public address (``LMS_PUBLIC_URL``), never from a request:
``https://academy.example.kz`` is ``did:web:academy.example.kz``; a port is percent-encoded
(``http://127.0.0.1:5000`` is ``did:web:127.0.0.1%3A5000``) and path segments become ``:``
(``https://example.kz/lms`` is ``did:web:example.kz:lms``, which resolvers fetch from
``https://example.kz/lms/did.json``; without a path, from ``/.well-known/did.json``).

The document lists **every** key of the certificates' key ring, old ones too (did:web keeps
no history: a key removed would leave the credentials it signed unverifiable), each as a
``Multikey`` with ``assertionMethod``. A key's verification method is
``<did>#<key id>``, the key id being the key's JWK thumbprint: the same ``kid`` the JWKS and
the certificates' JWS carry (``Certificate.key_id``), so one key has one name everywhere.
The document is built once per process for each state of the key ring (``KeyRing.published``
re-reads the keys only when one is added) and served with its bytes and ETag.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app

from certificates.keys import key_ring
from certificates.ob3.loader import DID_V1, MULTIKEY_V1
from certificates.ob3.multikey import (
    MultikeyError,
    public_key_from_jwk,
    public_key_from_multikey,
    public_multikey,
)


def did_web(public_url: str) -> str:
    """The ``did:web`` of a site served at ``public_url``."""
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not a site address: {public_url!r}")
    host = parts.hostname.rstrip(".").encode("idna").decode("ascii").lower()
    if parts.port is not None:
        host += f"%3A{parts.port}"
    segments = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", host, *segments])


def verification_method(did: str, key_id: str) -> str:
    return f"{did}#{key_id}"


def build_did_document(did: str, keys: Iterable[tuple[str, Ed25519PublicKey | bytes]]) -> dict:
    """A DID document publishing ``keys`` (key id, public key), oldest first."""
    methods = [
        {
            "id": verification_method(did, key_id),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_multikey(key),
        }
        for key_id, key in keys
    ]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


@dataclass(frozen=True)
class PublishedDid:
    did: str
    document: dict
    body: bytes  # as served
    etag: str
    keys: dict[str, Ed25519PublicKey]  # verification method id -> public key


# Per process: (DID, the key ring's JWKS ETag) -> the document. Replaced whole, no lock.
_published: dict[tuple[str, str], PublishedDid] = {}


def site_did() -> str:
    return did_web(current_app.config["PUBLIC_URL"])


def published() -> PublishedDid:
    """The site's DID document, built once per process and key ring state."""
    did = site_did()
    ring = key_ring().published()
    cached = _published.get((did, ring.etag))
    if cached is not None:
        return cached
    keys = [(jwk["kid"], public_key_from_jwk(jwk)) for jwk in ring.jwks["keys"]]
    document = build_did_document(did, keys)
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    made = PublishedDid(
        did=did,
        document=document,
        body=body,
        etag=hashlib.sha256(body).hexdigest()[:32],
        keys={verification_method(did, key_id): key for key_id, key in keys},
    )
    _published.clear()  # one state at a time is enough
    _published[(did, ring.etag)] = made
    return made


def did_document() -> dict:
    """The site's DID document (a copy: the caller may change it)."""
    return copy.deepcopy(published().document)


def site_verification_method(key) -> str:
    """The verification method id of a key of the site's key ring (joserfc ``OKPKey``)."""
    return verification_method(site_did(), key.thumbprint())


def site_public_key_for(method: str) -> Ed25519PublicKey | None:
    """For ``di.verify``: the site's key named by ``method`` (None for any other)."""
    return published().keys.get(method)


def public_key_for_document(document: dict):
    """A ``public_key_for`` that reads a given DID document (tests, saved copies): the key of
    a verification method it lists under ``assertionMethod``."""
    assertion = set(document.get("assertionMethod") or ())
    found: dict[str, Ed25519PublicKey] = {}
    for method in document.get("verificationMethod") or ():
        if method.get("id") in assertion and method.get("type") == "Multikey":
            try:
                found[method["id"]] = public_key_from_multikey(method.get("publicKeyMultibase"))
            except MultikeyError:
                continue
    return found.get
