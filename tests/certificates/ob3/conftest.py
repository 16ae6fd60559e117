"""Fixtures of the Open Badges 3.0 tests."""

from __future__ import annotations

import pytest

from tests.certificates.ob3.helpers import SignedCase, signed_case, site_signed_case


@pytest.fixture(params=["new key", "site key ring"])
def portable_credential(request, client) -> SignedCase:
    """A credential signed by ``certificates.ob3.di.sign``, with its DID document and status
    lists: once with a fresh key and a did:web of its own, once as the site signs (the key
    ring's key, the site's did:web, the did.json the site serves). The independent
    verifiers' tests take it from here: add a param (or override the fixture) to point them
    at a credential the site issued from a certificate."""
    if request.param == "site key ring":
        return site_signed_case(client)
    return signed_case()
