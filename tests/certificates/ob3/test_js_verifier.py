"""The Digital Bazaar stack under node (tests/credentials_js/verify.mjs: jsonld.js with
RDFC-1.0 in safe mode, @digitalbazaar/vc, the eddsa-rdfc-2022 cryptosuite, bitstring status
lists; contexts from its own npm packages; no network) checks what the site signs.

Skipped, with the reason, when node or ``tests/credentials_js/node_modules`` is missing
(``npm ci`` in that folder; ``make test`` does it when node is there), unless
``LMS_REQUIRE_JS=1``, which turns the skip into a failure (CI)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from certificates.ob3 import di
from certificates.ob3.loader import OB_V3P0, bundled, loader_with
from tests.certificates.ob3.helpers import (
    js_verify,
    mediator_credential,
    run_js_verifier,
    write_json,
)

pytestmark = pytest.mark.js


def _node(*args: str) -> dict:
    return run_js_verifier(*args)


def _verify(tmp_path: Path, case, credential: dict, lists: dict) -> dict:
    return js_verify(tmp_path, credential, case.did_document, lists)


def test_our_signed_credential_is_verified_with_clear_status(tmp_path, portable_credential):
    case = portable_credential
    result = _verify(tmp_path, case, case.credential, case.status_lists())
    assert result == {
        "verified": True,
        "statuses": {"revocation": 0, "suspension": 0},
        "error": None,
    }


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_a_set_status_bit_is_seen(tmp_path, portable_credential, purpose):
    case = portable_credential
    result = _verify(tmp_path, case, case.credential, case.status_lists({purpose}))
    other = {"revocation": "suspension", "suspension": "revocation"}[purpose]
    # @digitalbazaar/vc still says "verified" (the proof and the list are fine): the bit tells
    assert result["statuses"] == {purpose: 1, other: 0}


def test_a_tampered_copy_is_refused(tmp_path, portable_credential):
    case = portable_credential
    tampered = copy.deepcopy(case.credential)
    tampered["credentialSubject"]["name"] = "Иван Иванов"
    result = _verify(tmp_path, case, tampered, case.status_lists())
    assert result["verified"] is False
    assert "Invalid signature" in result["error"]


def test_a_tampered_status_list_is_refused(tmp_path, portable_credential):
    case = portable_credential
    lists = case.status_lists()
    forged = copy.deepcopy(next(iter(lists.values())))
    forged["credentialSubject"]["encodedList"] = forged["credentialSubject"]["encodedList"][:-1]
    lists[forged["id"]] = forged
    result = _verify(tmp_path, case, case.credential, lists)
    assert result["verified"] is False


def _canonical_in_js(tmp_path: Path, document: dict) -> str:
    return _node("--canonize", str(write_json(tmp_path / "document.json", document)))["nquads"]


def test_kazakh_and_russian_text_canonicalise_identically_in_both_stacks(tmp_path):
    credential = mediator_credential()
    credential["credentialSubject"]["achievement"]["description"] = (
        'Қазақ: әғқңөұүһі ӘҒҚҢӨҰҮҺІ; русский: ёЁ «кавычки» "quotes" \\ back\\slash\n'
        "tab\tline\r\nemoji 🕊️ and numbers 1.5, 40"
    )
    credential["credentialSubject"]["creditsEarned"] = 1.5
    ours = di.canonical_nquads(credential)
    theirs = _canonical_in_js(tmp_path, credential)
    assert ours == theirs
    assert "әғқңөұүһі" in ours  # written as UTF-8, not escaped


def test_the_control_character_trap_is_real(tmp_path):
    """Why safe mode refuses \\f and friends: pyld (URDNA2015) and jsonld.js (RDFC-1.0) write
    them differently, so a signature made in Python would not verify elsewhere."""
    credential = mediator_credential(name="Медиатор\fсертификаты\u0001")
    assert di.canonical_nquads(credential) != _canonical_in_js(tmp_path, credential)


def test_the_older_ob_context_revision_canonicalises_our_credential_identically():
    """1EdTech edits context-3.0.3.json in place (terms added). The npm package carries an
    older revision: our credential, using long-standing terms only, gives the same N-Quads
    under both, so a verifier holding either copy checks the same signature."""
    older = _node("--context", OB_V3P0)["context"]
    assert older != bundled()[OB_V3P0]  # really another revision
    assert "endorsementJwt" not in json.dumps(older)
    credential = mediator_credential()
    assert di.canonical_nquads(credential, loader=loader_with({OB_V3P0: older})) == (
        di.canonical_nquads(credential)
    )
