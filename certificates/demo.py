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
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import click
from flask import Flask
from sqlalchemy import select

from assessments.lifecycle import draft_for, sign_off, start_assessment
from assessments.models import Assessment, AssessmentStatus, LineKind, Rubric
from assessments.scoring import save_sheet
from certificates import eligibility, issuance, lifecycle
from certificates.models import (
    Certificate,
    CertificateStatus,
    EthicsDeclaration,
    IdentityConfirmation,
    Qualification,
    QualificationKind,
)
from certificates.qualifications import (
    QualificationData,
    confirm_identity,
    qualification_by_slug,
    save_qualification,
    sign_declaration,
)
from courses import learning
from courses.models import Course, ModuleCompletion
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.timezone import site_today, site_zone
from quizzes import attempts, marking
from quizzes.demo import CRITERIA, FINAL_EXAM_SLUG
from quizzes.model_answers import answer_values
from quizzes.models import Attempt, Criterion, Quiz
from quizzes.question_types import get_type
from seminars import attendance, authoring, registration
from seminars.demo import DEMO_DAYS, DEMO_SEMINAR_TITLE, NOT_THE_GENERAL_COURSE
from seminars.models import Attendance, Seminar, SeminarStatus

# --- the qualifications ----------------------------------------------------------------------

CPM_B_SLUG = "cpm-b"
ATTENDANCE_SLUG = "seminar-attendance"
DEMO_COURSES = ("mediation-procedure-kz", "mediator-ethics", "mediation-agreements")

# The demo seminar has one session per day, so the domain's "Day 4 ethics session" and "Day 5
# assessment" are parts of two sessions: these texts find them in the sessions' topics
# ("Day 4: ethics, the public-consent context, role-play 4"; "Day 5: ..., assessment, closing").
REQUIRED_TOPICS = ("Day 4: ethics", "assessment")

DECLARATION = (
    "I will mediate only with the voluntary consent of the parties and will not pressure them "
    "to settle. I will remain impartial and independent; I will disclose any connection with a "
    "party or interest in the outcome before I act, and I will step aside if I cannot be "
    "impartial. I will keep confidential what I learn in mediation and disclose it only with "
    "the written permission of the party who gave it or where the law requires, including when "
    "a child is in danger. I will treat all parties equally, respect their language, culture "
    "and dignity, and I will not accept gifts or favours from parties. I will work within my "
    "competence and refer the parties to a professional mediator or lawyer when needed."
)

# What the law asks of mediators, said on every demo certificate after its own first lines.
_REGISTERS = {
    "en": "A professional mediator must be trained under the official programme and entered in "
    "a register kept by an organisation of mediators; public mediators are elected by a "
    "local-community meeting and entered in a register of public mediators under separate "
    "rules.",
    "ru": "Профессиональный медиатор должен пройти обучение по официальной программе и быть "
    "включён в реестр, который ведёт организация медиаторов; общественные медиаторы "
    "избираются собранием местного сообщества и включаются в реестр общественных медиаторов "
    "по отдельным правилам.",
    "kk": "Кәсіпқой медиатор ресми бағдарлама бойынша оқудан өтіп, медиаторлар ұйымы жүргізетін "
    "тізілімге енгізілуі тиіс; қоғамдық медиаторларды жергілікті қоғамдастық жиналысы "
    "сайлайды және олар бөлек қағидалар бойынша қоғамдық медиаторлар тізіліміне енгізіледі.",
}

