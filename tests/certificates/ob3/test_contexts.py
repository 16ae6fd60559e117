"""The bundled JSON-LD contexts are the published bytes, and the loader serves them only."""

from __future__ import annotations

import hashlib
import re

import pytest
from pyld import jsonld
from pyld.jsonld import JsonLdError

from certificates.ob3 import loader
from certificates.ob3.loader import CONTEXTS_DIR, FILES, bundled, document_loader, loader_with
from tests.certificates.ob3.helpers import EXAMPLES_V2, mediator_credential

# The table of contexts/PROVENANCE.md: | file | URL | sha256 | source |
ROW = re.compile(r"^\| ([\w.-]+) \| (https://\S+) \| ([0-9a-f]{64}) \|", re.MULTILINE)

# The digests the study and VC 2.0 publish (PROVENANCE.md must not drift from them either).
KNOWN = {
    "credentials-v2.jsonld": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    "ob-context-3.0.3.json": "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84",
    "ob-extensions.json": "87c06c81bc2317663bf288d740d94fddd2818c4342b186270ff6371dfaa63f93",
}


def _provenance() -> dict[str, tuple[str, str]]:
    text = (CONTEXTS_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    return {name: (url, digest) for name, url, digest in ROW.findall(text)}


def test_every_bundled_context_is_listed_with_its_url_and_sha256():
    rows = _provenance()
    on_disk = {path.name for path in CONTEXTS_DIR.iterdir() if path.name != "PROVENANCE.md"}
    assert set(rows) == on_disk == set(FILES.values())
    for name, (url, digest) in rows.items():
        assert FILES[url] == name
        assert hashlib.sha256((CONTEXTS_DIR / name).read_bytes()).hexdigest() == digest, name
    for name, digest in KNOWN.items():
        assert rows[name][1] == digest


def test_the_examples_context_is_not_in_the_sites_allowlist():
    assert EXAMPLES_V2 not in FILES
    with pytest.raises(JsonLdError) as refused:
        document_loader()(EXAMPLES_V2, {})
    assert refused.value.code == "loading document failed"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/evil-context.jsonld",
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "http://www.w3.org/ns/credentials/v2",  # http, not https
        "https://www.w3.org/ns/credentials/v2/",
    ],
)
def test_the_loader_refuses_any_other_url(url):
    with pytest.raises(JsonLdError) as refused:
        document_loader()(url, {})
    assert refused.value.code == "loading document failed"
    assert refused.value.details == {"url": url}


def test_a_document_naming_an_unknown_context_is_refused_not_fetched():
    document = mediator_credential()
    document["@context"] = [*document["@context"], "https://contexts.example.kz/extra.json"]
    with pytest.raises(JsonLdError):
        jsonld.expand(document, document_loader().options())


def test_contexts_are_parsed_once_per_process_and_handed_out_as_copies():
    assert bundled() is bundled()
    assert document_loader() is document_loader()
    served = document_loader()(loader.VC_V2, {})["document"]
    served["@context"]["injected"] = "https://example.com/x"
    assert "injected" not in document_loader()(loader.VC_V2, {})["document"]["@context"]


def test_a_test_loader_with_another_context_does_not_leak_into_the_sites():
    """Each loader has its own cache of processed contexts: a test loader that maps the OB
    URL to something else changes nothing for the site's loader."""
    credential = mediator_credential()
    before = jsonld.normalize(
        credential, document_loader().options(algorithm="URDNA2015", format="application/n-quads")
    )
    other = loader_with({loader.OB_V3P0: {"@context": {"@vocab": "https://other.example.kz/#"}}})
    changed = jsonld.normalize(
        credential, other.options(algorithm="URDNA2015", format="application/n-quads")
    )
    after = jsonld.normalize(
        credential, document_loader().options(algorithm="URDNA2015", format="application/n-quads")
    )
    assert changed != before
    assert after == before
