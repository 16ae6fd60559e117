"""The signing keys: Ed25519 key files in the instance folder, never in the repository.

Keys are ``key-0001.pem``, ``key-0002.pem``, ... in ``CERTIFICATE_KEYS_DIR`` (default
``<instance>/signing-keys``), private files readable by the owner only. The newest signs;
every key stays published in the JWKS, so certificates signed before a rotation still verify.
The first key is made on first use. Files are created with ``O_EXCL``, so two workers starting
together end up with one key, not two.
"""

from __future__ import annotations

import os
import re
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
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"key-{serial:04d}.pem"
        key = OKPKey.generate_key("Ed25519")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key.as_pem(private=True))
        return True

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