# What the certificate is: completion of this platform's training. "Public mediator" is a
# legal status (elected and registered), which no platform certificate gives
# (shared/domain/review-2026-12.md, sections 3 and 6).
CPM_B_TITLES = {
    "en": "Certificate of completion – basic training for public mediators (platform programme)",
    "ru": "Сертификат о прохождении базовой подготовки общественных медиаторов "
    "(программа платформы)",
    "kk": "Қоғамдық медиаторларды базалық даярлау бағдарламасынан өткені туралы сертификат",
}
# The domain's suggested wording, [platform] being the site's name.
CPM_B_DISCLAIMERS = {
    "en": "This certificate confirms completion of a demo training programme on {site}. It is "
    "not a state-recognised qualification and does not by itself give the status of a "
    "professional or public mediator under the Law of the Republic of Kazakhstan “On "
    "Mediation”.",
    "ru": "Настоящий сертификат подтверждает прохождение демонстрационной программы обучения на "
    "платформе {site}. Он не является государственно признанной квалификацией и сам по себе не "
    "даёт статуса профессионального или общественного медиатора по Закону Республики "
    "Казахстан «О медиации».",
    "kk": "Бұл сертификат иесінің {site} платформасындағы демонстрациялық оқу бағдарламасынан "
    "өткенін растайды. Бұл мемлекет таныған біліктілік емес және ол өздігінен «Медиация "
    "туралы» Қазақстан Республикасының Заңы бойынша кәсіпқой немесе қоғамдық медиатор "
    "мәртебесін бермейді.",
}

ATTENDANCE_TITLES = {
    "en": "Certificate of attendance: basic training seminar for public mediators",
    "ru": "Сертификат об участии в базовом семинаре для общественных медиаторов",
    "kk": "Қоғамдық медиаторларға арналған базалық семинарға қатысқаны туралы сертификат",
}
ATTENDANCE_DISCLAIMERS = {
    "en": "This certificate confirms attendance at a seminar of a demo training programme on "
    "{site}; the participant's knowledge and skills were not assessed. It is not a "
    "state-recognised qualification and does not give the status of a professional or public "
    "mediator under the Law of the Republic of Kazakhstan “On Mediation”.",
    "ru": "Настоящий сертификат подтверждает участие в семинаре демонстрационной программы "
    "обучения на платформе {site}; знания и навыки участника не оценивались. Он не является "
    "государственно признанной квалификацией и не даёт статуса профессионального или "
    "общественного медиатора по Закону Республики Казахстан «О медиации».",
    "kk": "Бұл сертификат иесінің {site} платформасындағы демонстрациялық оқу бағдарламасы "
    "семинарына қатысқанын растайды; қатысушының білімі мен дағдылары бағаланбаған. Бұл "
    "мемлекет таныған біліктілік емес және «Медиация туралы» Қазақстан Республикасының Заңы "
    "бойынша кәсіпқой немесе қоғамдық медиатор мәртебесін бермейді.",
}


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
        )
    )
    _reword(cpm_b, CPM_B_TITLES, _disclaimers(CPM_B_DISCLAIMERS, site))
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


# --- learning, quizzes and assessments -------------------------------------------------------


def complete_courses(user: User, courses: list[Course]) -> None:
    """Enrol and read every module (those read at their current version are left alone)."""
    query = select(ModuleCompletion.module_id, ModuleCompletion.module_version).where(
        ModuleCompletion.user_id == user.id
    )
    for course in courses:
        learning.enrol(user, course)
        read = dict(db.session.execute(query).all())
        for module in course.modules:
            if read.get(module.id) != module.version:
                learning.complete_module(user, module)


def _wrong_positions(attempt: Attempt, code: str | None) -> set[int]:
    """The positions to answer wrong so that ``code``'s share in this attempt is just under
    its quiz threshold: that criterion's questions, lightest first, until it drops below."""
    if code is None:
        return set()
    criterion = db.session.scalar(select(Criterion).where(Criterion.code == code))
    threshold = criterion.threshold("quiz") if criterion else None
    if threshold is None:
        return set()
    items = [q for q in attempt.questions if q.version.question.criterion.code == code]
    points = {
        q.position: get_type(q.version.question.type).max_points(
            q.version.definition, q.version.points
        )
        for q in items
    }
    # The lightest questions first, so the share lands as close under the threshold as it can.
    items.sort(key=lambda q: (points[q.position], q.version.question_id))
    total = earned = sum(points.values())
    wrong: set[int] = set()
    for item in items:
        if earned * 100 < threshold * total:
            break
        earned -= points[item.position]
        wrong.add(item.position)
    return wrong


