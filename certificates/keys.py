"""The signing keys: Ed25519 key files in the instance folder, never in the repository.

Keys are ``key-0001.pem``, ``key-0002.pem``, ... in ``CERTIFICATE_KEYS_DIR`` (default
``<instance>/signing-keys``), private files readable by the owner only. The newest signs;
every key stays published in the JWKS, so certificates signed before a rotation still verify.
The first key is made on first use. Each file is written aside and linked into place, so two
workers starting together end up with one whole key, not two (and never a half-written one).

A lost key is noticed before anyone needs it: ``missing_keys`` compares the keys named by
stored certificates with the files; it runs when the application starts (an error in the log)
and in ``/healthz`` (``signing_keys`` down: "degraded"). In production the first key is never
made silently while certificates exist (that would sign new certificates with a key no other
instance has, and older ones would stay unverifiable): ``current()`` refuses with
``SigningKeysLost`` until the files are restored, or an operator runs ``rotate-key``.

The keys are read and parsed once per process and kept with their JWKS (as a dict, as the
JSON bytes served and their ETag, and as the key set that verifies): each use lists the
directory (names, inode numbers and times, no file opened) and reads the files again only when that
listing changed, so a key added by ``rotate-key`` on this machine or another (a shared
directory) is published by every worker at its next request.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from joserfc.jwk import KeySet, OKPKey
from sqlalchemy import func, inspect, select

from lms.extensions import db
from lms.service_error import ServiceError

_NAME = re.compile(r"^key-(\d{4,})\.pem$")


@dataclass(frozen=True)
class Published:
    """The keys of one directory listing, parsed once: what the JWKS endpoint serves and what
    verifies a signature."""

    listing: tuple
    keys: tuple[OKPKey, ...]
    jwks: dict
    body: bytes  # the JWKS as served
    etag: str
    key_set: KeySet | None  # None when there is no key at all
    # kid -> the public key itself (cryptography's Ed25519PublicKey), for the verification's
    # direct check of a stored certificate's signature (signing.signature_matches).
    public_keys: dict = field(default_factory=dict)
    # The stored signatures found to match these keys (signing.signature_matches): a new
    # listing (a key added or withdrawn) starts with none.
    matched: dict = field(default_factory=dict, compare=False, repr=False)


# Per process: directory -> its keys as last read. Replaced whole, so readers need no lock.
_published: dict[Path, Published] = {}
_reading = threading.Lock()


def _publish(listing: tuple, keys: list[OKPKey]) -> Published:
    published = []
    for key in keys:
        data = key.as_dict(private=False)
        data.update({"kid": key.thumbprint(), "use": "sig", "alg": "EdDSA"})
        published.append(dict(sorted(data.items())))
    jwks = {"keys": published}
    body = json.dumps(jwks, separators=(",", ":")).encode() + b"\n"
    return Published(
        listing=listing,
        keys=tuple(keys),
        jwks=jwks,
        body=body,
        etag=hashlib.sha256(body).hexdigest()[:32],
        key_set=KeySet.import_key_set(copy.deepcopy(jwks)) if keys else None,
        public_keys={key.thumbprint(): key.public_key for key in keys},
    )


class SigningKeysLost(ServiceError):
    """The key files are gone while certificates signed with them exist."""


RELIST_SECONDS = 1.0  # how long a listing of the key folder stands while the folder is unchanged


class KeyRing:
    def __init__(self, directory: Path, guard: Callable[[], None] | None = None) -> None:
        self.directory = Path(directory)
        self.guard = guard  # called before the first key is made; raises to refuse
        # (the folder's inode and mtime, when it was listed, the listing): see _listing.
        self._listed: tuple[tuple[int, int], float, tuple] | None = None

    def _listing(self) -> tuple[tuple[int, str, int, int], ...]:
        """(serial, file name, inode, mtime) of each key file, oldest first: no file is
        opened. Every lookup asks, so the folder itself is looked at first: a key added,
        removed or restored changes its modification time, and while that stays the same
        the listing made less than ``RELIST_SECONDS`` ago still holds (a file rewritten in
        place, which leaves the folder's time alone, is seen within that time)."""
        try:
            folder = os.stat(self.directory)
        except (FileNotFoundError, NotADirectoryError):
            return ()
        state = (folder.st_ino, folder.st_mtime_ns)
        now = time.monotonic()
        listed = self._listed
        if listed is not None and listed[0] == state and now - listed[1] < RELIST_SECONDS:
            return listed[2]
        listing = self._list_files()
        self._listed = (state, now, listing)
        return listing

    def _list_files(self) -> tuple[tuple[int, str, int, int], ...]:
        try:
            with os.scandir(self.directory) as entries:
                # The inode alone is not enough: a deleted key's inode is often reused by
                # the next file written there (a key restored, or a new ring begun).
                found = [
                    (int(match.group(1)), entry.name, entry.inode(), entry.stat().st_mtime_ns)
                    for entry in entries
                    if (match := _NAME.match(entry.name))
                ]
        except (FileNotFoundError, NotADirectoryError):
            return ()
        return tuple(sorted(found))

    def _files(self) -> list[tuple[int, Path]]:
        return [(serial, self.directory / name) for serial, name, *_ in self._listing()]

    def _loaded(self, listing: tuple | None = None) -> Published | None:
        """The parsed keys of the directory as it is now (None when it holds none), read
        from disk only when its listing changed since this process last read it."""
        listing = self._listing() if listing is None else listing
        if not listing:
            return None
        cached = _published.get(self.directory)
        if cached is not None and cached.listing == listing:
            return cached
        with _reading:
            cached = _published.get(self.directory)
            if cached is None or cached.listing != listing:
                keys = [
                    OKPKey.import_key((self.directory / name).read_bytes())
                    for _, name, *_ in listing
                ]
                cached = _published[self.directory] = _publish(listing, keys)
        return cached

    def published(self) -> Published:
        """Every key as published (the first one made if there is none yet)."""
        loaded = self._loaded()
        if loaded is None:
            try:
                self.current()
            except SigningKeysLost:
                return _publish((), [])  # nothing to publish; nothing verifies
            loaded = self._loaded()
        assert loaded is not None
        return loaded

    def keys(self) -> list[OKPKey]:
        """Every key, oldest first."""
        loaded = self._loaded()
        return list(loaded.keys) if loaded else []

    def _write(self, serial: int) -> bool:
        """Write key number ``serial`` unless it exists. The key is written to a private
        temporary file first and then linked into place, so nobody ever reads half a key."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"key-{serial:04d}.pem"
        if path.exists():
            return False
        key = OKPKey.generate_key("Ed25519")
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".new-key-")
        try:
            with os.fdopen(descriptor, "wb") as handle:  # mkstemp makes it 0600
                handle.write(key.as_pem(private=True))
            try:
                os.link(temporary, path)  # atomic, and fails if another process won
            except FileExistsError:
                return False
            return True
        finally:
            os.unlink(temporary)

    def current(self) -> OKPKey:
        """The signing key, made on first use."""
        loaded = self._loaded()
        if loaded is None:
            if self.guard is not None:
                self.guard()
            self._write(1)
            loaded = self._loaded()
        assert loaded is not None
        return loaded.keys[-1]

    def rotate(self) -> OKPKey:
        """Add a new signing key; the old ones stay published."""
        while True:
            files = self._files()
            if self._write(files[-1][0] + 1 if files else 1):
                return self.current()

    def jwks(self) -> dict:
        """The public keys as a JWKS (a copy: the caller may change it)."""
        return copy.deepcopy(self.published().jwks)


def _signed_key_ids() -> set[str]:
    from certificates.models import Certificate

    return set(db.session.scalars(select(Certificate.key_id).distinct()))


def _refuse_a_new_ring_over_certificates() -> None:
    """Production only: no first key while certificates exist (their keys are lost)."""
    if current_app.config.get("NAME") != "production":
        return
    from certificates.models import Certificate

    if db.session.scalar(select(func.count()).select_from(Certificate)):
        current_app.logger.error(
            "signing keys missing in %s while certificates exist: not making a new key",
            key_ring().directory,
        )
        raise SigningKeysLost(
            _l(
                "Certificates cannot be signed now: the signing keys are missing on the "
                "server. Ask the administrator to restore them."
            )
        )


def key_ring() -> KeyRing:
    """The application's key ring (the object is kept per folder: every lookup asks for it)."""
    configured = current_app.config.get("CERTIFICATE_KEYS_DIR")
    return _ring_of(str(configured) if configured else _default_folder(current_app.instance_path))


@functools.lru_cache(maxsize=32)
def _default_folder(instance_path: str) -> str:
    return str(Path(instance_path) / "signing-keys")


@functools.lru_cache(maxsize=32)
def _ring_of(directory: str) -> KeyRing:
    return KeyRing(Path(directory), guard=_refuse_a_new_ring_over_certificates)


def missing_keys() -> set[str]:
    """The ids of keys that signed stored certificates but whose files are gone."""
    have = {key.thumbprint() for key in key_ring().keys()}  # noqa: SIM118  (not a dict)
    return _signed_key_ids() - have


def keys_present() -> bool:
    """The health check: every key that signed a stored certificate is on disk."""
    return not missing_keys()


def _has_certificates_table() -> bool:
    try:
        return inspect(db.engine).has_table("certificates")
    except Exception:  # the database cannot be reached at all: worth the warning
        return True


def report_missing_keys(app) -> None:
    """At start: one error line per lost key, so the operator hears of it before a lookup
    shows a certificate as not verifying or an issue is refused. Skipped, with a warning,
    while the database cannot be read (not migrated yet, or down: ``/healthz`` says more)."""
    with app.app_context():
        try:
            lost = missing_keys()
        except Exception as error:  # a database not ready must not stop the start
            db.session.rollback()
            if not _has_certificates_table():
                return  # not migrated yet (`flask db upgrade` itself starts the app first)
            reason = str(getattr(error, "orig", error)).strip().splitlines()[:1]
            app.logger.warning(
                "could not check the signing keys at start (%s: %s)",
                type(error).__name__,
                reason[0] if reason else "",
            )
            return
        finally:
            db.session.remove()
            # No connection opened here may outlive the start: gunicorn forks its workers
            # from this process, and a forked PostgreSQL connection is shared and broken.
            db.engine.dispose()
        directory = key_ring().directory
        for kid in sorted(lost):
            app.logger.error(
                "signing key %s is missing from %s: certificates it signed do not verify; "
                "restore the key file (flask backup / restore, or copy it from another "
                "instance)",
                kid,
                directory,
            )
