"""The demo: CPM-B as the domain rule states it, certificates earned through the real rules
(one valid, one revoked, one expired), a trainee who is not eligible yet, all idempotent."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from assessments.models import Assessment, AssessmentEvent, AssessmentScore
from certificates import eligibility, lifecycle
from certificates.demo import (
    ATTENDANCE_SLUG,
    CPM_B_SLUG,
    CPM_B_TITLES,
    DECLARATION,
    DEMO_COURSES,
    OLD_CPM_B_TITLE,
    PILOT_SEMINAR_TITLE,
)
from certificates.models import (
    Certificate,
    CertificateEvent,
    EthicsDeclaration,
    IdentityConfirmation,
    Qualification,
)
from certificates.qualifications import qualification_by_slug
from courses.models import ModuleCompletion
from lms.extensions import db
from lms.models import User
from quizzes.models import Attempt, AttemptQuestion, Criterion
from seminars.demo import DEMO_SEMINAR_TITLE
from seminars.models import Attendance, AttendanceCorrection, Seminar

COUNTED = (
    Qualification,
    Certificate,
    CertificateEvent,
    EthicsDeclaration,
    IdentityConfirmation,
    Attempt,
    AttemptQuestion,
    Assessment,
    AssessmentScore,
    AssessmentEvent,
    Attendance,
    AttendanceCorrection,
    ModuleCompletion,
    Seminar,
)


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count(model.id))) for model in COUNTED}


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _seminar(title: str = DEMO_SEMINAR_TITLE) -> Seminar:
    return db.session.scalar(select(Seminar).where(Seminar.title == title))


@pytest.fixture
def seeded(seed_demo):
    return seed_demo()


def test_cpm_b_follows_the_domain_rule(seeded):
    cpm_b = qualification_by_slug(CPM_B_SLUG)
    assert cpm_b.kind == "qualification" and cpm_b.active
    # What it is (completion of the platform's training), not a legal status it cannot give.
    assert cpm_b.title("en").startswith("Certificate of completion – basic training")
    assert cpm_b.title("ru").startswith("Сертификат о прохождении базовой подготовки")
    assert cpm_b.title("kk").endswith("бағдарламасынан өткені туралы сертификат")
    for language in ("en", "ru", "kk"):
        assert "ертифицированный" not in cpm_b.title(language)
        assert "Certified public mediator" not in cpm_b.title(language)
    # 1. Modules: the three demo courses (A, B and C of the curriculum).
    assert sorted(course.slug for course in cpm_b.courses) == sorted(DEMO_COURSES)
    # 2. Criteria C1–C7, must-pass C1, C3, C6 with their thresholds; the others compensate
    # each other above a 60 % floor with an average of 70 %.
    criteria = {criterion.code: criterion for criterion in cpm_b.criteria}
    assert sorted(criteria) == [
        "C1-LAW",
        "C2-PROC",
        "C3-ETH",
        "C4-COMM",
        "C5-NEG",
        "C6-DRAFT",
        "C7-CULT",
    ]
    assert {code for code, c in criteria.items() if c.must_pass} == {"C1-LAW", "C3-ETH", "C6-DRAFT"}
    assert {code: c.floor for code, c in criteria.items() if not c.must_pass} == dict.fromkeys(
        ("C2-PROC", "C4-COMM", "C5-NEG", "C7-CULT"), 60
    )
    assert criteria["C1-LAW"].threshold("quiz") == 80
    assert criteria["C3-ETH"].threshold("quiz") == 90
    assert criteria["C6-DRAFT"].threshold("checklist") == 100
    assert cpm_b.compensable_average == 70
    # 3. Seminar: 36 of the 40 hours, with the Day 4 ethics and the Day 5 assessment sessions,
    # each topic found in exactly one of the demo seminar's sessions.
    assert cpm_b.min_hours == Decimal("36")
    sessions = sorted(_seminar().sessions, key=lambda s: s.starts_at)
    assert sum(s.academic_hours for s in sessions) == 40
    found = {
        wanted: [
            day for day, s in enumerate(sessions, 1) if wanted.casefold() in s.topic.casefold()
        ]
        for wanted in cpm_b.session_topics
    }
    assert found == {"Day 4: ethics": [4], "assessment": [5]}
    # 4. The declaration, signed within 30 days; 5. identity; validity three years.
    assert cpm_b.declaration_text == DECLARATION
    assert DECLARATION.startswith("I will mediate only with the voluntary consent")
    assert "refer the parties to a professional mediator or lawyer" in DECLARATION
    assert cpm_b.declaration_valid_days == 30
    assert cpm_b.requires_identity and cpm_b.validity_months == 36
    assert not cpm_b.self_claim
    # The disclaimer, in every language: not a state qualification, registers elsewhere.
    for language, words in {
        "en": ("not a state-recognised qualification", "register", "On Mediation"),
        "ru": ("не является государственно признанной квалификацией", "реестр", "О медиации"),
        "kk": ("мемлекет таныған біліктілік емес", "тізілім", "Медиация туралы"),
    }.items():
        text = cpm_b.disclaimer(language)
        assert all(word in text for word in words), (language, text)
        assert len(text) <= 1000

    attendance = qualification_by_slug(ATTENDANCE_SLUG)
    assert attendance.kind == "attendance" and attendance.self_claim
    assert attendance.min_hours == Decimal("32") and attendance.validity_months == 12
    assert not attendance.criteria and not attendance.courses and not attendance.declaration_text
    assert attendance.requires_identity
    assert all(attendance.title(lang) and attendance.disclaimer(lang) for lang in ("ru", "kk"))
    # The Law's Kazakh term for a professional mediator, the same in every disclaimer.
    for qualification in (cpm_b, attendance):
        assert "кәсіпқой" in qualification.disclaimer("kk").lower()
        assert "кәсіби" not in qualification.disclaimer("kk").lower()


def test_certificates_valid_revoked_and_expired_through_the_real_rules(seeded, client):
    certificates = list(db.session.scalars(select(Certificate).order_by(Certificate.id)))
    by_status = {}
    for certificate in certificates:
        by_status.setdefault(lifecycle.public_status(certificate), []).append(certificate)
        # The output names every number with its verification address.
        assert f"/verify/{certificate.number}" in seeded
    assert sorted(by_status) == ["expired", "revoked", "valid"]

    # Valid: Әсел's CPM-B, and she still meets every requirement.
    (valid,) = by_status["valid"]
    assert valid.qualification.slug == CPM_B_SLUG
    assert valid.holder.email == "asel@example.kz"
    assert eligibility.check(valid.holder, valid.qualification, valid.seminar).eligible
    assert valid.facts["criteria"] and all(row["met"] for row in valid.facts["criteria"])
    assert "Valid certificate" in client.get(f"/verify/{valid.number}").get_data(as_text=True)
    # Her final exam's written answers were scored by a trainer, in full.
    written = db.session.scalars(
        select(AttemptQuestion)
        .join(Attempt)
        .where(Attempt.user_id == valid.holder_id, AttemptQuestion.manual_points.is_not(None))
    ).all()
    assert all(db.session.get(User, item.graded_by_id).role == "trainer" for item in written)
    assert all(
        item.manual_points == sum(line["points"] for line in item.version.definition["rubric"])
        for item in written
    )

    # Revoked: verifiers see the reason code's wording; the story (a complaint about her
    # attendance) stays in the history, for staff.
    (revoked,) = by_status["revoked"]
    assert revoked.status_reason_code == "issued_in_error" and "complaint" in revoked.status_note
    last = revoked.events[-1]
    assert (last.action, last.reason_code, last.reason) == (
        "revoke",
        "issued_in_error",
        revoked.status_note,
    )
    page = client.get(f"/verify/{revoked.number}").get_data(as_text=True)
    assert "Revoked" in page and "Issued in error" in page
    assert "complaint" not in page and "attendance on days" not in page
    # The reason holds: her corrected attendance no longer earns the certificate.
    assert not eligibility.check(revoked.holder, revoked.qualification, revoked.seminar).eligible

    # Expired: issued when the pilot seminar ended, more than twelve months ago.
    (expired,) = by_status["expired"]
    assert expired.seminar.title == PILOT_SEMINAR_TITLE
    assert expired.facts["seminar"]["ends_on"] < expired.issued_on.isoformat()
    assert "Expired" in client.get(f"/verify/{expired.number}").get_data(as_text=True)


def test_the_not_eligible_trainee_sees_what_is_left(seeded):
    cpm_b = qualification_by_slug(CPM_B_SLUG)
    ulan = _user("ulan@example.kz")
    result = eligibility.check(ulan, cpm_b, _seminar())
    assert not result.eligible
    met = {requirement.key: requirement.met for requirement in result.requirements}
    assert met == {
        "courses": True,
        "criteria": False,
        "hours": True,
        "sessions": True,
        "declaration": True,
        "identity": True,
    }
    ethics = next(row for row in result.criteria.criteria if row.code == "C3-ETH")
    assert 80 <= ethics.instruments[0].percent < 90  # the quiz, just under its threshold
    assert any("Professional ethics: Quiz:" in text and "< 90%" in text for text in result.missing)
    assert any("Rubric: not completed yet" in text for text in result.missing)
    for text in result.missing:
        assert text in seeded
    # The claim path: Әсел and Ұлан may claim the certificate of attendance themselves.
    attendance = qualification_by_slug(ATTENDANCE_SLUG)
    for email in ("asel@example.kz", "ulan@example.kz"):
        assert eligibility.check(_user(email), attendance, _seminar()).eligible
        assert f"({email}) can claim a certificate of attendance" in seeded


def test_trainers_pages_read_the_seeded_results(seeded, client):
    """The attempts answer every question type (true/false ones with a bool): the gradebook and
    item analysis of every quiz, and the marking queue, read them."""
    from lms.demo import DEMO_PASSWORD
    from quizzes.models import Quiz

    client.login("aigerim.trainer@example.kz", DEMO_PASSWORD)
    for quiz_id in db.session.scalars(select(Quiz.id)):
        for page in ("gradebook", "items"):
            assert client.get(f"/manage/quizzes/{quiz_id}/{page}").status_code == 200, page
    assert client.get("/manage/quizzes/marking").status_code == 200


def test_seeding_twice_creates_nothing(seeded, runner):
    before = _counts()
    assert before["Certificate"] == 3 and before["EthicsDeclaration"] == 2
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert _counts() == before
    for number in db.session.scalars(select(Certificate.number)):
        assert number in again.output
    assert db.session.scalar(select(func.count(Criterion.id))) == 7


def test_seeding_again_renames_the_old_demo_title(seeded, runner):
    """A site seeded before the rename: seeding again gives CPM-B its current wording."""
    cpm_b = qualification_by_slug(CPM_B_SLUG)
    cpm_b.titles_json = json.dumps(
        {"en": OLD_CPM_B_TITLE, "ru": "Сертифицированный общественный медиатор"},
        ensure_ascii=False,
    )
    db.session.commit()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.expire_all()
    cpm_b = qualification_by_slug(CPM_B_SLUG)
    assert cpm_b.titles == CPM_B_TITLES
    assert "кәсіпқой" in cpm_b.disclaimer("kk").lower()
