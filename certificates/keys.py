"""The signing keys: Ed25519 key files in the instance folder, never in the repository.

Keys are ``key-0001.pem``, ``key-0002.pem``, ... in ``CERTIFICATE_KEYS_DIR`` (default
``<instance>/signing-keys``), private files readable by the owner only. The newest signs;
every key stays published in the JWKS, so certificates signed before a rotation still verify.
The first key is made on first use. Each file is written aside and linked into place, so two
workers starting together end up with one whole key, not two (and never a half-written one).

The keys are read and parsed once per process and kept with their JWKS (as a dict, as the
JSON bytes served and their ETag, and as the key set that verifies): each use lists the
directory (names and inode numbers, no file opened) and reads the files again only when that
listing changed, so a key added by ``rotate-key`` on this machine or another (a shared
directory) is published by every worker at its next request.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from joserfc.jwk import KeySet, OKPKey

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
    key_set: KeySet


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
        key_set=KeySet.import_key_set(copy.deepcopy(jwks)),
    )


class KeyRing:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _listing(self) -> tuple[tuple[int, str, int], ...]:
        """(serial, file name, inode) of each key file, oldest first: no file is opened."""
        try:
            with os.scandir(self.directory) as entries:
                found = [
                    (int(match.group(1)), entry.name, entry.inode())
                    for entry in entries
                    if (match := _NAME.match(entry.name))
                ]
        except (FileNotFoundError, NotADirectoryError):
            return ()
        return tuple(sorted(found))

    def _files(self) -> list[tuple[int, Path]]:
        return [(serial, self.directory / name) for serial, name, _ in self._listing()]

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
                    for _, name, _ in listing
                ]
                cached = _published[self.directory] = _publish(listing, keys)
        return cached

    def published(self) -> Published:
        """Every key as published (the first one made if there is none yet)."""
        loaded = self._loaded()
        if loaded is None:
            self.current()
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


def key_ring() -> KeyRing:
    configured = current_app.config.get("CERTIFICATE_KEYS_DIR")
    return KeyRing(Path(configured or Path(current_app.instance_path) / "signing-keys"))