def take_quiz(
    quiz: Quiz, user: User, *, at: datetime, marker: User, fail_criterion: str | None = None
) -> Attempt:
    """One attempt at ``at``, answered right (but for ``fail_criterion``, kept just under its
    threshold), written answers scored in full by ``marker``. An attempt that exists is
    finished instead of repeated."""
    finished = attempts.finished_attempts(quiz, user)
    attempt = finished[0] if finished else attempts.start(quiz, user, now=at)
    attempt = attempts.load_attempt(attempt.id)
    if not finished:
        wrong = _wrong_positions(attempt, fail_criterion)
        for item in attempt.questions:
            values = answer_values(
                item.version.question.type,
                item.version.definition,
                item.presentation,
                right=item.position not in wrong,
            )
            attempts.save_answer(attempt, item.position, values, now=at + timedelta(minutes=1))
        attempts.submit(attempt, now=at + timedelta(minutes=25))
    for item in list(attempt.questions):
        if item.version.question.type == "free_text" and item.manual_points is None:
            rubric = item.version.definition["rubric"]
            marking.score(item, [line["points"] for line in rubric], by=marker)
    return attempt


DRAFTING_SLUG = "settlement-drafting-task"
DRAFTING_NOTES = (
    "Every required element is there. The instalments, dates and bank details make the terms "
    "performable; say in plain words what happens after a late payment."
)
# Points per drafting-task quality line (checklist lines are all present): 18 of 20.
DRAFTING_QUALITY = (4, 3, 3, 4, 4)


def sign_off_drafting(user: User, trainer: User, seminar: Seminar) -> Assessment | None:
    """Day 5's drafting task for ``user``, scored and signed off (kept if it exists)."""
    rubric = db.session.scalar(select(Rubric).where(Rubric.slug == DRAFTING_SLUG))
    if rubric is None:
        return None
    done = db.session.scalar(
        select(Assessment).where(
            Assessment.rubric_id == rubric.id,
            Assessment.user_id == user.id,
            Assessment.status == AssessmentStatus.SIGNED_OFF.value,
        )
    )
    if done is not None:
        return done
    assessment = draft_for(rubric, user) or start_assessment(rubric, user, trainer, seminar=seminar)
    quality = iter(DRAFTING_QUALITY)
    scores = {
        line.id: 1 if line.kind == LineKind.CHECKLIST.value else next(quality, 3)
        for line in rubric.lines
    }
    save_sheet(assessment, trainer, scores=scores, notes=DRAFTING_NOTES, breach=None)
    return sign_off(assessment, trainer)


# --- seminars --------------------------------------------------------------------------------


def record_attendance(seminar: Seminar, marks: dict[int, dict[int, tuple[str, object]]]) -> None:
    """Each session's sheet ``{user_id: (status, hours)}`` by day number, signed off by the
    session's trainer. Signed-off sessions are left alone."""
    for day, session in enumerate(sorted(seminar.sessions, key=lambda s: s.starts_at), start=1):
        if session.signed_off:
            continue
        by = session.trainer or seminar.trainer_links[0].user
        attendance.save_sheet(session, marks.get(day, {}), by)
        attendance.sign_off(session, by)


PILOT_SEMINAR_TITLE = "Basic training for public mediators: pilot (demo)"


