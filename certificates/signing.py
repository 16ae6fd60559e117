"""Signing what a certificate states: canonical JSON in an Ed25519 compact JWS.

The signed bytes are the frozen facts as *canonical JSON*, exactly::

    json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

that is: object keys sorted, no whitespace, UTF-8, non-ASCII letters written as themselves.
The facts hold only strings, integers, booleans, null, lists and objects (hours and percents
are strings such as "36.0"), so this is also RFC 8785 (JCS) output and any language can
re-create it. The JWS header is ``{"alg": "EdDSA", "kid": <RFC 7638 thumbprint>, "typ":
"JWT"}``; any JOSE library verifies it against ``/.well-known/jwks.json``. (RFC 9864 adds the
name "Ed25519" for the same algorithm; "EdDSA" is kept because every JOSE library accepts it.)

A token is therefore determined by the key id, the canonical facts and the signature:
``assemble`` rebuilds it byte for byte, so a certificate stores its facts once and only the
64-byte signature of its token (``Certificate.jws``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import warnings
from typing import Any

from cryptography.exceptions import InvalidSignature
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

ALGORITHM = "EdDSA"


class SignatureInvalid(Exception):
    """The token is malformed, signed by an unknown key, or its signature does not check."""


def canonical_json(facts: dict[str, Any]) -> bytes:
    _reject_floats(facts)
    return json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _reject_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("certificate facts use strings for decimals, never floats")
    if isinstance(value, dict):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)


def _quietly(call, *args, **kwargs):
    # joserfc warns that "EdDSA" is deprecated by RFC 9864; see the module docstring.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*EdDSA.*")
        return call(*args, **kwargs)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@functools.lru_cache(maxsize=64)
def protected_header(kid: str) -> str:
    """The first part of every token signed by key ``kid``, as ``sign`` writes it."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": "JWT"}
    return _b64(json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode())


def assemble(kid: str, payload: bytes, signature: str) -> str:
    """The compact token of key ``kid`` over ``payload`` (canonical JSON) with ``signature``
    (its third part): exactly what ``sign`` returned."""
    return f"{protected_header(kid)}.{_b64(payload)}.{signature}"


REMEMBERED_MATCHES = 8192  # signatures a process remembers having checked (about 1 MB)


def signature_matches(
    kid: str, payload: bytes, signature: str, public_keys: dict, remembered: dict | None = None
) -> bool:
    """Whether ``signature`` (the third part of a token, base64url) is key ``kid``'s Ed25519
    signature of the token ``assemble(kid, payload, signature)``: the check ``verify`` makes
    of that token, without building and parsing it again (the header is the standard one, so
    its algorithm is EdDSA; the payload is ``payload`` itself). ``public_keys`` maps key ids
    to the published public keys (``KeyRing.published().public_keys``); an unknown ``kid``
    does not match.

    ``remembered`` (``Published.matched``: one per set of published keys, so a key withdrawn
    takes its matches with it) holds a digest of each (kid, signature, payload) found to
    match: the same bytes match again without the Ed25519 check, the most expensive step of
    a lookup (0.1 ms). Any other bytes, a changed fact or signature, are checked in full. It
    is emptied when full (``REMEMBERED_MATCHES``)."""
    key = public_keys.get(kid)
    if key is None or not signature or len(signature) % 4 == 1:
        return False
    digest = None
    if remembered is not None:
        # kid and signature are base64url (no 0x1f); the payload, the only free bytes, is last.
        digest = hashlib.blake2b(
            b"\x1f".join((kid.encode(), signature.encode(), payload)), digest_size=32
        ).digest()
        if digest in remembered:
            return True
    try:
        raw = base64.b64decode(
            signature + "=" * (-len(signature) % 4), altchars=b"-_", validate=True
        )
    except ValueError:
        return False
    if len(raw) != 64 or _b64(raw) != signature:  # one spelling of each signature only
        return False
    signing_input = f"{protected_header(kid)}.{_b64(payload)}".encode("ascii")
    try:
        key.verify(raw, signing_input)
    except InvalidSignature:
        return False
    if remembered is not None:
        if len(remembered) >= REMEMBERED_MATCHES:
            remembered.clear()
        remembered[digest] = True
    return True


def sign(facts: dict[str, Any], key: OKPKey) -> str:
    header = {"alg": ALGORITHM, "kid": key.thumbprint(), "typ": "JWT"}
    return _quietly(
        jws.serialize_compact, header, canonical_json(facts), key, algorithms=[ALGORITHM]
    )


def verify(token: str, jwks: dict[str, Any] | KeySet) -> tuple[dict[str, Any], str]:
    """The facts a token signs and the key id that signed them, or :class:`SignatureInvalid`.

    Only keys of the given JWKS (a dict, or the key set ``KeyRing.published()`` keeps) are
    trusted, and only EdDSA: a token naming another algorithm (``none``, ``HS256``) is refused.
    """
    try:
        key_set = jwks if isinstance(jwks, KeySet) else KeySet.import_key_set(jwks)
        result = _quietly(jws.deserialize_compact, token, key_set, algorithms=[ALGORITHM])
        facts = json.loads(result.payload)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise SignatureInvalid(str(error) or type(error).__name__) from None
    if not isinstance(facts, dict):
        raise SignatureInvalid("the payload is not a JSON object")
    return facts, result.headers().get("kid", "")
