"""Ed25519 keys as Multikey (``z`` + base58btc of the multicodec prefix and the raw key) and
the key forms the suite accepts."""

from __future__ import annotations

import base64
from typing import Any

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub (varint 0xed)
ED25519_PRIV = b"\x80\x26"  # multicodec ed25519-priv (varint 0x1300)


class MultikeyError(ValueError):
    """Not an Ed25519 Multikey."""


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58 (Bitcoin alphabet)."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise MultikeyError("not multibase base58btc (no leading 'z')")
    try:
        return base58.b58decode(value[1:].encode("ascii"))
    except ValueError as error:
        raise MultikeyError(f"not base58btc: {error}") from None


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_multikey(key: Ed25519PublicKey | bytes) -> str:
    """``publicKeyMultibase`` of an Ed25519 public key (always starts ``z6Mk``)."""
    raw = key if isinstance(key, bytes) else raw_public(key)
    if len(raw) != 32:
        raise MultikeyError("an Ed25519 public key is 32 bytes")
    return encode_base58btc(ED25519_PUB + raw)


def public_key_from_multikey(value: str) -> Ed25519PublicKey:
    data = decode_base58btc(value)
    if len(data) != 34 or not data.startswith(ED25519_PUB):
        raise MultikeyError("not an Ed25519 public Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def private_key_from_multikey(value: str) -> Ed25519PrivateKey:
    """A ``secretKeyMultibase`` (multicodec ed25519-priv + the 32-byte seed)."""
    data = decode_base58btc(value)
    if len(data) != 34 or not data.startswith(ED25519_PRIV):
        raise MultikeyError("not an Ed25519 secret Multikey")
    return Ed25519PrivateKey.from_private_bytes(data[2:])


def public_key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    """The public key of an ``OKP`` / ``Ed25519`` JWK (what the JWKS publishes)."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise MultikeyError("not an Ed25519 JWK")
    x = jwk["x"]
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))


def private_key(key: Any) -> Ed25519PrivateKey:
    """An Ed25519 private key from what a caller holds: the key itself, its 32-byte seed (or
    the 64 bytes seed + public key of NaCl/libsodium), or a key of the site's key ring
    (joserfc ``OKPKey``)."""
    if isinstance(key, Ed25519PrivateKey):
        return key
    if isinstance(key, bytes | bytearray):
        if len(key) in (32, 64):
            return Ed25519PrivateKey.from_private_bytes(bytes(key[:32]))
        raise MultikeyError("an Ed25519 private key is 32 bytes (or 64 with the public key)")
    inner = getattr(key, "private_key", None)  # joserfc OKPKey
    if isinstance(inner, Ed25519PrivateKey):
        return inner
    raise MultikeyError(f"not an Ed25519 private key: {type(key).__name__}")
