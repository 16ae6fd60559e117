"""The frozen JSON-LD document loader: the bundled context files and nothing else.

A JSON-LD processor fetches every ``@context`` URL it meets. Ours never reaches the network,
in production or in tests: each allowlisted URL maps to a file in ``contexts/`` (byte for
byte as published, sha256 in ``contexts/PROVENANCE.md`` and asserted by a test), and any other
URL is refused with pyld's ``JsonLdError`` ("loading document failed"). The files are read and
parsed once per process; each loader keeps its own cache of processed contexts (pyld's shared
cache is keyed by URL alone, so a test loader with another revision of a context, or another
library's loader in the same process, could otherwise answer for ours).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

CONTEXTS_DIR = Path(__file__).parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

# The app's allowlist: URL -> file in contexts/. (The W3C examples context is test data only.)
FILES: Mapping[str, str] = MappingProxyType(
    {
        VC_V2: "credentials-v2.jsonld",
        OB_V3P0: "ob-context-3.0.3.json",
        OB_EXTENSIONS: "ob-extensions.json",
        DID_V1: "did-v1.jsonld",
        MULTIKEY_V1: "multikey-v1.jsonld",
    }
)


@cache
def bundled() -> Mapping[str, dict]:
    """Every allowlisted context, parsed once per process (read-only by convention: the
    loader hands pyld a copy)."""
    return MappingProxyType(
        {
            url: json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
            for url, name in FILES.items()
        }
    )


class FrozenLoader:
    """A pyld document loader serving only ``documents`` (URL -> parsed JSON)."""

    def __init__(self, documents: Mapping[str, dict]) -> None:
        self.documents = dict(documents)
        self._cache: dict[str, Any] = {}  # processed contexts, this loader's own

    def __call__(self, url: str, options: dict | None = None) -> dict:
        document = self.documents.get(url)
        if document is None:
            from pyld.jsonld import JsonLdError  # pyld is imported where it is used

            raise JsonLdError(
                "Refusing to load a JSON-LD document that is not bundled with the site.",
                "jsonld.LoadDocumentError",
                {"url": url},
                code="loading document failed",
            )
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            # pyld may add to what it is given; the bundled parse stays as read.
            "document": copy.deepcopy(document),
            "tag": "static",  # lets this loader's resolver keep the processed context
        }

    def options(self, **extra: Any) -> dict:
        """pyld options that use this loader and its own context cache."""
        from pyld.context_resolver import ContextResolver

        return {
            "documentLoader": self,
            "contextResolver": ContextResolver(self._cache, self),
            **extra,
        }


@cache
def document_loader() -> FrozenLoader:
    """The site's loader (one per process)."""
    return FrozenLoader(bundled())


def loader_with(extra: Mapping[str, dict]) -> FrozenLoader:
    """The site's contexts plus ``extra`` (tests: the W3C examples context, another revision
    of a context)."""
    return FrozenLoader({**bundled(), **extra})
