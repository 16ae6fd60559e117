"""Test data for the Open Badges 3.0 tests: a mediator credential (Kazakh and Russian text),
bitstring status lists, and a signed case the independent verifiers check."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.ob3 import di, did
from certificates.ob3.identity import email_identity

VECTORS = Path(__file__).parent / "vectors"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
HOST = "certs.mediation-academy.kz"
DID = f"did:web:{HOST}"
SITE = f"https://{HOST}"
NUMBER = "MED-7K2M-9QX4-T8RW-3HZP-V"
CREATED = "2025-06-20T08:00:00Z"
LIST_LENGTH = 131_072
INDEXES = {"revocation": 94567, "suspension": 1201}


def mediator_credential(site: str = SITE, issuer: str = DID, **changes) -> dict:
    """An unsigned OpenBadgeCredential as the site at ``site`` (did ``issuer``) would issue
    it, in Kazakh and Russian."""
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"{SITE}/credentials/{NUMBER}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Медиатор сертификаты — 40 академиялық сағат / Сертификат медиатора",
        "description": "Медиаторларды даярлау бағдарламасы: «Медиация негіздері».\n"
        'Программа подготовки медиаторов: "Основы медиации" \\ 40 ч.',
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": "«Медиация академиясы» оқу орталығы",
            "url": SITE,
        },
        "validFrom": "2025-06-20T00:00:00Z",
        "validUntil": "2099-06-20T00:00:00Z",
        "awardedDate": "2025-06-20T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": "Әсел Төлеуова",
            "identifier": [email_identity("asel@example.kz", "s4lt-s4lt")],
            "activityStartDate": "2025-06-09T09:00:00+05:00",
            "activityEndDate": "2025-06-14T18:00:00+05:00",
            "achievement": {
                "id": f"{SITE}/achievements/mediator-training-40h",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": "Медиаторларды оқыту (40 сағат) / Обучение медиаторов (40 часов)",
                "description": "Қазақстан Республикасының «Медиация туралы» Заңына сәйкес. "
                "В соответствии с Законом РК «О медиации».",
                "criteria": {
                    "id": f"{SITE}/achievements/mediator-training-40h/criteria",
                    "narrative": "1. Барлық 40 академиялық сағатқа қатысты.\n"
                    "2. Сдал итоговую аттестацию (бейтараптылық, құпиялық).",
                },
                "humanCode": "MED-40",
                "fieldOfStudy": "Медиация",
                "inLanguage": "kk",
            },
        },
        "evidence": [
            {
                "type": ["Evidence"],
                "id": f"{SITE}/verify/{NUMBER}",
                "name": "Тексеру беті / Страница проверки",
                "narrative": "40 из 40 академических часов.",
            }
        ],
        "credentialStatus": [
            status_entry(purpose, site) for purpose in ("revocation", "suspension")
        ],
    }
    credential.update(changes)
    return credential


def status_entry(purpose: str, site: str = SITE) -> dict:
    url = f"{site}/status/{purpose}/1"
    return {
        "id": f"{url}#{INDEXES[purpose]}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(INDEXES[purpose]),
        "statusListCredential": url,
    }


def encoded_list(set_bits: set[int], length: int = LIST_LENGTH) -> str:
    """Bitstring Status List ``encodedList``: index 0 is the first byte's high bit, gzip
    (mtime 0), base64url without padding, multibase ``u``."""
    bits = bytearray(length // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def status_list_credential(url: str, purpose: str, set_bits: set[int], issuer: str = DID) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2025-06-20T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list(set_bits),
        },
    }


@dataclass
class SignedCase:
    """A signed credential with what a verifier needs: the DID document and a way to make
    its status lists (``status_lists({"revocation"})``: the credential's revocation bit
    set). The fixture ``portable_credential`` gives one; point it at a site-issued
    credential to check what the site issues."""

    credential: dict
    did_document: dict
    key: object = None  # what signed it: an Ed25519PrivateKey, or a key of the site's ring
    verification_method: str = ""
    made_lists: dict = field(default_factory=dict)

    def status_lists(self, set_purposes: frozenset[str] | set[str] = frozenset()) -> dict:
        """URL -> signed status list credential, the credential's bit set for each purpose
        in ``set_purposes``."""
        lists = {}
        for entry in _entries(self.credential):
            purpose = entry["statusPurpose"]
            bits = {int(entry["statusListIndex"])} if purpose in set_purposes else set()
            url = entry["statusListCredential"]
            unsigned = status_list_credential(url, purpose, bits, self.did_document["id"])
            lists[url] = di.sign(unsigned, self.key, self.verification_method, CREATED)
        return lists

    def public_key_for(self):
        return did.public_key_for_document(self.did_document)


def _entries(credential: dict) -> list[dict]:
    status = credential.get("credentialStatus") or []
    return status if isinstance(status, list) else [status]


def signed_case(credential: dict | None = None) -> SignedCase:
    """``credential`` (default: the mediator credential) signed by ``di.sign`` with a new key
    published in a did:web document."""
    key = Ed25519PrivateKey.generate()
    method = did.verification_method(DID, "key-1")
    document = did.build_did_document(DID, [("key-1", key.public_key())])
    signed = di.sign(copy.deepcopy(credential or mediator_credential()), key, method, CREATED)
    return SignedCase(signed, document, key, method)


def write_json(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def site_signed_case(client) -> SignedCase:
    """The mediator credential signed as the site signs: the key ring's current key, the
    site's did:web (from the configured public address) and its served did.json."""
    from certificates.keys import key_ring

    key = key_ring().current()
    site = client.application.config["PUBLIC_URL"]
    credential = mediator_credential(site=site, issuer=did.site_did())
    method = did.site_verification_method(key)
    signed = di.sign(credential, key, method, CREATED)
    document = client.get("/.well-known/did.json").get_json()
    return SignedCase(signed, document, key, method)


# --- the Digital Bazaar verifier under node (tests/credentials_js/verify.mjs) -----------------

JS_HARNESS = Path(__file__).resolve().parents[2] / "credentials_js"


def require_node() -> str:
    """node's path; skips (or, with ``LMS_REQUIRE_JS=1`` as in CI, fails) with the reason
    when node or the harness's ``node_modules`` (``npm ci``; ``make test`` does it) is missing."""
    import os
    import shutil

    import pytest

    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (JS_HARNESS / "node_modules").is_dir():
        missing = f"run `npm ci` in {JS_HARNESS} first (make test does it when node is there)"
    if missing is None:
        return node
    if os.environ.get("LMS_REQUIRE_JS") == "1":
        pytest.fail(f"LMS_REQUIRE_JS=1 but the JS verifier cannot run: {missing}")
    pytest.skip(f"JS verifier skipped: {missing}")


def run_js_verifier(*args: str) -> dict:
    """What verify.mjs prints for ``args`` (its JSON: verified, statuses, error)."""
    import subprocess

    done = subprocess.run(
        [require_node(), str(JS_HARNESS / "verify.mjs"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=JS_HARNESS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def js_verify(tmp_path: Path, credential: dict, did_document: dict, lists: dict) -> dict:
    """The JS verifier's verdict on ``credential`` with ``did_document`` and status ``lists``
    (documents by URL), all given as files: it fetches nothing."""
    args = ["--credential", str(write_json(tmp_path / "credential.json", credential))]
    args += ["--did", str(write_json(tmp_path / "did.json", did_document))]
    for number, document in enumerate(lists.values()):
        args += ["--status", str(write_json(tmp_path / f"status-{number}.json", document))]
    return run_js_verifier(*args)
