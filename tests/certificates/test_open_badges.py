"""Open Badges 3.0 credentials issued with each certificate: their shape, their proof, frozen
storage, reissue and renewal, and the status lists that follow the certificate's status."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select

from certificates import lifecycle
from certificates.models import Certificate
from certificates.ob3 import did, issuing, signer, status_list
from certificates.ob3.credential import CONTEXTS, OB_V3, VC_V2
from certificates.ob3.identity import identity_hash
from certificates.ob3.models import LIST_SIZE, StatusIndex, StatusList, StoredCredential
from certificates.qualifications import confirm_identity
from lms.extensions import db

from .factories import attend, demo_criteria, graded_attempt, make_seminar, seat

ISSUED = date(2025, 1, 31)


@pytest.fixture
def achieved(make_qualification, make_course, trainee, trainer, issue_to):
    """A qualification certificate with a seminar, hours and a criterion result."""
    demo_criteria()
    course = make_course("Mediation law", modules=1)
    seminar = make_seminar(course, trainer, [("Day 1", 8)])
    seat(seminar, trainee)
    attend(seminar.sessions[0], trainer, {trainee: "present"})
    graded_attempt(course, trainee, [("C1-LAW", 9, True), ("C1-LAW", 1, False)])
    confirm_identity(
        trainee, legal_name="Әсел Төлеуова", date_of_birth=None, higher_education=False, by=trainer
    )
    qualification = make_qualification(
        kind="qualification", criterion_codes=["C1-LAW"], min_hours="6", validity_months=12
    )
    return issue_to(qualification, trainee, seminar, today=ISSUED, language="ru")


@pytest.fixture
def certificate(make_qualification, make_user, issue_to):
    return issue_to(make_qualification(validity_months=12), make_user(), today=ISSUED)


def credential_of(certificate) -> dict:
    stored = issuing.stored(certificate)
    assert stored is not None, "no credential was stored with the certificate"
    return stored.credential


def status_bit(certificate, purpose: str) -> int:
    """The bit a verifier reads: from the published (signed) list credential."""
    stored = issuing.stored(certificate)
    list_id, index = stored.slot(purpose)
    published = db.session.get(StatusList, list_id)
    db.session.refresh(published)
    encoded = published.signed["credentialSubject"]["encodedList"]
    return status_list.bit(status_list.decode_list(encoded), index)


def test_the_credential_has_the_required_fields_in_the_certificates_language(achieved, trainee):
    credential = credential_of(achieved)
    assert credential["@context"] == CONTEXTS == [VC_V2, OB_V3]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"].endswith(f"/credentials/{achieved.number}.json")
    issuer = credential["issuer"]
    assert issuer["id"] == did.site_did() and issuer["type"] == ["Profile"]
    assert issuer["name"] == achieved.facts["issuer"]
    assert credential["validFrom"] and credential["validUntil"] > credential["validFrom"]
    assert credential["awardedDate"] == credential["validFrom"]

    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["name"] == "Әсел Төлеуова"
    (identity,) = subject["identifier"]
    assert identity["identityType"] == "emailAddress" and identity["hashed"] is True
    assert identity["identityHash"] == identity_hash(trainee.email, identity["salt"])
    assert trainee.email not in str(credential)
    assert subject["activityStartDate"] <= subject["activityEndDate"]

    achievement = subject["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == achieved.facts["qualification"]["title"]
    assert achievement["inLanguage"] == "ru"
    assert achievement["humanCode"] == achieved.number
    assert "creditsAvailable" not in str(credential)
    assert "6" in achievement["criteria"]["narrative"]  # the hours, in the narrative
    assert achieved.facts["disclaimer"] in credential["description"]
    (described,) = achievement["resultDescription"]
    (result,) = subject["result"]
    assert result["resultDescription"] == described["id"]
    assert result["value"] in described["allowedValue"]
    assert credential["evidence"][0]["name"] == achieved.facts["seminar"]["title"]

    purposes = [entry["statusPurpose"] for entry in credential["credentialStatus"]]
    assert purposes == ["revocation", "suspension"]
    for entry in credential["credentialStatus"]:
        assert entry["type"] == "BitstringStatusListEntry"
        assert entry["id"] == f"{entry['statusListCredential']}#{entry['statusListIndex']}"


def test_identity_hash_follows_the_spec_example():
    assert identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_the_proof_verifies_and_a_tampered_copy_does_not(achieved):
    credential = credential_of(achieved)
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"].startswith(did.site_did() + "#")
    assert signer.verify(credential)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["name"] = "Someone Else"
    assert not signer.verify(tampered)
    later = copy.deepcopy(credential)
    later["validUntil"] = "2099-01-01T00:00:00Z"
    assert not signer.verify(later)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_kazakh_and_russian_credentials_sign_and_verify(
    language, make_qualification, make_user, issue_to
):
    holder = make_user(full_name="Әлия Ғабитқызы Құрманова")
    made = issue_to(make_qualification(), holder, today=ISSUED, language=language)
    credential = credential_of(made)
    assert credential["credentialSubject"]["achievement"]["inLanguage"] == language
    assert credential["name"] == made.facts["qualification"]["title"]
    assert signer.verify(credential)


def test_the_credential_is_frozen_whatever_happens_to_the_certificate(certificate, trainer):
    before = issuing.stored(certificate).credential_zlib
    lifecycle.suspend(certificate, "under_review", trainer)
    lifecycle.reinstate(certificate, "Review closed", trainer)
    lifecycle.revoke(certificate, "issued_in_error", trainer)
    db.session.expire_all()
    assert issuing.stored(certificate).credential_zlib == before


def test_status_bits_follow_suspension_reinstatement_and_revocation(certificate, trainer):
    assert (status_bit(certificate, "revocation"), status_bit(certificate, "suspension")) == (0, 0)
    lifecycle.suspend(certificate, "under_review", trainer)
    assert (status_bit(certificate, "revocation"), status_bit(certificate, "suspension")) == (0, 1)
    lifecycle.reinstate(certificate, "Review closed", trainer)
    assert (status_bit(certificate, "revocation"), status_bit(certificate, "suspension")) == (0, 0)
    lifecycle.revoke(certificate, "issued_in_error", trainer)
    assert (status_bit(certificate, "revocation"), status_bit(certificate, "suspension")) == (1, 0)


def test_the_list_credential_is_signed_long_enough_and_verifies(certificate, trainer):
    lifecycle.revoke(certificate, "issued_in_error", trainer)
    list_id, index = issuing.stored(certificate).slot("revocation")
    published = db.session.get(StatusList, list_id).signed
    assert published["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert published["issuer"] == did.site_did()
    subject = published["credentialSubject"]
    assert subject["statusPurpose"] == "revocation" and subject["encodedList"].startswith("u")
    bits = status_list.decode_list(subject["encodedList"])
    assert len(bits) * 8 == LIST_SIZE >= 131_072
    assert [i for i in range(LIST_SIZE) if status_list.bit(bits, i)] == [index]
    assert signer.verify(published)
    published["credentialSubject"]["encodedList"] = status_list.encode_list(bytes(LIST_SIZE // 8))
    assert not signer.verify(published)


def test_encoding_puts_index_zero_in_the_first_bit_and_is_reproducible():
    bits = bytearray(LIST_SIZE // 8)
    status_list.set_bit(bits, 0, 1)
    status_list.set_bit(bits, 9, 1)
    assert bits[:2] == bytes([0b1000_0000, 0b0100_0000])
    encoded = status_list.encode_list(bits)
    assert encoded == status_list.encode_list(bytes(bits))
    assert status_list.decode_list(encoded) == bits
    status_list.set_bit(bits, 0, 0)
    assert bits[0] == 0


def test_indexes_are_random_unique_and_never_given_twice(app):
    first = status_list.allocate(300)
    db.session.commit()
    second = status_list.allocate(300)
    db.session.commit()
    for purpose in ("revocation", "suspension"):
        indexes = [slot[purpose][1] for slot in first + second]
        assert len(set(indexes)) == 600
        assert indexes != sorted(indexes)  # drawn at random, not in order
        assert all(0 <= i < LIST_SIZE for i in indexes)
    assert db.session.scalar(select(func.count()).select_from(StatusIndex)) == 1200


def test_a_bulk_issue_finds_its_indexes_in_a_list_already_well_used(app):
    """500 slots at once from a list with 40% of its positions taken: every taken one is drawn
    again (redrawing the whole batch on any collision would practically never succeed)."""
    import random

    (slot,) = status_list.allocate(1)
    db.session.commit()
    revocation = slot["revocation"][0]
    taken = set(random.sample(range(LIST_SIZE), int(LIST_SIZE * 0.4))) - {slot["revocation"][1]}
    db.session.execute(
        insert(StatusIndex), [{"list_id": revocation.id, "position": p} for p in taken]
    )
    db.session.commit()
    slots = status_list.allocate(500)
    db.session.commit()
    drawn = [s["revocation"][1] for s in slots]
    assert len(set(drawn)) == 500 and not set(drawn) & taken
    assert all(s["revocation"][0].id == revocation.id for s in slots)


def test_an_index_stays_taken_after_its_certificate_is_gone(certificate):
    list_id, index = issuing.stored(certificate).slot("revocation")
    db.session.delete(db.session.get(StoredCredential, certificate.id))
    db.session.commit()
    taken = db.session.get(StatusIndex, (list_id, index))
    assert taken is not None


def test_a_half_full_list_opens_the_next_one(app):
    status_list.allocate(1)
    revocation = db.session.scalar(select(StatusList).where(StatusList.purpose == "revocation"))
    revocation.size = 8  # a tiny list: half full after 4
    db.session.commit()
    status_list.allocate(4)
    db.session.commit()
    (slot,) = status_list.allocate(1)
    db.session.commit()
    assert slot["revocation"][0].number == 2


def test_reissue_makes_a_new_credential_and_revokes_the_old(certificate, trainer):
    old_credential = credential_of(certificate)
    new = lifecycle.reissue(
        certificate, reason="Name corrected", by=trainer, name="Асель Нурланова"
    )
    new_credential = credential_of(new)
    assert new_credential["id"] != old_credential["id"]
    assert new_credential["credentialSubject"]["name"] == "Асель Нурланова"
    assert new_credential["awardedDate"] == old_credential["awardedDate"]
    assert signer.verify(new_credential)
    assert status_bit(certificate, "revocation") == 1  # superseded: not current any more
    assert status_bit(new, "revocation") == 0


def test_renewal_makes_a_new_credential_valid_longer(certificate, trainer):
    old_credential = credential_of(certificate)
    # Renewed before it expires (more than 90 days after expiry it cannot be renewed).
    new = lifecycle.renew(
        certificate,
        reason="Continuing education done",
        by=trainer,
        today=ISSUED + timedelta(days=300),
    )
    new_credential = credential_of(new)
    assert new_credential["validUntil"] > old_credential["validUntil"]
    assert new_credential["awardedDate"] == old_credential["awardedDate"]
    assert status_bit(certificate, "revocation") == 1


def test_bulk_issue_stores_a_credential_for_each(
    make_qualification, make_course, trainer, make_user
):
    from certificates import bulk_issuance

    course = make_course("Attendance course", modules=1)
    seminar = make_seminar(course, trainer, [("Day 1", 4)])
    people = [make_user() for _ in range(3)]
    seat(seminar, *people)
    attend(seminar.sessions[0], trainer, dict.fromkeys(people, "present"))
    outcome = bulk_issuance.bulk_issue(make_qualification(), seminar, by=trainer)
    assert len(outcome.issued) == 3
    for made in outcome.issued:
        assert signer.verify(credential_of(made))
    slots = {issuing.stored(made).slot("revocation") for made in outcome.issued}
    assert len(slots) == 3


def test_issue_credentials_command_fills_in_older_certificates_once(certificate, runner, trainer):
    lifecycle.suspend(certificate, "under_review", trainer)
    db.session.delete(issuing.stored(certificate))
    db.session.commit()
    result = runner.invoke(args=["issue-credentials"])
    assert result.exit_code == 0, result.output
    assert "1 credential" in result.output
    db.session.expire_all()
    made = db.session.get(Certificate, certificate.id)
    assert signer.verify(credential_of(made))
    assert status_bit(made, "suspension") == 1
    again = runner.invoke(args=["issue-credentials"])
    assert "0 credential" in again.output


def test_two_issuers_drawing_the_same_index_at_once_get_different_ones(app, monkeypatch):
    """Both draw index 7 first; the second's insert waits for the first (PostgreSQL) or finds
    it taken, and draws again: no error, two different indexes, both recorded."""
    import threading
    import time

    status_list.allocate(1)  # the lists exist
    db.session.commit()
    local = threading.local()
    starts = {"first": [7, 8, 100, 101], "second": [7, 8, 200, 201, 202, 203]}

    def randbelow(_size):
        return next(local.draws)

    monkeypatch.setattr(status_list.secrets, "randbelow", randbelow)
    first_drew = threading.Event()
    got, errors = {}, []

    def run(name):
        local.draws = iter(starts[name])
        with app.app_context():
            try:
                if name == "second":
                    first_drew.wait(timeout=20)
                (slot,) = status_list.allocate(1)
                got[name] = {purpose: index for purpose, (_, index) in slot.items()}
                if name == "first":
                    first_drew.set()
                    time.sleep(0.5)  # the second is drawing meanwhile
                db.session.commit()
            except BaseException as error:
                errors.append(error)
                first_drew.set()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert got["first"] == {"revocation": 7, "suspension": 8}
    assert got["second"]["revocation"] not in (7,) and got["second"]["suspension"] != 8
    db.session.expire_all()
    taken = set(db.session.scalars(select(StatusIndex.position)))
    assert {7, 8} | set(got["second"].values()) <= taken
