"""Safe mode before signing: what pyld would sign "fine" but other verifiers read otherwise.

pyld 3.3 has no JSON-LD safe mode, and since 3.0 it resolves a relative IRI against
``http://example.org/base/`` without a word; it implements URDNA2015, whose N-Quads escape a
few control characters differently from RDFC-1.0 (what jsonld.js and the 1EdTech validator
use). A credential that meets any of these signs in Python and fails in every other
verifier. ``check`` refuses, before anything is signed, with a ``CredentialRefused`` (a
``ServiceError``: a sentence in the reader's language, and ``problem``, the same in technical
English for the log):

- a document over ``MAX_BYTES`` of JSON or nested deeper than ``MAX_DEPTH``;
- a string (key or value) with a C0 control character other than tab, newline and carriage
  return, or DEL (U+007F), or a lone surrogate; a number JSON cannot carry exactly
  (NaN, infinity, an integer past 2**53);
- a ``@context`` other than exactly [VC v2], [VC v2, OB 3.0.3] or [VC v2, OB 3.0.3, OB
  extensions], or a ``@context`` anywhere but at the top (it could redefine a term);
- a term the contexts do not define (pyld drops it silently, so it would not be signed);
- an IRI that is relative (pyld resolves it against its placeholder base, so anything
  under ``http://example.org/`` is refused), or malformed for jsonld.js (white space,
  ``<>"{}|\\^```);
- a placeholder IRI: the hosts reserved for examples (RFC 2606: example.com, .net, .org and
  their subdomains, the TLDs .example and .invalid).

``check_shape`` (the JSON: size, depth, characters, numbers) and ``check_graph`` (terms and
IRIs) apply to any JSON-LD: verification runs them too, since a dropped term is outside the
signature and a control character is canonicalised differently elsewhere.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from certificates.ob3.loader import OB_EXTENSIONS, OB_V3P0, VC_V2, FrozenLoader, document_loader
from lms.service_error import ServiceError

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32
ALLOWED_CONTEXTS = (
    (VC_V2,),
    (VC_V2, OB_V3P0),
    (VC_V2, OB_V3P0, OB_EXTENSIONS),
)
# pyld's jsonld.DEFAULT_BASE_IRI (a test holds the two together). pyld itself (10 MB with
# requests) is imported when a credential is first checked, not by every web worker.
PLACEHOLDER_BASE = "http://example.org/base/"
# Where pyld's placeholder base puts a relative IRI ("x", "/x" and "../x" all land here).
PLACEHOLDER_ORIGIN = "http://example.org/"
PLACEHOLDER_HOSTS = ("example.com", "example.net", "example.org")
PLACEHOLDER_TLDS = ("example", "invalid")

# What URDNA2015 (pyld) and RDFC-1.0 (jsonld.js, rdf-canonize) write differently: C0 controls
# but tab, newline and carriage return, and DEL. Lone surrogates cannot be hashed as UTF-8.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# An absolute IRI as jsonld.js accepts one (or a blank node), with nothing N-Quads must escape.
ABSOLUTE_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*|_):[^\s<>\"{}|\\^`]*$")
MAX_INTEGER = 2**53


class CredentialRefused(ServiceError):
    """The document would not be read the same by every verifier; nothing was signed."""

    def __init__(self, message, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


def check(document: Any, *, loader: FrozenLoader | None = None) -> list:
    """Refuse (``CredentialRefused``) a credential that is not safe to sign; returns its
    expanded form (``check_graph``)."""
    check_shape(document)
    _check_contexts(document)
    expanded = check_graph(document, loader=loader)
    _check_placeholders(expanded)
    return expanded


def check_shape(document: Any) -> None:
    """The JSON alone: an object, within the size and depth caps, no control character, no
    number JSON cannot carry exactly (verification runs it too, before any JSON-LD work)."""
    if not isinstance(document, dict):
        raise CredentialRefused(
            _l("The credential is not a JSON object."), "the document is not a JSON object"
        )
    _check_values(document, depth=0, where="$")
    _check_size(document)


def check_graph(document: dict, *, loader: FrozenLoader | None = None) -> list:
    """Expand ``document`` with the frozen loader; refuse dropped terms and bad IRIs. Returns
    the expanded form."""
    from pyld import jsonld
    from pyld.jsonld import JsonLdError

    dropped: list[str] = []
    loader = loader or document_loader()
    try:
        expanded = jsonld.expand(
            document,
            loader.options(),
            on_property_dropped=lambda term: dropped.append(str(term)),
        )
    except JsonLdError as error:
        url = _refused_url(error)
        if url:
            raise CredentialRefused(
                _l(
                    "The credential uses a context that is not bundled with the site: %(url)s.",
                    url=url,
                ),
                f"context not bundled: {url}",
            ) from error
        raise CredentialRefused(
            _l("The credential is not valid JSON-LD."), f"JSON-LD expansion failed: {error}"
        ) from error
    if dropped:
        terms = ", ".join(sorted(set(dropped)))
        raise CredentialRefused(
            _l("The credential uses terms its contexts do not define: %(terms)s.", terms=terms),
            f"dropped terms: {terms}",
        )
    for iri in _iris(expanded):
        if not ABSOLUTE_IRI.match(iri) or iri.startswith(PLACEHOLDER_ORIGIN):
            shown = iri.removeprefix(PLACEHOLDER_BASE)
            raise CredentialRefused(
                _l(
                    "The credential has an identifier or type that is not a full address: "
                    "%(value)s.",
                    value=shown,
                ),
                f"relative IRI: {iri!r}",
            )
    return expanded


def _refused_url(error: BaseException) -> str | None:
    """The URL of a context the loader refused, anywhere in the error's causes."""
    seen: BaseException | None = error
    while seen is not None:
        details = getattr(seen, "details", None)
        if isinstance(details, dict) and isinstance(details.get("url"), str):
            return details["url"]
        seen = seen.__cause__ or seen.__context__
    return None


