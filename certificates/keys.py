"""The signing keys: Ed25519 key files in the instance folder, never in the repository.

Keys are ``key-0001.pem``, ``key-0002.pem``, ... in ``CERTIFICATE_KEYS_DIR`` (default
``<instance>/signing-keys``), private files readable by the owner only. The newest signs;
every key stays published in the JWKS, so certificates signed before a rotation still verify.
The first key is made on first use. Each file is written aside and linked into place, so two
workers starting together end up with one whole key, not two (and never a half-written one).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask import current_app
from joserfc.jwk import OKPKey

_NAME = re.compile(r"^key-(\d{4,})\.pem$")


class KeyRing:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _files(self) -> list[tuple[int, Path]]:
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.iterdir():
            match = _NAME.match(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def keys(self) -> list[OKPKey]:
        """Every key, oldest first."""
        return [OKPKey.import_key(path.read_bytes()) for _, path in self._files()]

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
        files = self._files()
        if not files:
            self._write(1)
            files = self._files()
        return OKPKey.import_key(files[-1][1].read_bytes())

    def rotate(self) -> OKPKey:
        """Add a new signing key; the old ones stay published."""
        while True:
            files = self._files()
            if self._write(files[-1][0] + 1 if files else 1):
                return self.current()

    def jwks(self) -> dict:
        keys = self.keys() or [self.current()]
        published = []
        for key in keys:
            data = key.as_dict(private=False)
            data.update({"kid": key.thumbprint(), "use": "sig", "alg": "EdDSA"})
            published.append(dict(sorted(data.items())))
        return {"keys": published}


def key_ring() -> KeyRing:
    configured = current_app.config.get("CERTIFICATE_KEYS_DIR")
    return KeyRing(Path(configured or Path(current_app.instance_path) / "signing-keys"))
