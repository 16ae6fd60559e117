"""Fixtures of the Open Badges 3.0 tests."""

from __future__ import annotations

import pytest

from tests.certificates.ob3.helpers import SignedCase, signed_case


@pytest.fixture
def portable_credential() -> SignedCase:
    """A credential signed by ``certificates.ob3.di.sign``, with its DID document and status
    lists. The independent verifiers' tests take it from here: override this fixture (or add
    a parametrised one) to point them at a credential the site issued."""
    return signed_case()