def _check_size(document: dict) -> None:
    try:
        size = len(json.dumps(document, ensure_ascii=False, allow_nan=False).encode())
    except (ValueError, UnicodeEncodeError, TypeError, RecursionError) as error:
        raise CredentialRefused(
            _l("The credential holds a value that JSON cannot carry exactly."),
            f"not serialisable as JSON: {error}",
        ) from error
    if size > MAX_BYTES:
        raise CredentialRefused(
            _l("The credential is too large to sign."), f"{size} bytes > {MAX_BYTES}"
        )


def _control(where: str, text: str) -> CredentialRefused:
    found = FORBIDDEN.search(text)
    assert found is not None
    code = f"U+{ord(found.group()):04X}"
    return CredentialRefused(
        _l(
            "The credential contains a control character (%(code)s in %(where)s) that "
            "verifiers read differently; remove it and try again.",
            code=code,
            where=where,
        ),
        f"control character {code} in {where}",
    )


def _check_values(value: Any, *, depth: int, where: str) -> None:
    if depth > MAX_DEPTH:
        raise CredentialRefused(
            _l("The credential is nested too deeply."), f"deeper than {MAX_DEPTH} at {where}"
        )
    if isinstance(value, str):
        if FORBIDDEN.search(value):
            raise _control(where, value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise CredentialRefused(
                _l("The credential holds a value that JSON cannot carry exactly."),
                f"integer beyond 2**53 at {where}",
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CredentialRefused(
                _l("The credential holds a value that JSON cannot carry exactly."),
                f"non-finite number at {where}",
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CredentialRefused(
                    _l("The credential is not valid JSON-LD."), f"non-string key at {where}"
                )
            if FORBIDDEN.search(key):
                raise _control(where, key)
            if key == "@context" and depth > 0:
                raise CredentialRefused(
                    _l("The credential may set its contexts only at the top."),
                    f"embedded @context at {where}",
                )
            _check_values(item, depth=depth + 1, where=f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, depth=depth + 1, where=f"{where}[{index}]")
    else:
        raise CredentialRefused(
            _l("The credential holds a value that JSON cannot carry exactly."),
            f"{type(value).__name__} at {where}",
        )


def _check_contexts(document: dict) -> None:
    contexts = document.get("@context")
    if isinstance(contexts, str):
        contexts = [contexts]
    if not isinstance(contexts, list) or tuple(contexts) not in ALLOWED_CONTEXTS:
        raise CredentialRefused(
            _l(
                "The credential's contexts must be the W3C credentials v2 context, then the "
                "Open Badges 3.0.3 context (and its extensions), in that order."
            ),
            f"@context not allowed: {contexts!r}",
        )


def _iris(expanded: Any):
    """Every IRI of an expanded document: node ids, types, datatypes and property names."""
    if isinstance(expanded, list):
        for item in expanded:
            yield from _iris(item)
        return
    if not isinstance(expanded, dict):
        return
    for key, value in expanded.items():
        if key == "@id" and isinstance(value, str):
            yield value
        elif key == "@type":
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and not item.startswith("@"):
                    yield item
        elif key == "@value":
            continue
        else:
            if not key.startswith("@"):
                yield key
            yield from _iris(value)


def _addresses(expanded: Any):
    """The IRIs and the ``xsd:anyURI`` literals (``url``, ``image`` and the like)."""
    yield from _iris(expanded)
    if isinstance(expanded, list):
        for item in expanded:
            yield from _addresses_in_values(item)
    else:
        yield from _addresses_in_values(expanded)


def _addresses_in_values(node: Any):
    if isinstance(node, list):
        for item in node:
            yield from _addresses_in_values(item)
    elif isinstance(node, dict):
        datatype = node.get("@type")
        if isinstance(datatype, str) and datatype.endswith("#anyURI"):
            value = node.get("@value")
            if isinstance(value, str):
                yield value
        for key, value in node.items():
            if key != "@value":
                yield from _addresses_in_values(value)


def _check_placeholders(expanded: list) -> None:
    for iri in _addresses(expanded):
        if not iri.lower().startswith(("http://", "https://")):
            continue
        host = (urlsplit(iri).hostname or "").rstrip(".")
        if (
            host in PLACEHOLDER_HOSTS
            or host.endswith(tuple("." + name for name in PLACEHOLDER_HOSTS))
            or host.rsplit(".", 1)[-1] in PLACEHOLDER_TLDS
        ):
            raise CredentialRefused(
                _l("The credential names a placeholder address: %(value)s.", value=iri),
                f"placeholder IRI: {iri}",
            )
