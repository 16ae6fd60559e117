"""The recipient's identity as Open Badges 3.0 ``IdentityObject`` hashes it.

``identityHash`` is ``"sha256$"`` + the hex SHA-256 of the identity followed by the salt
(OB 3.0 ``IdentityHash``; the spec's example: ``a@example.com`` salted with ``Kosher`` gives
``sha256$b5809d8a…ef399``). E-mail addresses are hashed in lower case with surrounding white
space removed, so the holder's own address, typed any way, finds the same hash.
"""

from __future__ import annotations

import hashlib
import secrets


def identity_hash(identity: str, salt: str = "") -> str:
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def email_identity(email: str, salt: str) -> dict:
    """An ``IdentityObject`` for an e-mail address (the address itself is not in it)."""
    return {
        "type": "IdentityObject",
        "identityHash": identity_hash(email.strip().lower(), salt),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def new_salt() -> str:
    """A fresh salt per credential (so equal addresses give unlinkable hashes)."""
    return secrets.token_urlsafe(16)
