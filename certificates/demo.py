"""Demo qualifications and certificates for `flask seed-demo`, earned through the real rules.

The qualification "Certificate of completion – basic training for public mediators (platform
programme)" (CPM-B) follows
shared/domain/qualification-criteria.md; a certificate of attendance for the seminar is the
simple one a trainee claims. Nothing here writes certificates, results or attendance directly:
trainees enrol and read modules (``courses.learning``), take quizzes answered by
``quizzes.model_answers`` (``quizzes.attempts``; written answers scored by a trainer with
``quizzes.marking``), are assessed (``assessments.lifecycle``), attend signed-off sessions
(``seminars.attendance``), have their identity confirmed and sign the declaration
(``certificates.qualifications``); then ``issuance.issue`` checks eligibility as it would for
a trainer, and ``lifecycle.revoke`` revokes.

What the demo shows (the seminar's three trainees):

- Әсел: everything done; holds a valid CPM-B certificate. Her role-play (from the practical
  demo) has negotiation at 65 %, under its 70 % threshold: the compensation rule carries it.
- Ұлан: not eligible for CPM-B. He answered two ethics questions wrong (C3-ETH quiz under 90 %),
  his role-play is still a draft and he has no drafting task, so "My certificates" lists
  what is left. Like Әсел, he may claim the certificate of attendance himself.
- Мария: her certificate of attendance was revoked after two days of her attendance were
  corrected to absent; the certificate from the pilot seminar a year earlier has expired.

The demo seminar was held Monday to Friday of last week and is completed (courses/demo.py),
so its attendance, signed off here, and the certificates issued today come after the days
they record. The expired certificate comes from a pilot seminar held about fourteen months
ago, issued when it ended, so its dates agree.

Quiz attempts are dated a few days back, so the 24-hour wait between final-exam attempts has
passed and a newcomer can retake any quiz at once.

Running it again creates nothing: every step first looks for what it would create.

The qualifications' texts are data (``demo_content/qualifications.yml``); the trainees'
evidence is built by ``certificates.demo_evidence``; this module tells the story.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import click
import yaml
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from certificates import eligibility, issuance, lifecycle, public_register, status_reasons
from certificates.current import current_certificate, current_of
from certificates.demo_evidence import (  # noqa: F401  (PILOT_SEMINAR_TITLE: re-exported)
    PILOT_SEMINAR_TITLE,
    complete_courses,
    correct_to_absent,
    pilot_issue_date,
    record_attendance,
    seed_pilot_seminar,
    sign_off_drafting,
    take_quiz,
)
from certificates.models import (
    Certificate,
    CertificateStatus,
    IdentityConfirmation,
    Qualification,
    QualificationKind,
)
from certificates.qualifications import (
    QualificationData,
    confirm_identity,
    latest_declaration,
    qualification_by_slug,
    save_qualification,
    sign_declaration,
)
from certificates.translations import ORIGINAL_LANGUAGE
from courses.models import Course
from lms import content_translations as ct
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from quizzes.demo import CRITERIA, FINAL_EXAM_SLUG
from quizzes.models import Quiz
from seminars.demo import DEMO_SEMINAR_TITLE
from seminars.models import Seminar

# --- the qualifications ----------------------------------------------------------------------

CPM_B_SLUG = "cpm-b"
ATTENDANCE_SLUG = "seminar-attendance"
DEMO_COURSES = ("mediation-procedure-kz", "mediator-ethics", "mediation-agreements")

# The texts of the two qualifications, as data (what each says and why: see the file).
TEXTS = yaml.safe_load(
    (Path(__file__).resolve().parent / "demo_content" / "qualifications.yml").read_text(
        encoding="utf-8"
    )
)
REQUIRED_TOPICS = tuple(TEXTS["required_topics"])
DECLARATION = TEXTS["declaration"]
DECLARATION_TRANSLATIONS = TEXTS.get("declaration_translations") or {}
_REGISTERS = TEXTS["registers"]
CPM_B_TITLES = TEXTS["cpm_b"]["titles"]
CPM_B_DISCLAIMERS = TEXTS["cpm_b"]["disclaimers"]
ATTENDANCE_TITLES = TEXTS["attendance"]["titles"]
ATTENDANCE_DISCLAIMERS = TEXTS["attendance"]["disclaimers"]


def _disclaimers(texts: dict[str, str], site: str) -> dict[str, str]:
    return {lang: f"{text.format(site=site)} {_REGISTERS[lang]}" for lang, text in texts.items()}


# The title an earlier demo gave CPM-B: a legal status no platform certificate gives.
OLD_CPM_B_TITLE = "Certified public mediator (basic training)"


def _reword(qualification: Qualification, titles: dict, disclaimers: dict) -> None:
    """A site seeded by an earlier demo gets the current wording of the demo's own texts
    (only while the title is still the old one: never what an administrator wrote)."""
    if qualification.titles.get("en") != OLD_CPM_B_TITLE:
        return
    qualification.titles_json = json.dumps(titles, ensure_ascii=False, sort_keys=True)
    qualification.disclaimers_json = json.dumps(disclaimers, ensure_ascii=False, sort_keys=True)
    db.session.commit()


def seed_qualifications(app: Flask, courses: list[Course]) -> tuple[Qualification, Qualification]:
    """CPM-B exactly as the domain file states it, and the certificate of attendance."""
    site = app.config["SITE_NAME"]
    cpm_b = qualification_by_slug(CPM_B_SLUG) or save_qualification(
        QualificationData(
            slug=CPM_B_SLUG,
            kind=QualificationKind.QUALIFICATION.value,
            titles=CPM_B_TITLES,
            disclaimers=_disclaimers(CPM_B_DISCLAIMERS, site),
            course_ids=[course.id for course in courses],
            criterion_codes=[code for code, *_ in CRITERIA],
            compensable_average=70,
            min_hours=Decimal("36"),
            required_session_topics="\n".join(REQUIRED_TOPICS),
            declaration_text=DECLARATION,
            declaration_valid_days=30,
            requires_identity=True,
            validity_months=36,
            ce_hours=Decimal("24"),
            ce_ethics_hours=Decimal("6"),
        )
    )
    _reword(cpm_b, CPM_B_TITLES, _disclaimers(CPM_B_DISCLAIMERS, site))
    translate_declaration(cpm_b)
    seminar_attendance = qualification_by_slug(ATTENDANCE_SLUG) or save_qualification(
        QualificationData(
            slug=ATTENDANCE_SLUG,
            kind=QualificationKind.ATTENDANCE.value,
            titles=ATTENDANCE_TITLES,
            disclaimers=_disclaimers(ATTENDANCE_DISCLAIMERS, site),
            min_hours=Decimal("32"),
            requires_identity=True,
            validity_months=12,
            self_claim=True,
        )
    )
    return cpm_b, seminar_attendance


def translate_declaration(qualification: Qualification) -> None:
    """The declaration in Russian and Kazakh, while the original is still the demo's own
    (never over what an administrator wrote); running it again changes nothing."""
    if qualification.declaration_text.strip() != DECLARATION.strip():
        return
    for locale, text in DECLARATION_TRANSLATIONS.items():
        if locale in ct.languages() and locale != ORIGINAL_LANGUAGE:
            ct.save(qualification, locale, {"declaration_text": text})
    db.session.commit()


# --- people ----------------------------------------------------------------------------------

# Dates of birth as the trainer read them on the identity documents (no document numbers).
BIRTH_DATES = {
    "trainee1": date(1991, 4, 12),
    "trainee2": date(1986, 9, 3),
    "trainee3": date(1979, 2, 21),
}


def confirm(user: User, key: str, by: User) -> None:
    exists = db.session.scalar(
        select(IdentityConfirmation.id).where(IdentityConfirmation.user_id == user.id)
    )
    if not exists:
        confirm_identity(
            user,
            legal_name=user.full_name,
            date_of_birth=BIRTH_DATES.get(key),
            higher_education=True,
            by=by,
        )


def sign(user: User, qualification: Qualification) -> None:
    """The trainee signs in their own language (the Kazakh text for a Kazakh reader)."""
    signed = latest_declaration(user, qualification)
    if not signed:
        sign_declaration(user, qualification, user.full_name, locale=user.language)


def _issue(
    qualification, holder, seminar, *, by, problems: list[str], today=None
) -> Certificate | None:
    """Issue through the real rules. A refusal means the demo data were changed since (say a
    trainee retook a quiz and failed it before seeding again): it is reported, not forced."""
    try:
        certificate, _ = issuance.issue(qualification, holder, seminar, by=by, today=today)
    except ServiceError as error:
        db.session.rollback()
        problems.append(f"  Not issued: {error.message}")
        return None
    return certificate


# The public is told only the reason code; the story stays in the trainer's internal note.
REVOKE_REASON = status_reasons.StatusReason.ISSUED_IN_ERROR
REVOKE_NOTE = (
    "After a complaint, the attendance on days 3 and 4 was corrected to absent, and the "
    "holder no longer has the hours required (demo example)."
)


# --- the seeder ------------------------------------------------------------------------------


def seed_demo(app: Flask, users: dict[str, User], **_) -> None:
    courses = [
        db.session.scalar(select(Course).where(Course.slug == slug)) for slug in DEMO_COURSES
    ]
    seminar = db.session.scalar(select(Seminar).where(Seminar.title == DEMO_SEMINAR_TITLE))
    exam = db.session.scalar(select(Quiz).where(Quiz.slug == FINAL_EXAM_SLUG))
    if None in courses or seminar is None or exam is None:
        return
    admin, trainer, co_trainer = users["admin"], users["trainer1"], users["trainer2"]
    asel, ulan, maria = users["trainee1"], users["trainee2"], users["trainee3"]
    cpm_b, seminar_attendance = seed_qualifications(app, courses)

    # The online part: every module read; the course quizzes and the final exam taken a few
    # days ago. Ұлан keeps professional ethics just under its 90 % quiz threshold.
    course_quizzes = [
        quiz
        for course in courses
        for quiz in db.session.scalars(
            select(Quiz).where(Quiz.course_id == course.id, Quiz.slug != FINAL_EXAM_SLUG)
        )
    ]
    started = utcnow() - timedelta(days=3)
    for user, fail in ((asel, None), (ulan, "C3-ETH")):
        complete_courses(user, courses)
        for number, quiz in enumerate(course_quizzes):
            take_quiz(
                quiz,
                user,
                at=started + timedelta(hours=number),
                marker=trainer,
                fail_criterion=fail,
            )
    take_quiz(exam, asel, at=started + timedelta(days=1), marker=trainer)

    # The seminar: everyone present, but Мария only partly on day 2; Әсел's drafting task on
    # day 5 (her role-play is the practical demo's). Ұлан's role-play stays a draft.
    present = ("present", None)
    record_attendance(
        seminar,
        {
            day: {
                asel.id: present,
                ulan.id: present,
                maria.id: ("partial", "6") if day == 2 else present,
            }
            for day in range(1, 6)
        },
    )
    sign_off_drafting(asel, trainer, seminar)
    for key, user in (("trainee1", asel), ("trainee2", ulan), ("trainee3", maria)):
        confirm(user, key, trainer)
    sign(asel, cpm_b)
    sign(ulan, cpm_b)

    problems: list[str] = []
    listed = _issue(cpm_b, asel, seminar, by=trainer, problems=problems)
    if listed is not None:
        _list_in_public_register(asel, listed)

    # Мария's certificate of attendance, then the correction that takes it away.
    revoked = _issue(seminar_attendance, maria, seminar, by=trainer, problems=problems)
    correct_to_absent(seminar, maria, (3, 4), trainer)
    if revoked is not None and revoked.status == CertificateStatus.VALID:
        lifecycle.revoke(revoked, REVOKE_REASON, admin, note=REVOKE_NOTE)

    pilot = seed_pilot_seminar(app, courses[1], co_trainer, maria)
    today = pilot_issue_date(pilot)
    _issue(seminar_attendance, maria, pilot, by=co_trainer, problems=problems, today=today)

    held = current_of([u.id for u in (asel, ulan, maria)])
    claimants = [
        user
        for user in (asel, ulan)
        if current_certificate(user, seminar_attendance, seminar) is None
        and eligibility.check(user, seminar_attendance, seminar).eligible
    ]
    left = eligibility.check(ulan, cpm_b, seminar).missing
    _print(held, problems, (ulan, cpm_b, left), claimants)


def _list_in_public_register(user: User, certificate: Certificate) -> None:
    """Әсел consents, in her own language, to the public register of mediators (issue 21),
    so /mediators and its feed show an entry on the demo site."""
    with force_locale(user.language or "kk"):
        public_register.save(
            user,
            certificate,
            public_register.EntryData(
                region="almaty", languages=["kk", "ru"], email="asel.mediator@example.kz"
            ),
            consent=True,
            shown_digest=public_register.digest(public_register.consent_text()),
        )


def _print(
    shown: list[Certificate],
    problems: list[str],
    not_eligible: tuple[User, Qualification, list[str]],
    claimants: list[User],
) -> None:
    """The certificates a newcomer can look up, after the logins if run by the command."""
    lines = ["Demo certificates (open the address to see the public verification page):"]
    lines += problems
    for certificate in shown:
        lines.append(
            f"  {certificate.number}  {certificate.facts['holder']:<26}  "
            f"{lifecycle.public_status(certificate).value:<8}  "
            f"{issuance.verify_url(certificate.number)}"
        )
        lines.append(f"      {certificate.qualification.title('en')}")
    user, qualification, left = not_eligible
    if left:
        lines.append(
            f"  {user.full_name} ({user.email}) is not eligible yet for "
            f"{qualification.title('en')}; My certificates lists what is left:"
        )
        lines += [f"    - {text}" for text in left]
    for user in claimants:
        lines.append(
            f"  {user.full_name} ({user.email}) can claim a certificate of attendance on "
            "My certificates."
        )
    context = click.get_current_context(silent=True)
    if context is None:
        click.echo("\n".join(lines))
    else:
        context.call_on_close(lambda: click.echo("\n".join(lines)))
