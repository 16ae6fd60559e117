"""Password hashing with argon2id; parameters come from the configuration."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_DUMMY_PASSWORD = "not-a-real-password"  # noqa: S105


def _hasher() -> PasswordHasher:
    cached = current_app.extensions.get("lms.password_hasher")
    if cached is None:
        config = current_app.config
        cached = PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_COST_KIB"],
            parallelism=config["ARGON2_PARALLELISM"],
            type=Type.ID,
        )
        current_app.extensions["lms.password_hasher"] = cached
    return cached


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError, UnicodeError):
        # UnicodeError: a hash planted with non-ASCII text (issue 18) is a wrong password too.
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def burn_verification_time(password: str) -> None:
    """Spend as long as a real check, so an unknown email is not told apart by timing."""
    hasher = _hasher()
    key = "lms.dummy_hash"
    dummy = current_app.extensions.get(key)
    if dummy is None:
        dummy = current_app.extensions[key] = hasher.hash(_DUMMY_PASSWORD)
    verify_password(dummy, password)
