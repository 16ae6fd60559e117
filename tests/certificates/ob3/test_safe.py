"""Safe mode before signing: every refusal, each with a clear message, and nothing signed."""

from __future__ import annotations

import copy

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.ob3 import di, safe
from certificates.ob3.loader import OB_EXTENSIONS, OB_V3P0, VC_V2
from lms.service_error import ServiceError
from tests.certificates.ob3.helpers import CREATED, DID, encoded_list, mediator_credential

SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}


def _nested(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


def _with(change):
    document = mediator_credential()
    change(document)
    return document


def _set(path: str, value):
    """A change setting ``value`` at a dotted path (``issuer.name``)."""

    def change(document):
        *parents, last = path.split(".")
        target = document
        for part in parents:
            target = target[part]
        target[last] = value

    return change


REFUSED = {
    # trap 2: pyld drops an undefined term silently, so it would not be signed
    "undefined term": (_set("typo_field", "x"), "dropped terms: typo_field"),
    "undefined term, nested": (
        _set("credentialSubject.achievement.hours", 40),
        "dropped terms: hours",
    ),
    "credentialSchema without extensions.json": (
        _set("credentialSchema", [SCHEMA]),
        "relative IRI: 'http://example.org/base/1EdTechJsonSchemaValidator2019'",
    ),
    "non-URL id": (
        _set("id", "MED-7K2M-9QX4-T8RW-3HZP-V"),
        "relative IRI: 'http://example.org/base/MED-7K2M-9QX4-T8RW-3HZP-V'",
    ),
    "relative achievement id": (
        _set("credentialSubject.achievement.id", "/achievements/x"),
        "relative IRI: 'http://example.org/achievements/x'",
    ),
    "misspelt type": (_set("issuer.type", ["Profil"]), "relative IRI"),
    "placeholder base written out": (
        _set("id", "http://example.org/base/credentials/1"),
        "relative IRI: 'http://example.org/base/credentials/1'",
    ),
    "IRI with a space": (
        _set("id", "https://certs.mediation-academy.kz/credentials/a b"),
        "relative IRI",
    ),
    "placeholder host": (_set("issuer.url", "https://example.com"), "placeholder IRI"),
    "placeholder subdomain": (
        _set("id", "https://badges.example.org/credentials/1"),
        "placeholder IRI",
    ),
    "placeholder TLD": (_set("id", "https://vc.example/credentials/1"), "placeholder IRI"),
    # trap 1: URDNA2015 (pyld) and RDFC-1.0 escape these differently
    "form feed": (_set("name", "Медиатор\fсертификаты"), "control character U+000C in $.name"),
    "backspace": (_set("issuer.name", "a\bb"), "control character U+0008 in $.issuer.name"),
    "U+0001": (
        _set("credentialSubject.name", "Әсел\u0001"),
        "control character U+0001 in $.credentialSubject.name",
    ),
    "NUL": (_set("description", "a\x00b"), "control character U+0000 in $.description"),
    "DEL": (_set("name", "a\x7fb"), "control character U+007F in $.name"),
    "vertical tab in a list": (
        lambda d: d["evidence"][0].__setitem__("narrative", "a\vb"),
        "control character U+000B in $.evidence[0].narrative",
    ),
    "control character in a key": (
        _set("bad\x01key", "x"),
        "control character U+0001 in $",
    ),
    "lone surrogate": (_set("name", "a\ud800b"), "control character U+D800 in $.name"),
    # contexts: exactly VC v2, then OB 3.0.3 (then extensions)
    "context order": (_set("@context", [OB_V3P0, VC_V2]), "@context not allowed"),
    "extra context": (
        _set("@context", [VC_V2, OB_V3P0, "https://contexts.mediation-academy.kz/x.json"]),
        "@context not allowed",
    ),
    "VC v1": (
        _set("@context", ["https://www.w3.org/2018/credentials/v1", OB_V3P0]),
        "@context not allowed",
    ),
    "extensions without OB": (_set("@context", [VC_V2, OB_EXTENSIONS]), "@context not allowed"),
    "inline context": (_set("@context", [VC_V2, OB_V3P0, {"x": "https://x.kz/"}]), "@context"),
    "embedded context": (
        _set("issuer.@context", {"name": "https://evil.kz/name"}),
        "embedded @context at $.issuer",
    ),
    # size and numbers
    "too large": (_set("description", "ж" * 140_000), "bytes > 262144"),
    "too deep": (
        _set("credentialSubject.achievement.criteria.narrative", _nested(31)),
        "deeper than 32",
    ),
    "NaN": (_set("credentialSubject.achievement.humanCode", float("nan")), "non-finite number"),
    "huge integer": (_set("credentialSubject.achievement.humanCode", 2**60), "beyond 2**53"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_refused_before_signing(case):
    change, problem = REFUSED[case]
    document = _with(change)
    untouched = copy.deepcopy(document)
    with pytest.raises(safe.CredentialRefused) as refused:
        di.sign(document, Ed25519PrivateKey.generate(), f"{DID}#key-1", CREATED)
    assert problem in refused.value.problem
    assert isinstance(refused.value, ServiceError) and str(refused.value.message)
    assert document == untouched  # nothing added, nothing signed


def test_the_mediator_credential_is_safe_and_extensions_allow_credential_schema():
    safe.check(mediator_credential())
    with_schema = mediator_credential(credentialSchema=[SCHEMA])
    with_schema["@context"] = [VC_V2, OB_V3P0, OB_EXTENSIONS]
    safe.check(with_schema)
    safe.check(
        {
            "@context": [VC_V2],
            "id": "https://certs.mediation-academy.kz/status/revocation/1",
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": DID,
            "validFrom": "2025-06-20T00:00:00Z",
            "credentialSubject": {
                "id": "https://certs.mediation-academy.kz/status/revocation/1#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded_list(set()),
            },
        }
    )


def test_tab_newline_and_carriage_return_are_allowed():
    safe.check(mediator_credential(description="қатар\tбір\nекі\r\nүш"))


def test_a_document_that_is_not_an_object_is_refused():
    with pytest.raises(safe.CredentialRefused) as refused:
        safe.check([mediator_credential()])
    assert refused.value.problem == "the document is not a JSON object"


def test_the_message_is_in_the_readers_language(app):
    from flask_babel import force_locale

    with pytest.raises(safe.CredentialRefused) as refused:
        safe.check(mediator_credential(typo_field="x"))
    with app.test_request_context(), force_locale("ru"):
        russian = str(refused.value.message)
    with app.test_request_context(), force_locale("kk"):
        kazakh = str(refused.value.message)
    assert "typo_field" in russian and "typo_field" in kazakh
    assert russian != kazakh
    assert russian != str(refused.value.message)  # English outside a request