def seed_pilot_seminar(app: Flask, course: Course, trainer: User, trainee: User) -> Seminar:
    """The seminar's first run, five days some fourteen months ago, completed with one
    participant present throughout."""
    pilot = db.session.scalar(select(Seminar).where(Seminar.title == PILOT_SEMINAR_TITLE))
    if pilot is None:
        pilot = authoring.create_seminar(
            course,
            [trainer],
            title=PILOT_SEMINAR_TITLE,
            capacity=10,
            language="ru",
            venue="Almaty, House of Friendship",
            description="The first run of the five-day seminar (40 academic hours), a year "
            "before the current one. Demo seminar of the platform. " + NOT_THE_GENERAL_COURSE,
        )
    if not pilot.sessions:
        zone = site_zone()
        start = site_today() - timedelta(days=425)
        monday = start - timedelta(days=start.weekday())
        for number, topic in enumerate(DEMO_DAYS):
            day = monday + timedelta(days=number)
            authoring.add_session(
                pilot,
                topic=topic,
                academic_hours=Decimal("8"),
                starts_at=datetime.combine(day, time(9, 0), zone),
                ends_at=datetime.combine(day, time(17, 0), zone),
                trainer=trainer,
            )
        db.session.refresh(pilot)
    if registration.find_registration(pilot, trainee) is None:
        registration.add_participant(pilot, trainee, organisation="Akimat of Almaty")
    record_attendance(pilot, {day: {trainee.id: ("present", None)} for day in range(1, 6)})
    if pilot.status != SeminarStatus.COMPLETED:
        authoring.set_status(pilot, SeminarStatus.COMPLETED)
    return pilot


def pilot_issue_date(pilot: Seminar) -> date:
    """The Monday after the pilot's last day: when its certificates were issued."""
    last = max(site_today(session.starts_at) for session in pilot.sessions)
    return last + timedelta(days=3)


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
    signed = db.session.scalar(
        select(EthicsDeclaration.id).where(
            EthicsDeclaration.user_id == user.id,
            EthicsDeclaration.qualification_id == qualification.id,
        )
    )
    if not signed:
        sign_declaration(user, qualification, user.full_name)


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


# Мария's days 3 and 4 of the demo seminar, found to be someone else's check-in.
CORRECTION_REASON = (
    "A complaint was upheld: another participant checked in for her; she was absent."
)
# The public is told only the reason code; the story stays in the trainer's internal note.
REVOKE_REASON = lifecycle.StatusReason.ISSUED_IN_ERROR
REVOKE_NOTE = (
    "After a complaint, the attendance on days 3 and 4 was corrected to absent, and the "
    "holder no longer has the hours required (demo example)."
)


def correct_to_absent(seminar: Seminar, user: User, days: tuple[int, ...], by: User) -> None:
    sessions = sorted(seminar.sessions, key=lambda s: s.starts_at)
    marks = attendance.marks_of(seminar, user)
    for day in days:
        session = sessions[day - 1]
        mark: Attendance | None = marks.get(session.id)
        if mark is not None and mark.hours > 0:
            attendance.correct(session, user.id, "absent", None, CORRECTION_REASON, by)


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
    _issue(cpm_b, asel, seminar, by=trainer, problems=problems)

    # Мария's certificate of attendance, then the correction that takes it away.
    revoked = _issue(seminar_attendance, maria, seminar, by=trainer, problems=problems)
    correct_to_absent(seminar, maria, (3, 4), trainer)
    if revoked is not None and revoked.status == CertificateStatus.VALID:
        lifecycle.revoke(revoked, REVOKE_REASON, admin, note=REVOKE_NOTE)

    pilot = seed_pilot_seminar(app, courses[1], co_trainer, maria)
    today = pilot_issue_date(pilot)
    _issue(seminar_attendance, maria, pilot, by=co_trainer, problems=problems, today=today)

    held = db.session.scalars(
        select(Certificate)
        .where(
            Certificate.holder_id.in_([u.id for u in (asel, ulan, maria)]), Certificate.live == 1
        )
        .order_by(Certificate.id)
    ).all()
    claimants = [
        user
        for user in (asel, ulan)
        if issuance.current_certificate(user, seminar_attendance, seminar) is None
        and eligibility.check(user, seminar_attendance, seminar).eligible
    ]
    left = eligibility.check(ulan, cpm_b, seminar).missing
    _print(list(held), problems, (ulan, cpm_b, left), claimants)


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
