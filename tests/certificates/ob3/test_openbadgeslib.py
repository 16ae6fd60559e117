"""An independent Python verifier (PyPI openbadgeslib, test-only) accepts what we sign, and
sees revocation and suspension in our status lists."""

from __future__ import annotations

import copy
import json

import pytest

pytest.importorskip("pyld")
ldp = pytest.importorskip(
    "openbadgeslib.ob3.ldp", reason="openbadgeslib[ldp] is a test dependency (the dev extra)"
)
from cryptography.hazmat.primitives.serialization import (  # noqa: E402
    Encoding,
    PublicFormat,
)
from openbadgeslib.ob3.verifier import OB3VerificationError  # noqa: E402

from certificates.ob3.multikey import private_key  # noqa: E402


def _download(case, lists):
    """What openbadgeslib would fetch over HTTPS, served from memory (no network)."""
    did = case.did_document["id"]
    parts = did.split(":")[2:]
    host = parts[0].replace("%3A", ":")
    path = "/".join(parts[1:])
    did_url = f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"
    files = {did_url: case.did_document, **lists}

    def download(url, *args, **kwargs):
        if url not in files:
            raise AssertionError(f"openbadgeslib asked for {url}")
        return json.dumps(files[url]).encode()

    return download


def test_a_pinned_key_verifies_our_credential(portable_credential):
    case = portable_credential
    public = private_key(case.key).public_key()
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    credential = ldp.OB3LdpVerifier(pem).verify(copy.deepcopy(case.credential))
    assert credential.issuer.id == case.did_document["id"]


def test_the_did_web_issuer_and_clean_status_lists_verify(portable_credential):
    case = portable_credential
    verifier = ldp.OB3LdpVerifier.for_issuer_did(case.did_document["id"])
    # openbadgeslib checks a list's own signature only for JWT lists ("is not a signed JWT-VC");
    # the JS verifier checks our lists' Data Integrity proofs.
    verifier.verify(
        copy.deepcopy(case.credential),
        check_status=True,
        download=_download(case, case.status_lists()),
        verify_status_list=False,
    )


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_a_set_status_bit_is_seen(portable_credential, purpose):
    case = portable_credential
    verifier = ldp.OB3LdpVerifier.for_issuer_did(case.did_document["id"])
    with pytest.raises(OB3VerificationError, match=f"'{purpose}' is set"):
        verifier.verify(
            copy.deepcopy(case.credential),
            check_status=True,
            download=_download(case, case.status_lists({purpose})),
            verify_status_list=False,
        )


def test_a_tampered_copy_is_refused(portable_credential):
    case = portable_credential
    tampered = copy.deepcopy(case.credential)
    tampered["credentialSubject"]["name"] = "Иван Иванов"
    verifier = ldp.OB3LdpVerifier.for_issuer_did(case.did_document["id"])
    with pytest.raises(OB3VerificationError):
        verifier.verify(tampered, download=_download(case, {}))
