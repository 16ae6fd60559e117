"""A credential the site issued, with the site's own did.json and published status lists, is
accepted by the independent verifiers: openbadgeslib (PyPI) and the Digital Bazaar stack
under node (tests/credentials_js, skipped when node or its node_modules are missing, as in
tests/certificates/ob3/test_js_verifier.py)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from certificates import lifecycle
from certificates.ob3 import did, issuing
from certificates.ob3.models import StatusList
from lms.extensions import db
from tests.certificates.ob3.helpers import js_verify

ldp = pytest.importorskip("openbadgeslib.ob3.ldp")
from openbadgeslib.ob3.verifier import OB3VerificationError  # noqa: E402

ISSUED = date(2025, 6, 20)


@pytest.fixture
def issued(make_qualification, make_user, issue_to):
    holder = make_user(full_name="Әсел Төлеуова")
    return issue_to(make_qualification(validity_months=600), holder, today=ISSUED, language="kk")


def published_lists() -> dict[str, dict]:
    """URL -> the signed list credential, as the site serves them now."""
    db.session.expire_all()
    return {row.signed["id"]: row.signed for row in db.session.scalars(select(StatusList)).all()}


def did_url() -> str:
    parts = did.site_did().split(":")[2:]
    host = parts[0].replace("%3A", ":")
    path = "/".join(parts[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def downloader(lists: dict):
    files = {did_url(): did.did_document(), **lists}

    def download(url, *args, **kwargs):
        if url not in files:
            raise AssertionError(f"openbadgeslib asked for {url}")
        return json.dumps(files[url]).encode()

    return download


def check_with_openbadgeslib(credential: dict) -> None:
    verifier = ldp.OB3LdpVerifier.for_issuer_did(did.site_did())
    verifier.verify(
        copy.deepcopy(credential),
        check_status=True,
        download=downloader(published_lists()),
        verify_status_list=False,  # it checks only JWT lists' signatures; node checks ours
    )


def test_openbadgeslib_accepts_a_site_credential_and_sees_its_status(issued, trainer):
    credential = issuing.stored(issued).credential
    check_with_openbadgeslib(credential)
    lifecycle.suspend(issued, "under_review", trainer)
    with pytest.raises(OB3VerificationError, match="'suspension' is set"):
        check_with_openbadgeslib(credential)
    lifecycle.reinstate(issued, "Review closed", trainer)
    check_with_openbadgeslib(credential)
    lifecycle.revoke(issued, "issued_in_error", trainer)
    with pytest.raises(OB3VerificationError, match="'revocation' is set"):
        check_with_openbadgeslib(credential)


def test_openbadgeslib_refuses_a_tampered_site_credential(issued):
    tampered = issuing.stored(issued).credential
    tampered["credentialSubject"]["name"] = "Иван Иванов"
    with pytest.raises(OB3VerificationError):
        check_with_openbadgeslib(tampered)


def _node(tmp_path: Path, credential: dict) -> dict:
    return js_verify(tmp_path, credential, did.did_document(), published_lists())


@pytest.mark.js
def test_the_js_verifier_accepts_a_site_credential_and_reads_its_bits(tmp_path, issued, trainer):
    credential = issuing.stored(issued).credential
    assert _node(tmp_path, credential) == {
        "verified": True,
        "statuses": {"revocation": 0, "suspension": 0},
        "error": None,
    }
    lifecycle.suspend(issued, "under_review", trainer)
    assert _node(tmp_path, credential)["statuses"] == {"revocation": 0, "suspension": 1}
    lifecycle.revoke(issued, "issued_in_error", trainer)
    assert _node(tmp_path, credential)["statuses"] == {"revocation": 1, "suspension": 0}
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["name"] = "Иван Иванов"
    assert _node(tmp_path, tampered)["verified"] is False
