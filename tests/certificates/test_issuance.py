"""Issuing: refused with what is missing, idempotent (also two bulk runs at once), frozen facts,
expiry, language, numbers; the unique constraint behind it all."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from certificates import bulk_issuance, issuance, lifecycle, numbers, rendering
from certificates.eligibility import Eligibility
from certificates.keys import key_ring
from certificates.models import Certificate, Qualification
from certificates.qualifications import confirm_identity
from certificates.signing import verify
from courses import authoring
from lms import accounts
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from seminars import authoring as seminar_authoring
from seminars import registration
from seminars.models import Seminar

from .factories import attend, demo_criteria, graded_attempt, make_seminar, seat


@pytest.fixture
def course(make_course):
    return make_course("Mediation basics", modules=1)


@pytest.fixture
def seminar(course, trainer):
    return make_seminar(course, trainer, [("Day 1: the law", 8)])


@pytest.fixture
def qualification(make_qualification):
    """A certificate of attendance: 8 hours of the seminar, nothing else."""
    return make_qualification(min_hours="8")


def attended(seminar, trainer, marks) -> None:
    seat(seminar, *marks)
    attend(seminar.sessions[0], trainer, marks)


def count_certificates() -> int:
    return db.session.scalar(select(func.count(Certificate.id)))


def pdf_files() -> set[str]:
    folder = issuance.pdf_folder()
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def test_issue_is_refused_with_the_missing_list_and_leaves_nothing(
    qualification, seminar, trainee, trainer
):
    attended(seminar, trainer, {trainee: "4.5"})
    with pytest.raises(ServiceError) as refused:
        issuance.issue(qualification, trainee, seminar, by=trainer)
    assert refused.value.message == (
        f"{trainee.full_name} is not eligible yet: 3.5 more seminar hours"
    )
    assert count_certificates() == 0 and pdf_files() == set()


def test_an_inactive_qualification_is_not_issued(qualification, seminar, trainee, trainer):
    attended(seminar, trainer, {trainee: "present"})
    qualification.active = False
    db.session.commit()
    with pytest.raises(ServiceError, match="not offered any more"):
        issuance.issue(qualification, trainee, seminar, by=trainer)
    with pytest.raises(ServiceError, match="not offered any more"):
        bulk_issuance.bulk_issue(qualification, seminar, by=trainer)
    assert count_certificates() == 0 and pdf_files() == set()


def test_issuing_twice_returns_the_same_certificate(qualification, seminar, trainee, trainer):
    attended(seminar, trainer, {trainee: "present"})
    first, created = issuance.issue(qualification, trainee, seminar, by=trainer)
    again, created_again = issuance.issue(qualification, trainee, seminar, by=trainer)
    assert (created, created_again) == (True, False)
    assert again.id == first.id and count_certificates() == 1
    assert [(e.action, e.by_id) for e in first.events] == [("issue", trainer.id)]
    assert pdf_files() == {first.pdf_path}
    # The same qualification without the seminar is another certificate: still not eligible.
    with pytest.raises(ServiceError, match=r"8 more seminar hours"):
        issuance.issue(qualification, trainee, None, by=trainer)


def test_bulk_issue_issues_to_the_eligible_and_a_second_run_creates_nothing(
    qualification, seminar, trainer, make_user
):
    alma, bolat, late, gone = (
        make_user(full_name=name) for name in ("Alma A", "Bolat B", "Cher C", "Dana D")
    )
    seat(seminar, gone)
    registration.cancel(registration.find_registration(seminar, gone))  # no seat: not considered
    attended(seminar, trainer, {alma: "present", bolat: "present", late: "6"})
    first = bulk_issuance.bulk_issue(qualification, seminar, by=trainer)
    assert [c.holder_id for c in first.issued] == [alma.id, bolat.id]
    assert first.already == []
    assert [(user.id, missing) for user, missing in first.not_eligible] == [
        (late.id, ["2 more seminar hours"])
    ]
    # Numbers are unique, well formed and read back through the parser.
    prefix = current_app.config["CERTIFICATE_PREFIX"]
    issued_numbers = [c.number for c in first.issued]
    assert len(set(issued_numbers)) == 2
    assert all(str(numbers.parse(n.lower(), prefix)) == n for n in issued_numbers)

    second = bulk_issuance.bulk_issue(qualification, seminar, by=trainer)
    assert second.issued == []
    assert sorted(c.id for c in second.already) == sorted(c.id for c in first.issued)
    assert [user.id for user, _ in second.not_eligible] == [late.id]
    assert count_certificates() == 2
    assert pdf_files() == {c.pdf_path for c in first.issued}


def test_two_bulk_runs_at_once_make_one_certificate_each_and_no_stray_pdf(
    app, qualification, seminar, trainer, make_user, monkeypatch
):
    people = [make_user(full_name=f"Participant {n}") for n in range(3)]
    late = make_user(full_name="Late Participant")  # first by name, not eligible
    attended(seminar, trainer, {**dict.fromkeys(people, "present"), late: "4"})
    key_ring().current()  # the signing key exists already (see the report on keys.py)
    ids = qualification.id, seminar.id, trainer.id
    barrier = threading.Barrier(2)
    mine = threading.local()
    render = rendering.render_pdf

    def render_after_both_checked(*args, **kwargs):
        # Each run's first PDF waits for the other's: both have then found no certificate
        # of the first participant and are about to create one.
        if not getattr(mine, "waited", False):
            mine.waited = True
            barrier.wait(timeout=20)
        return render(*args, **kwargs)

    monkeypatch.setattr(rendering, "render_pdf", render_after_both_checked)
    runs, errors = [], []

    def run():
        with app.app_context():
            try:
                result = bulk_issuance.bulk_issue(
                    db.session.get(Qualification, ids[0]),
                    db.session.get(Seminar, ids[1]),
                    by=db.session.get(User, ids[2]),
                )
                runs.append(
                    (
                        [c.id for c in result.issued],
                        [c.id for c in result.already],
                        [user.id for user, _ in result.not_eligible],
                    )
                )
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(runs) == 2
    db.session.expire_all()
    certificates = list(db.session.scalars(select(Certificate)))
    assert sorted(c.holder_id for c in certificates) == sorted(p.id for p in people)
    issued = [cid for made, _, _ in runs for cid in made]
    assert sorted(issued) == sorted(c.id for c in certificates)  # each made by one run only
    for made, already, not_eligible in runs:
        assert sorted(made + already) == sorted(c.id for c in certificates)
        assert not_eligible == [late.id]
    assert pdf_files() == {c.pdf_path for c in certificates}
    for certificate in certificates:
        data = rendering.pdf_bytes(certificate)
        assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
        assert [e.action for e in certificate.events] == ["issue"]


def test_the_database_refuses_a_second_live_certificate(qualification, seminar, trainee, trainer):
    attended(seminar, trainer, {trainee: "present"})
    certificate, _ = issuance.issue(qualification, trainee, seminar, by=trainer)
    columns = [
        "qualification_id",
        "holder_id",
        "seminar_id",
        "seminar_key",
        "issued_on",
        "expires_on",
        "language",
        "facts_zlib",
        "jws_signature",
        "key_id",
    ]

    def insert(number, live):
        values = {name: getattr(certificate, name) for name in columns}
        db.session.execute(
            Certificate.__table__.insert().values(
                number=number, live=live, status="valid", **values
            )
        )

    with pytest.raises(IntegrityError):
        insert("KZM-TEST-0000-0000-0001-X", 1)
    db.session.rollback()
    insert("KZM-TEST-0000-0000-0002-X", None)  # history (superseded ones) may repeat
    insert("KZM-TEST-0000-0000-0003-X", None)
    db.session.commit()
    assert count_certificates() == 3


def test_a_certificate_freezes_what_it_states(
    app, make_qualification, course, trainee, trainer, make_user
):
    criteria = demo_criteria()
    seminar = make_seminar(
        course,
        trainer,
        [("Day 1", 8), ("Day 2", 8)],
        title="Public mediator seminar",
        start=datetime(2026, 3, 10, 4, tzinfo=UTC),  # 09:00 in Almaty
    )
    qualification = make_qualification(
        kind="qualification",
        criterion_codes=["C1-LAW"],
        min_hours="16",
        requires_identity=True,
        validity_months=36,
    )
    confirm_identity(
        trainee, legal_name="Әсел Төлеуова", date_of_birth=None, higher_education=False, by=trainer
    )
    graded_attempt(course, trainee, [("C1-LAW", 17, True), ("C1-LAW", 3, False)])  # 85 %
    seat(seminar, trainee)
    for session in seminar.sessions:
        attend(session, trainer, {trainee: "present"})
    certificate, _ = issuance.issue(
        qualification, trainee, seminar, by=trainer, language="ru", today=date(2026, 3, 15)
    )
    translations = certificate.facts["translations"]
    assert certificate.facts == {
        "format": 3,
        "number": certificate.number,
        "kind": "qualification",
        "qualification": {"slug": qualification.slug, "title": qualification.title("ru")},
        "holder": "Әсел Төлеуова",  # as on the identity document, not the profile's name
        "seminar": {
            "title": "Public mediator seminar",
            "starts_on": "2026-03-10",
            "ends_on": "2026-03-11",
        },
        # Only the public record is signed: met or not with the rule, no hours, no percent.
        "criteria": [
            {
                "code": "C1-LAW",
                "title": "Knowledge of the legal framework",
                "met": True,
                "rule": {
                    "must_pass": True,
                    "thresholds": {"quiz": 80},
                    "floor": None,
                    "average": None,
                },
            }
        ],
        "issuer": app.config["ORGANISATION_NAME"],
        "issued_on": "2026-03-15",
        "expires_on": "2029-03-15",
        "language": "ru",
        "disclaimer": qualification.disclaimer("ru"),
        # The design and the texts of the other languages the qualification has a title in,
        # frozen too (no logo, signatory or seal in the settings yet).
        "design": {"template": "classic", "address": "", "signatory": None, "images": {}},
        "translations": translations,
    }
    assert sorted(translations) == ["en", "kk"]
    assert translations["kk"]["qualification"] == qualification.title("kk")
    assert translations["en"]["criteria"] == ["Knowledge of the legal framework"]
    signed = json.loads(base64.urlsafe_b64decode(certificate.jws.split(".")[1] + "=="))
    for text in (certificate.facts_json, json.dumps(signed, ensure_ascii=False)):
        assert trainee.email not in text and "@" not in text
    frozen = (certificate.facts_json, certificate.jws, certificate.pdf_sha256)
    pdf = rendering.pdf_bytes(certificate)

    # Everything the certificate names changes afterwards...
    accounts.update_profile(trainee, display_name="Asel", full_name="Асель Тулеуова", language="ru")
    confirm_identity(
        trainee, legal_name="Әсел Төлеуқызы", date_of_birth=None, higher_education=False, by=trainer
    )
    authoring.update_course(
        course,
        title="Renamed course",
        slug=course.slug,
        summary="",
        language="en",
        cover_source="",
    )
    seminar_authoring.update_seminar(
        seminar,
        title="Renamed seminar",
        language="kk",
        description="",
        venue="",
        online_link="",
        registration_opens_at=None,
        registration_closes_at=None,
    )
    qualification.titles_json = json.dumps({"en": "Renamed", "ru": "Переименовано"})
    criteria["C1-LAW"].title = "Renamed criterion"
    db.session.commit()
    db.session.expire_all()

    # ... and the certificate still states, signs and prints exactly what it did.
    certificate = db.session.get(Certificate, certificate.id)
    assert (certificate.facts_json, certificate.jws, certificate.pdf_sha256) == frozen
    assert rendering.pdf_bytes(certificate) == pdf
    facts, _ = verify(certificate.jws, key_ring().jwks())
    assert facts == certificate.facts and facts["holder"] == "Әсел Төлеуова"

    # A reissue corrects the name from the identity record and keeps the achievement.
    new = lifecycle.reissue(
        certificate, reason="Name as on the new identity card", by=trainer, today=date(2026, 4, 1)
    )
    assert new.facts["holder"] == "Әсел Төлеуқызы"
    for kept in ("seminar", "criteria"):
        assert new.facts[kept] == certificate.facts[kept]
    # Their texts in other languages too, not the renamed ones.
    assert new.facts["translations"]["en"]["seminar"] == "Public mediator seminar"
    assert new.facts["translations"]["en"]["criteria"] == ["Knowledge of the legal framework"]
    assert new.facts["expires_on"] == "2029-03-15" and new.facts["issued_on"] == "2026-04-01"


def test_seminar_dates_are_the_days_in_the_site_time_zone(app, course, trainer):
    # 20:30 UTC on 9 March is 01:30 on 10 March in Almaty, where the seminar took place.
    seminar = make_seminar(
        course, trainer, [("Night", 2), ("Day", 2)], start=datetime(2026, 3, 9, 20, 30, tzinfo=UTC)
    )
    facts = issuance.build_facts(
        number="KZM-X",
        qualification=Qualification(
            kind="attendance",
            slug="x",
            titles_json='{"en": "X"}',
            disclaimers_json='{"en": "Not a state qualification."}',
        ),
        holder="Holder",
        seminar=seminar,
        result=Eligibility(requirements=[], hours=Decimal("4")),
        language="en",
        issued_on=date(2026, 3, 15),
        expires_on=None,
    )
    assert facts["seminar"]["starts_on"] == "2026-03-10"
    assert facts["seminar"]["ends_on"] == "2026-03-11"
    assert "hours" not in facts and facts["criteria"] == []


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 15), 36, date(2029, 3, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 11, 30), 15, date(2028, 2, 29)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_the_month(start, months, expected):
    assert issuance.add_months(start, months) == expected


def test_expiry_is_the_issue_date_plus_the_validity(make_qualification, make_user, trainer):
    monthly = make_qualification(validity_months=1)
    holder = make_user()
    certificate, _ = issuance.issue(monthly, holder, None, by=trainer, today=date(2026, 1, 31))
    assert certificate.issued_on == date(2026, 1, 31)
    assert certificate.expires_on == date(2026, 2, 28)
    assert certificate.facts["expires_on"] == "2026-02-28"
    forever = make_qualification(validity_months=None)
    lasting, _ = issuance.issue(forever, holder, None, by=trainer, today=date(2026, 1, 31))
    assert lasting.expires_on is None and lasting.facts["expires_on"] is None
    assert lifecycle.public_status(lasting, date(2126, 1, 1)) == "valid"


def test_the_language_chosen_is_printed(qualification, seminar, trainee, trainer):
    attended(seminar, trainer, {trainee: "present"})
    certificate, _ = issuance.issue(qualification, trainee, seminar, by=trainer, language="kk")
    assert certificate.language == "kk" and certificate.facts["language"] == "kk"
    assert certificate.facts["qualification"]["title"] == qualification.title("kk")
    assert certificate.facts["disclaimer"] == "Мемлекеттік біліктілік емес."


def test_without_a_language_the_seminars_then_the_sites(app, seminar, qualification):
    assert seminar.language == "ru"

    def language(seminar, asked):
        return issuance.draft(qualification, seminar, language=asked).language

    assert language(seminar, None) == "ru"
    assert language(seminar, "de") == "ru"  # not offered: the seminar's
    assert language(seminar, "en") == "en"
    assert language(None, None) == app.config["BABEL_DEFAULT_LOCALE"]
