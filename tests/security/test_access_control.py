"""Access control and CSRF for every route of the application, built from its URL map.

``RULES`` names, for every endpoint, who may use it. A new endpoint without an entry fails
``test_every_endpoint_has_an_access_rule``; an entry without a way to reach it fails
``test_every_rule_can_be_exercised``. Then every GET is requested, on the demo's real
objects, as each of six visitors:

- ``anonymous``: a stranger;
- ``trainee_a`` (asel), who owns the trainee objects used (her attempt, her certificate,
  her registration), and ``trainee_b`` (ulan), another trainee;
- ``trainer_own`` (aigerim), who owns the course and runs the seminar used, and
  ``trainer_other`` (dana, added here), a trainer with a course and a seminar of her own;
- ``admin``.

Each answer must be the one the rule expects: allowed (a 2xx, or a redirect that is not to
the login page), ``LOGIN`` (a redirect to the login page), or ``DENY`` (403 or 404).
Every POST is sent by each visitor the rule refuses, with a valid CSRF token and an empty
form: it must be refused the same way before it validates anything. And every POST without
a token is refused with 400, except the exemptions listed in ``CSRF_EXEMPT``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from assessments.models import Assessment, Rubric
from certificates import ce_activities
from certificates.ce_models import CeActivity
from certificates.models import Certificate, Qualification
from courses import authoring, files
from courses.models import Course, Module, ModuleRevision
from lms import accounts, jobs, site_settings
from lms.database import utcnow
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.job_models import JobRecord, JobState
from lms.models import OutboxMessage, Role, User
from quizzes.models import (
    Attempt,
    AttemptQuestion,
    Criterion,
    DrawRule,
    Question,
    QuestionVersion,
    Quiz,
)
from seminars import authoring as seminar_authoring
from seminars import checkin, registration
from seminars.models import Registration, Seminar, SeminarSession
from tests.conftest import _stand_in_pdf

VISITORS = {
    "anonymous": None,
    "trainee_a": "asel@example.kz",
    "trainee_b": "ulan@example.kz",
    "trainer_own": "aigerim.trainer@example.kz",
    "trainer_other": "dana.trainer@example.kz",
    "admin": "admin@example.kz",
}

OK, LOGIN, DENY = "allowed", "login", "denied"


def _rule(anonymous, trainee_a, trainee_b, trainer_own, trainer_other, admin) -> dict:
    answers = (anonymous, trainee_a, trainee_b, trainer_own, trainer_other, admin)
    return dict(zip(VISITORS, answers, strict=True))


PUBLIC = _rule(OK, OK, OK, OK, OK, OK)
SIGNED_IN = _rule(LOGIN, OK, OK, OK, OK, OK)
# The trainee's own object (attempt, certificate, registration): another trainee is refused.
OWN_TRAINEE = _rule(LOGIN, OK, DENY, DENY, DENY, DENY)
# Any trainer's page that lists only what they may manage (everything, for an admin), or
# reference data every trainer reads (qualifications, criteria).
TRAINER = _rule(LOGIN, DENY, DENY, OK, OK, OK)
# A course's or a seminar's own staff: another trainer is refused.
STAFF = _rule(LOGIN, DENY, DENY, OK, DENY, OK)
ADMIN = _rule(LOGIN, DENY, DENY, DENY, DENY, OK)
# Enrolled trainees (both are, on the demo's course), the course's staff and admins.
ENROLLED = _rule(LOGIN, OK, OK, OK, DENY, OK)
# The job's starter (here trainer_own) and administrators.
JOB_OWNER = _rule(LOGIN, DENY, DENY, OK, DENY, OK)
# Evidence of a continuing-education activity: its holder and the staff who review it.
HOLDER_OR_STAFF = _rule(LOGIN, OK, DENY, OK, OK, OK)


@dataclass
class World:
    """The demo's objects each rule is tried on (ids looked up, never assumed)."""

    course: Course
    module: Module
    revision: int
    file_id: int
    image: str
    material: str
    seminar: Seminar  # run by trainer_own only
    session: SeminarSession
    registration: Registration  # of trainee_a on ``seminar``
    seminar_of_a: Seminar  # a seminar trainee_a attended (for her certificate)
    quiz: Quiz  # of ``course``
    rule_id: int
    question: Question
    attempt: Attempt  # trainee_a's, on ``quiz``
    essay_item: int
    certificate: Certificate  # trainee_a's
    managed_certificate: Certificate  # issued on a seminar of trainer_own
    qualification: Qualification
    criterion: Criterion
    rubric: Rubric
    assessment: Assessment  # trainee_a's, by trainer_own
    job: JobRecord  # started by trainer_own
    message: OutboxMessage
    trainee_a: User
    check_in_token: str
    activity: CeActivity  # trainee_a's, waiting for review, on her certificate
    # trainer_other's objects, for a URL that pairs trainer_own's parent with another's child
    other_module: Module
    other_session: SeminarSession
    other_registration: Registration


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def build_world() -> World:
    asel, aigerim = _user(VISITORS["trainee_a"]), _user(VISITORS["trainer_own"])
    course = db.session.scalar(select(Course).where(Course.slug == "mediation-agreements"))
    assert {o.user_id for o in course.ownerships} == {aigerim.id}
    module = course.modules[0]
    revision = db.session.scalar(
        select(ModuleRevision.version).where(ModuleRevision.module_id == module.id).limit(1)
    )
    image = files.add_file(
        course, kind="image", data=_png(), original_name="plan.png", uploaded_by=aigerim
    )
    material = files.add_file(
        course, kind="material", data=_stand_in_pdf({}, "", ""), original_name="notes.pdf",
        uploaded_by=aigerim,
    )  # fmt: skip
    seminar = db.session.scalar(
        select(Seminar).where(Seminar.status == "open").order_by(Seminar.id)
    )
    assert [t.user_id for t in seminar.trainer_links] == [aigerim.id]
    reg = registration.register(seminar, asel)
    session = seminar.sessions[0]
    seminar_of_a = db.session.scalar(
        select(Seminar)
        .join(Registration, Registration.seminar_id == Seminar.id)
        .where(Registration.user_id == asel.id, Seminar.id != seminar.id)
    )
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id))
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == asel.id)
    )
    essay = db.session.scalar(
        select(AttemptQuestion.id)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.type == "free_text", Question.course_id == course.id)
        .order_by(AttemptQuestion.id)
        .limit(1)
    )
    if essay is None:
        # The demo's draw is random (seeded from ``secrets``): when asel's attempt drew no
        # essay, give it one, answered, so the marking routes have an object to guard.
        version = db.session.scalar(
            select(QuestionVersion)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.type == "free_text", Question.course_id == course.id)
            .order_by(QuestionVersion.id)
            .limit(1)
        )
        assert version is not None, "the demo course has no essay question"
        position = 1 + (
            db.session.scalar(
                select(func.max(AttemptQuestion.position)).where(
                    AttemptQuestion.attempt_id == attempt.id
                )
            )
            or 0
        )
        added = AttemptQuestion(
            attempt_id=attempt.id,
            position=position,
            question_version_id=version.id,
            presentation_json='{"key": {}}',
            answer_json='"A planted essay answer."',
        )
        db.session.add(added)
        db.session.flush()
        essay = added.id
    certificate = db.session.scalar(select(Certificate).where(Certificate.holder_id == asel.id))
    managed = certificate
    job = JobRecord(
        user_id=aigerim.id, kind="courses.import", title="Import", state=JobState.DONE.value
    )
    db.session.add(job)
    db.session.flush()
    with jobs.result_file(job, "result.zip") as path:
        path.write_bytes(b"PK\x05\x06" + bytes(18))
    # Another trainer, with a course and a seminar of her own.
    dana = accounts.create_user(
        email=VISITORS["trainer_other"], password=DEMO_PASSWORD, display_name="Dana",
        full_name="Dana Trainer", role=Role.TRAINER,
    )  # fmt: skip
    her_course = authoring.create_course(dana, title="Her course", slug="", summary="Hers")
    her_module = authoring.create_module(her_course, dana, title="Her module", source="Text.")
    authoring.set_status(her_course, "published")
    her_seminar = seminar_authoring.create_seminar(
        her_course, [dana], title="Her seminar", capacity=3
    )
    start = utcnow().replace(microsecond=0) + timedelta(days=3)
    her_session = seminar_authoring.add_session(
        her_seminar, starts_at=start, ends_at=start + timedelta(hours=2), topic="Day 1",
        academic_hours=Decimal("2"), trainer=dana,
    )  # fmt: skip
    seminar_authoring.set_status(her_seminar, "open")
    her_registration = registration.register(her_seminar, _user(VISITORS["trainee_b"]))
    assessment = db.session.scalar(
        select(Assessment).where(Assessment.user_id == asel.id).order_by(Assessment.id)
    )
    site_settings.save({"image.logo": site_settings.store_image(_png())})
    activity = ce_activities.submit(
        certificate, asel,
        ce_activities.ActivityData("Conference", "Chamber", certificate.issued_on, "4"),
        _png(), "scan.png", today=certificate.issued_on,
    )  # fmt: skip
    db.session.commit()
    return World(
        course=course,
        module=module,
        revision=revision or 1,
        file_id=image.id,
        image=image.filename,
        material=material.filename,
        seminar=seminar,
        session=session,
        registration=reg,
        seminar_of_a=seminar_of_a,
        quiz=quiz,
        rule_id=db.session.scalar(select(DrawRule.id).where(DrawRule.quiz_id == quiz.id)) or 1,
        question=db.session.scalar(
            select(Question).where(Question.course_id == course.id).order_by(Question.id)
        ),
        attempt=attempt,
        essay_item=essay,
        certificate=certificate,
        managed_certificate=managed,
        qualification=db.session.scalar(select(Qualification).order_by(Qualification.id)),
        criterion=db.session.scalar(select(Criterion).order_by(Criterion.id)),
        rubric=db.session.scalar(select(Rubric).where(Rubric.course_id == course.id)),
        assessment=assessment,
        job=job,
        message=db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id)),
        trainee_a=asel,
        check_in_token=checkin.make_token(session),
        activity=activity,
        other_module=her_module,
        other_session=her_session,
        other_registration=her_registration,
    )


U = Callable[[World], str]


def _c(w: World) -> str:
    return w.course.slug


def _m(w: World) -> str:
    return f"/manage/courses/{w.course.slug}/modules/{w.module.id}"


def _s(w: World) -> str:
    return f"/manage/seminars/{w.seminar.id}"


def _pr(w: World) -> str:
    return f"/certificates/{w.certificate.id}/public-register"


def _ss(w: World) -> str:
    return f"/manage/seminars/{w.seminar.id}/sessions/{w.session.id}"


# endpoint -> (rule, the URL to try it on). For endpoints with GET and POST, the rule holds
# for both.
RULES: dict[str, tuple[dict, U]] = {
    # --- account -------------------------------------------------------------------------
    # One's own calendar feed address only (lms.calendar_feed).
    "account.calendar": (SIGNED_IN, lambda w: "/account/calendar"),
    "account.new_calendar_feed": (SIGNED_IN, lambda w: "/account/calendar/new"),
    "account.revoke_calendar_feed": (SIGNED_IN, lambda w: "/account/calendar/revoke"),
    "account.cancel_email_change": (SIGNED_IN, lambda w: "/account/email/cancel"),
    "account.change_email": (SIGNED_IN, lambda w: "/account/email"),
    "account.change_password": (SIGNED_IN, lambda w: "/account/password"),
    "account.data": (SIGNED_IN, lambda w: "/account/data"),
    "account.delete": (SIGNED_IN, lambda w: "/account/delete"),  # one's own account only
    "account.export": (SIGNED_IN, lambda w: "/account/export"),  # one's own data only
    "account.end_other_sessions": (SIGNED_IN, lambda w: "/account/sessions/end-others"),
    "account.notifications": (SIGNED_IN, lambda w: "/account/notifications"),
    "account.profile": (SIGNED_IN, lambda w: "/account"),
    "account.resend_confirmation": (SIGNED_IN, lambda w: "/account/email/resend"),
    "account.security": (SIGNED_IN, lambda w: "/account/security"),
    # The signed token is the credential (answers 400 for a forged one, to anyone).
    "account.unsubscribe": (PUBLIC, lambda w: "/account/unsubscribe/forged-token"),
    # --- admin ---------------------------------------------------------------------------
    "admin.activate": (ADMIN, lambda w: f"/admin/users/{w.trainee_a.id}/activate"),
    "admin.audit_csv": (ADMIN, lambda w: "/admin/audit.csv"),
    "admin.audit_log": (ADMIN, lambda w: "/admin/audit"),
    "admin.change_email": (ADMIN, lambda w: f"/admin/users/{w.trainee_a.id}/email"),
    "admin.change_role": (ADMIN, lambda w: f"/admin/users/{w.trainee_a.id}/role"),
    "admin.create_user": (ADMIN, lambda w: "/admin/users/new"),
    "admin.deactivate": (ADMIN, lambda w: f"/admin/users/{w.trainee_a.id}/deactivate"),
    "admin.delete_user": (ADMIN, lambda w: f"/admin/users/{w.trainee_a.id}/delete"),
    "admin.edit_details": (ADMIN, lambda w: f"/admin/users/{w.trainee_a.id}/details"),
    "admin.outbox": (ADMIN, lambda w: "/admin/outbox"),
    "admin.outbox_attachment": (
        ADMIN,
        lambda w: f"/admin/outbox/{w.message.id}/attachments/0",
    ),
    "admin.outbox_message": (ADMIN, lambda w: f"/admin/outbox/{w.message.id}"),
    "admin.outbox_send_again": (ADMIN, lambda w: f"/admin/outbox/{w.message.id}/send-again"),
    "admin.reset_link": (ADMIN, lambda w: f"/admin/users/{w.trainee_a.id}/reset-link"),
    "admin.settings": (ADMIN, lambda w: "/admin/settings"),
    "admin.settings_image": (ADMIN, lambda w: "/admin/settings/images/logo"),
    "admin.user_detail": (ADMIN, lambda w: f"/admin/users/{w.trainee_a.id}"),
    "admin.users": (ADMIN, lambda w: "/admin/users"),
    # --- analytics (a trainer's own courses and seminars; everything for an admin) -------
    "analytics.index": (TRAINER, lambda w: "/analytics"),
    # --- authentication (tokens are the credential; a forged one is refused to anyone) ---
    "auth.confirm_email": (PUBLIC, lambda w: "/confirm-email/forged-token"),
    "auth.forgot": (PUBLIC, lambda w: "/forgot-password"),
    "auth.login": (PUBLIC, lambda w: "/login"),
    "auth.logout": (PUBLIC, lambda w: "/logout"),  # a stranger is sent home; nothing changes
    "auth.resend_confirmation": (PUBLIC, lambda w: "/confirm-email/resend"),
    "auth.reset_password": (PUBLIC, lambda w: "/reset/forged-token"),
    "auth.signup": (PUBLIC, lambda w: "/signup"),
    "bootstrap.static": (PUBLIC, lambda w: "/bootstrap/static/css/bootstrap.min.css"),
    # --- certificates: the public verification record and API ---------------------------
    "certificates.api_certificate": (
        PUBLIC,
        lambda w: f"/api/v1/certificates/{w.certificate.number}",
    ),
    "certificates.did_document": (PUBLIC, lambda w: "/.well-known/did.json"),
    "credentials.credential": (PUBLIC, lambda w: f"/credentials/{w.certificate.number}.json"),
    "credentials.status": (PUBLIC, lambda w: "/credentials/status/revocation/1"),
    "credentials.achievement": (
        PUBLIC,
        lambda w: f"/credentials/achievements/{w.certificate.qualification.slug}",
    ),
    "certificates.jwks": (PUBLIC, lambda w: "/.well-known/jwks.json"),
    "certificates.openapi": (PUBLIC, lambda w: "/api/v1/openapi.json"),
    "certificates.verify": (PUBLIC, lambda w: "/verify"),
    "certificates.verify_number": (PUBLIC, lambda w: f"/verify/{w.certificate.number}"),
    # --- the public register of mediators and its open feed -----------------------------
    "mediators.index": (PUBLIC, lambda w: "/mediators"),
    "mediators.feed": (PUBLIC, lambda w: "/mediators.json"),
    # --- courses (published ones are public; learning needs an account) -----------------
    "courses.catalogue": (PUBLIC, lambda w: "/courses/"),
    "courses.complete": (
        SIGNED_IN,
        lambda w: f"/courses/{_c(w)}/{w.module.slug}/complete",
    ),
    "courses.course_page": (PUBLIC, lambda w: f"/courses/{_c(w)}"),
    "courses.enrol": (SIGNED_IN, lambda w: f"/courses/{_c(w)}/enrol"),
    "courses.image": (PUBLIC, lambda w: f"/courses/{_c(w)}/images/{w.image}"),
    "courses.material": (ENROLLED, lambda w: f"/courses/{_c(w)}/materials/{w.material}"),
    "courses.module_page": (PUBLIC, lambda w: f"/courses/{_c(w)}/{w.module.slug}"),
    # --- the glossary of legal terms ----------------------------------------------------------
    "glossary.index": (PUBLIC, lambda w: "/glossary"),
    # --- search (each searcher shows only what the visitor may see) -------------------------
    "search.results": (PUBLIC, lambda w: "/search?q=med"),
    # --- background jobs -------------------------------------------------------------------
    "jobs.admin_jobs": (ADMIN, lambda w: "/admin/jobs"),
    "jobs.job_json": (JOB_OWNER, lambda w: f"/jobs/{w.job.id}.json"),
    "jobs.job_page": (JOB_OWNER, lambda w: f"/jobs/{w.job.id}"),
    "jobs.result": (JOB_OWNER, lambda w: f"/jobs/{w.job.id}/result"),
    # --- main --------------------------------------------------------------------------------
    "main.dashboard": (SIGNED_IN, lambda w: "/dashboard"),
    "main.healthz": (PUBLIC, lambda w: "/healthz"),
    "main.home": (PUBLIC, lambda w: "/"),
    "main.set_language": (PUBLIC, lambda w: "/language"),
    "main.choose_language": (PUBLIC, lambda w: "/language?language=ru&next=/"),
    # --- course authoring ------------------------------------------------------------------
    "manage.add_owner": (STAFF, lambda w: f"/manage/courses/{_c(w)}/owners"),
    "manage.course_files": (STAFF, lambda w: f"/manage/courses/{_c(w)}/files"),
    "manage.courses": (TRAINER, lambda w: "/manage/courses"),
    "manage.delete_file": (
        STAFF,
        lambda w: f"/manage/courses/{_c(w)}/files/{w.file_id}/delete",
    ),
    "manage.delete_module": (STAFF, lambda w: _m(w) + "/delete"),
    "manage.discard_edition": (STAFF, lambda w: f"/manage/courses/{_c(w)}/edition/discard"),
    "manage.diff": (STAFF, lambda w: _m(w) + "/diff?from=1&to=1"),
    "manage.edit_course": (STAFF, lambda w: f"/manage/courses/{_c(w)}"),
    "manage.edit_module": (STAFF, _m),
    "manage.export_course": (STAFF, lambda w: f"/manage/courses/{_c(w)}/export"),
    "manage.history": (STAFF, lambda w: _m(w) + "/history"),
    "manage.import_course": (TRAINER, lambda w: "/manage/courses/import"),
    "manage.keep_module": (STAFF, lambda w: _m(w) + "/keep"),
    "manage.move_module": (STAFF, lambda w: _m(w) + "/move"),
    "manage.new_course": (TRAINER, lambda w: "/manage/courses/new"),
    "manage.new_module": (STAFF, lambda w: f"/manage/courses/{_c(w)}/modules/new"),
    "manage.next_edition": (STAFF, lambda w: f"/manage/courses/{_c(w)}/edition"),
    "manage.preview": (TRAINER, lambda w: "/manage/preview"),
    "manage.publish_edition": (STAFF, lambda w: f"/manage/courses/{_c(w)}/edition"),
    "manage.remove_owner": (
        STAFF,
        lambda w: f"/manage/courses/{_c(w)}/owners/{w.course.ownerships[0].user_id}/remove",
    ),
    "manage.restore": (STAFF, lambda w: _m(w) + f"/revisions/{w.revision}/restore"),
    "manage.set_status": (STAFF, lambda w: f"/manage/courses/{_c(w)}/status"),
    "manage.upload": (STAFF, lambda w: f"/manage/courses/{_c(w)}/files/image"),
    "manage.translations_overview": (STAFF, lambda w: f"/manage/courses/{_c(w)}/translations"),
    "manage.translate_course": (STAFF, lambda w: f"/manage/courses/{_c(w)}/translations/ru"),
    "manage.translate_module": (
        STAFF,
        lambda w: f"/manage/courses/{_c(w)}/translations/ru/modules/{w.module.id}",
    ),
    # --- certificates, managed ---------------------------------------------------------------
    "manage_certificates.bulk_issue": (
        STAFF,
        lambda w: f"/manage/certificates/seminars/{w.seminar.id}/issue",
    ),
    "manage_certificates.certificate_pdf": (
        STAFF,
        lambda w: f"/manage/certificates/{w.managed_certificate.id}/pdf",
    ),
    "manage_certificates.change": (
        STAFF,
        lambda w: f"/manage/certificates/{w.managed_certificate.id}/suspend",
    ),
    "manage_certificates.detail": (
        STAFF,
        lambda w: f"/manage/certificates/{w.managed_certificate.id}",
    ),
    # Continuing education: any trainer reviews; administrators say what counts.
    "manage_certificates.ce_review": (
        TRAINER,
        lambda w: "/manage/certificates/continuing-education",
    ),
    "manage_certificates.ce_decide": (
        TRAINER,
        lambda w: f"/manage/certificates/continuing-education/{w.activity.id}",
    ),
    "manage_certificates.ce_credits": (
        ADMIN,
        lambda w: "/manage/certificates/continuing-education/credits",
    ),
    "manage_certificates.declaration_translations": (
        ADMIN,
        lambda w: f"/manage/certificates/qualifications/{w.qualification.id}/translations",
    ),
    "manage_certificates.edit_qualification": (
        ADMIN,
        lambda w: f"/manage/certificates/qualifications/{w.qualification.id}",
    ),
    # The certificate's design: admins and the trainers who own one of its courses.
    "manage_certificates.qualification_design": (
        STAFF,
        lambda w: f"/manage/certificates/qualifications/{w.qualification.id}/design",
    ),
    "manage_certificates.qualification_design_preview": (
        STAFF,
        lambda w: f"/manage/certificates/qualifications/{w.qualification.id}/design/preview.png",
    ),
    "manage_certificates.export_csv": (TRAINER, lambda w: "/manage/certificates/export.csv"),
    "manage_certificates.identity": (
        ADMIN,
        lambda w: f"/manage/certificates/identity/{w.trainee_a.id}",
    ),
    "manage_certificates.new_qualification": (
        ADMIN,
        lambda w: "/manage/certificates/qualifications/new",
    ),
    "manage_certificates.prepare_zip": (
        STAFF,
        lambda w: f"/manage/certificates/seminars/{w.seminar.id}/certificates.zip/prepare",
    ),
    "manage_certificates.preview": (
        STAFF,
        lambda w: f"/manage/certificates/seminars/{w.seminar.id}/preview/{w.trainee_a.id}",
    ),
    "manage_certificates.qualifications": (
        TRAINER,
        lambda w: "/manage/certificates/qualifications",
    ),
    "manage_certificates.register": (TRAINER, lambda w: "/manage/certificates/"),
    "manage_certificates.seminar_page": (
        STAFF,
        lambda w: f"/manage/certificates/seminars/{w.seminar.id}",
    ),
    "manage_certificates.seminar_zip": (
        STAFF,
        lambda w: f"/manage/certificates/seminars/{w.seminar.id}/certificates.zip",
    ),
    "manage_certificates.seminars": (TRAINER, lambda w: "/manage/certificates/seminars/"),
    # Certificates from a spreadsheet: any trainer's page; each row is checked against what
    # the trainer manages, and a reference is bound to the user it was made for (400 else).
    "manage_certificates.spreadsheet": (TRAINER, lambda w: "/manage/certificates/spreadsheet"),
    "manage_certificates.spreadsheet_template": (
        TRAINER,
        lambda w: "/manage/certificates/spreadsheet/template.xlsx",
    ),
    "manage_certificates.spreadsheet_dry_run": (
        TRAINER,
        lambda w: "/manage/certificates/spreadsheet",
    ),
    "manage_certificates.spreadsheet_check": (
        TRAINER,
        lambda w: "/manage/certificates/spreadsheet/check?ref=forged",
    ),
    "manage_certificates.spreadsheet_apply": (
        TRAINER,
        lambda w: "/manage/certificates/spreadsheet/apply",
    ),
    "manage_certificates.spreadsheet_result": (
        TRAINER,
        lambda w: "/manage/certificates/spreadsheet/result.csv?ref=forged",
    ),
    # --- quizzes, managed ---------------------------------------------------------------------
    "manage_quizzes.criteria": (TRAINER, lambda w: "/manage/quizzes/criteria"),
    "manage_quizzes.edit_criterion": (
        ADMIN,
        lambda w: f"/manage/quizzes/criteria/{w.criterion.id}",
    ),
    "manage_quizzes.gradebook_csv": (
        STAFF,
        lambda w: f"/manage/quizzes/{w.quiz.id}/gradebook.csv",
    ),
    "manage_quizzes.gradebook_page": (STAFF, lambda w: f"/manage/quizzes/{w.quiz.id}/gradebook"),
    "manage_quizzes.index": (TRAINER, lambda w: "/manage/quizzes/"),
    "manage_quizzes.items": (STAFF, lambda w: f"/manage/quizzes/{w.quiz.id}/items"),
    "manage_quizzes.mark": (STAFF, lambda w: f"/manage/quizzes/marking/{w.essay_item}"),
    "manage_quizzes.marking_queue": (TRAINER, lambda w: "/manage/quizzes/marking"),
    # --- seminars, managed -------------------------------------------------------------------
    "manage_seminars.add_participant": (STAFF, lambda w: _s(w) + "/participants"),
    "manage_seminars.attendance_sheet": (STAFF, lambda w: _ss(w) + "/attendance"),
    "manage_seminars.cancel_participant": (
        STAFF,
        lambda w: _s(w) + f"/participants/{w.registration.id}/cancel",
    ),
    "manage_seminars.capacity": (STAFF, lambda w: _s(w) + "/capacity"),
    "manage_seminars.check_in_code": (STAFF, lambda w: _ss(w) + "/check-in"),
    "manage_seminars.correct": (STAFF, lambda w: _ss(w) + "/corrections"),
    "manage_seminars.delete_session": (STAFF, lambda w: _ss(w) + "/delete"),
    "manage_seminars.detail": (STAFF, _s),
    "manage_seminars.edit_session": (STAFF, _ss),
    "manage_seminars.export_csv": (STAFF, lambda w: _s(w) + "/attendance.csv"),
    "manage_seminars.index": (TRAINER, lambda w: "/manage/seminars/"),
    "manage_seminars.new": (TRAINER, lambda w: "/manage/seminars/new"),
    "manage_seminars.new_session": (STAFF, lambda w: _s(w) + "/sessions/new"),
    "manage_seminars.participants": (STAFF, lambda w: _s(w) + "/participants"),
    "manage_seminars.roster_confirm": (STAFF, lambda w: _s(w) + "/roster/confirm"),
    "manage_seminars.roster_preview": (STAFF, lambda w: _s(w) + "/roster"),
    "manage_seminars.set_status": (STAFF, lambda w: _s(w) + "/status"),
    "manage_seminars.sign_in_sheet": (STAFF, lambda w: _s(w) + "/sign-in-sheet"),
    "manage_seminars.sign_off": (STAFF, lambda w: _ss(w) + "/sign-off"),
    "manage_seminars.translations": (STAFF, lambda w: _s(w) + "/translations"),
    # --- my certificates ----------------------------------------------------------------------
    "my_certificates.claim": (SIGNED_IN, lambda w: "/certificates/claim"),
    "my_certificates.index": (SIGNED_IN, lambda w: "/certificates/"),
    "my_certificates.pdf": (OWN_TRAINEE, lambda w: f"/certificates/{w.certificate.id}/pdf"),
    # The holder's entry in the public register of mediators (another's certificate: 404).
    "my_certificates.register_entry": (OWN_TRAINEE, lambda w: _pr(w)),
    "my_certificates.save_register_entry": (OWN_TRAINEE, lambda w: _pr(w)),
    "my_certificates.withdraw_register_entry": (OWN_TRAINEE, lambda w: _pr(w) + "/withdraw"),
    "my_certificates.continuing_education": (
        OWN_TRAINEE,
        lambda w: f"/certificates/{w.certificate.id}/continuing-education",
    ),
    "my_certificates.submit_activity": (
        OWN_TRAINEE,
        lambda w: f"/certificates/{w.certificate.id}/continuing-education",
    ),
    "my_certificates.renew": (OWN_TRAINEE, lambda w: f"/certificates/{w.certificate.id}/renew"),
    "my_certificates.evidence": (
        HOLDER_OR_STAFF,
        lambda w: f"/certificates/activities/{w.activity.id}/evidence",
    ),
    "my_certificates.sign": (
        SIGNED_IN,
        lambda w: f"/certificates/qualifications/{w.qualification.id}/declaration",
    ),
    # --- practical assessments ----------------------------------------------------------------
    "practical.assessments": (TRAINER, lambda w: "/manage/assessments/"),
    "practical.copy_rubric": (TRAINER, lambda w: f"/manage/assessments/rubrics/{w.rubric.id}/copy"),
    "practical.edit_rubric": (STAFF, lambda w: f"/manage/assessments/rubrics/{w.rubric.id}"),
    "practical.my_assessments": (SIGNED_IN, lambda w: "/assessments/"),
    "practical.my_standing": (SIGNED_IN, lambda w: "/assessments/standing"),
    "practical.new_assessment": (TRAINER, lambda w: "/manage/assessments/new"),
    "practical.new_rubric": (TRAINER, lambda w: "/manage/assessments/rubrics/new"),
    "practical.rubric_translations": (
        STAFF,
        lambda w: f"/manage/assessments/rubrics/{w.rubric.id}/translations",
    ),
    "practical.rubrics": (TRAINER, lambda w: "/manage/assessments/rubrics"),
    "practical.sheet": (STAFF, lambda w: f"/manage/assessments/{w.assessment.id}"),
    "practical.sign_off": (STAFF, lambda w: f"/manage/assessments/{w.assessment.id}/sign-off"),
    # --- question bank and quiz builder -------------------------------------------------------
    "quiz_bank.bank": (STAFF, lambda w: f"/manage/quizzes/courses/{w.course.id}/bank"),
    "quiz_bank.choose_type": (STAFF, lambda w: f"/manage/quizzes/courses/{w.course.id}/bank/new"),
    "quiz_bank.edit_question": (STAFF, lambda w: f"/manage/quizzes/bank/{w.question.id}/edit"),
    "quiz_bank.new_question": (
        STAFF,
        lambda w: f"/manage/quizzes/courses/{w.course.id}/bank/new/single_choice",
    ),
    "quiz_bank.question_page": (STAFF, lambda w: f"/manage/quizzes/bank/{w.question.id}"),
    "quiz_bank.set_active": (STAFF, lambda w: f"/manage/quizzes/bank/{w.question.id}/active"),
    "quiz_builder.add_questions": (STAFF, lambda w: f"/manage/quizzes/{w.quiz.id}/questions/add"),
    "quiz_builder.add_rule": (STAFF, lambda w: f"/manage/quizzes/{w.quiz.id}/rules"),
    "quiz_builder.move_question": (
        STAFF,
        lambda w: f"/manage/quizzes/{w.quiz.id}/questions/{w.question.id}/move",
    ),
    "quiz_builder.new_quiz": (
        STAFF,
        lambda w: f"/manage/quizzes/courses/{w.course.id}/quizzes/new",
    ),
    "quiz_builder.publish": (STAFF, lambda w: f"/manage/quizzes/{w.quiz.id}/publish"),
    "quiz_builder.questions": (STAFF, lambda w: f"/manage/quizzes/{w.quiz.id}/questions"),
    "quiz_builder.remove_question": (
        STAFF,
        lambda w: f"/manage/quizzes/{w.quiz.id}/questions/{w.question.id}/remove",
    ),
    "quiz_builder.remove_rule": (
        STAFF,
        lambda w: f"/manage/quizzes/{w.quiz.id}/rules/{w.rule_id}/remove",
    ),
    "quiz_builder.settings": (STAFF, lambda w: f"/manage/quizzes/{w.quiz.id}/edit"),
    "quiz_translations.criterion": (
        ADMIN,
        lambda w: f"/manage/quizzes/criteria/{w.criterion.id}/translations",
    ),
    "quiz_translations.question": (
        STAFF,
        lambda w: f"/manage/quizzes/bank/{w.question.id}/translations",
    ),
    "quiz_translations.quiz": (STAFF, lambda w: f"/manage/quizzes/{w.quiz.id}/translations"),
    # --- taking quizzes -----------------------------------------------------------------------
    "quizzes.autosave": (
        OWN_TRAINEE,
        lambda w: f"/quizzes/attempts/{w.attempt.id}/autosave",
    ),
    "quizzes.index": (SIGNED_IN, lambda w: "/quizzes/"),
    "quizzes.quiz_page": (ENROLLED, lambda w: f"/quizzes/{w.quiz.id}"),
    "quizzes.result": (OWN_TRAINEE, lambda w: f"/quizzes/attempts/{w.attempt.id}/result"),
    "quizzes.save": (OWN_TRAINEE, lambda w: f"/quizzes/attempts/{w.attempt.id}"),
    "quizzes.start": (SIGNED_IN, lambda w: f"/quizzes/{w.quiz.id}/start"),
    "quizzes.summary": (OWN_TRAINEE, lambda w: f"/quizzes/attempts/{w.attempt.id}/summary"),
    "quizzes.take": (OWN_TRAINEE, lambda w: f"/quizzes/attempts/{w.attempt.id}"),
    "quizzes.token": (OWN_TRAINEE, lambda w: f"/quizzes/attempts/{w.attempt.id}/token"),
    # --- regrading ----------------------------------------------------------------------------
    "regrade.audit": (STAFF, lambda w: f"/manage/quizzes/questions/{w.question.id}/audit"),
    "regrade.regrade_attempts": (
        STAFF,
        lambda w: f"/manage/quizzes/questions/{w.question.id}/regrade",
    ),
    "regrade.reinstate": (STAFF, lambda w: f"/manage/quizzes/questions/{w.question.id}/reinstate"),
    "regrade.withdraw": (STAFF, lambda w: f"/manage/quizzes/questions/{w.question.id}/withdraw"),
    # --- seminars -----------------------------------------------------------------------------
    "seminars.calendar": (PUBLIC, lambda w: f"/seminars/{w.seminar.id}/calendar.ics"),
    "seminars.calendar_page": (PUBLIC, lambda w: "/seminars/calendar"),
    # The secret token is the credential: a forged one is a 404 to anyone.
    "seminars.feed": (PUBLIC, lambda w: "/seminars/feed/forged-token.ics"),
    "seminars.cancel": (SIGNED_IN, lambda w: f"/seminars/{w.seminar.id}/cancel"),
    "seminars.check_in": (SIGNED_IN, lambda w: f"/seminars/check-in/{w.check_in_token}"),
    "seminars.detail": (PUBLIC, lambda w: f"/seminars/{w.seminar.id}"),
    "seminars.index": (PUBLIC, lambda w: "/seminars/"),
    "seminars.register": (SIGNED_IN, lambda w: f"/seminars/{w.seminar.id}/register"),
    "static": (PUBLIC, lambda w: "/static/css/site.css"),
}

# POST endpoints that take no CSRF token, and why.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: a mail client POSTs with no page and no cookie; the
    # signed token in the path is the credential, and it only stops one kind of e-mail.
    "account.unsubscribe",
}


@pytest.fixture
def config_overrides():
    return {"VERIFY_LIMIT_PER_IP": "10000 per minute"}


def _rules(app):
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def test_every_endpoint_has_an_access_rule(app):
    endpoints = set(_rules(app))
    missing = sorted(endpoints - set(RULES))
    stale = sorted(set(RULES) - endpoints)
    assert not missing, f"endpoints without an access rule in tests/security: {missing}"
    assert not stale, f"access rules for endpoints that no longer exist: {stale}"


def test_every_rule_can_be_exercised(app):
    """Each URL in the table reaches the endpoint it is listed under, with its methods."""
    adapter = app.url_map.bind("localhost")
    rules = _rules(app)
    world = _FakeWorld()
    for endpoint, (_, url) in RULES.items():
        method = "GET" if "GET" in rules[endpoint].methods else "POST"
        matched, _args = adapter.match(urlsplit(url(world)).path, method=method)
        assert matched == endpoint, (endpoint, url(world))


class _FakeWorld:
    """Stands in for the world where only the shape of the URL matters."""

    def __getattr__(self, name):
        return _Anything()


class _Anything:
    id = 7
    slug = "x"
    number = "KZM-AAAA"
    user_id = 3
    stored_name = "a.png"

    def __getattr__(self, name):
        return _Anything()

    def __getitem__(self, index):
        return _Anything()

    def __str__(self):
        return "7"

    __format__ = lambda self, spec: "7"  # noqa: E731


def _clients(app, *only: str) -> dict:
    clients = {}
    for who, email in VISITORS.items():
        if only and who not in only:
            continue
        client = app.test_client()
        if email:
            response = client.login(email, DEMO_PASSWORD)
            assert response.status_code == 302, f"demo login failed for {email}"
        clients[who] = client
    return clients


def _outcome(response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers.get("Location", ""))
        return LOGIN if target.path == "/login" else OK
    if status in (403, 404):
        return DENY
    if status >= 500:
        return f"error {status}"
    if status == 401:
        return "401"
    return OK


# Answers that mean "allowed, but the object is not in the state to show this" for a visitor
# the rule allows: (endpoint, status) pairs.
ALLOWED_REFUSALS = {
    ("account.unsubscribe", 400),  # forged token: refused with a page, to anyone
    ("auth.reset_password", 404),  # forged token
    ("auth.confirm_email", 404),
    ("seminars.feed", 404),  # forged token
    ("manage_certificates.seminar_zip", 404),  # no archive prepared yet
    ("manage_certificates.preview", 404),  # the trainee is not eligible on this seminar
}


def _get_outcome(endpoint: str, response, expected: str) -> str:
    if expected == OK and (endpoint, response.status_code) in ALLOWED_REFUSALS:
        return OK
    return _outcome(response)


@pytest.mark.parametrize("who", list(VISITORS))
def test_every_get_answers_each_visitor_as_its_rule_says(app, seed_demo, who):
    """One test per visitor, so that xdist spreads the 600-odd requests."""
    seed_demo()
    world = build_world()
    client = _clients(app, who)[who]
    rules = _rules(app)
    wrong = []
    for endpoint, (expected, url) in sorted(RULES.items()):
        if "GET" not in rules[endpoint].methods:
            continue
        address = url(world)
        response = client.get(address)
        got = _get_outcome(endpoint, response, expected[who])
        if got != expected[who]:
            wrong.append(
                f"{endpoint} {address} as {who}: {response.status_code} "
                f"({got}), expected {expected[who]}"
            )
    assert not wrong, "\n".join(wrong)


def test_every_post_is_refused_to_each_visitor_its_rule_refuses(app, seed_demo):
    seed_demo()
    world = build_world()
    clients = _clients(app)
    rules = _rules(app)
    wrong = []
    for endpoint, (expected, url) in sorted(RULES.items()):
        if "POST" not in rules[endpoint].methods:
            continue
        address = url(world)
        for who, client in clients.items():
            if expected[who] == OK:
                continue
            response = client.post_form(address, {})
            got = _outcome(response)
            if got != expected[who]:
                wrong.append(
                    f"POST {endpoint} {address} as {who}: {response.status_code} "
                    f"({got}), expected {expected[who]}"
                )
    assert not wrong, "\n".join(wrong)


def test_every_post_without_a_csrf_token_is_refused(app, seed_demo):
    seed_demo()
    world = build_world()
    clients = _clients(app, "anonymous", "admin")
    rules = _rules(app)
    assert {e for e, r in rules.items() if "POST" in r.methods} >= CSRF_EXEMPT
    accepted = []
    for endpoint, (_, url) in sorted(RULES.items()):
        if "POST" not in rules[endpoint].methods or endpoint in CSRF_EXEMPT:
            continue
        # The check runs before any view, whoever asks: a stranger and an administrator.
        for who in ("anonymous", "admin"):
            response = clients[who].post(url(world), data={})
            if response.status_code != 400:
                accepted.append(f"POST {endpoint} as {who}: {response.status_code}")
    assert not accepted, "POSTs without a CSRF token must be refused (400):\n" + "\n".join(accepted)


def test_the_csrf_exemption_is_the_one_click_unsubscribe_and_needs_its_signed_token(app, seed_demo):
    """The exempt endpoint does nothing without a valid signed token."""
    seed_demo()
    response = app.test_client().post("/account/unsubscribe/forged-token", data={})
    assert response.status_code == 400


def test_a_parent_of_ones_own_does_not_open_another_trainers_child(app, seed_demo):
    """trainer_own's course or seminar in the URL, with trainer_other's module, session or
    registration as the child: refused, and nothing changes."""
    seed_demo()
    world = build_world()
    client = _clients(app, "trainer_own")["trainer_own"]
    course, seminar = world.course.slug, world.seminar.id
    module, session = world.other_module.id, world.other_session.id
    registration_status = world.other_registration.status
    assert registration_status == "registered"
    gets = [
        f"/manage/courses/{course}/modules/{module}",
        f"/manage/courses/{course}/modules/{module}/history",
        f"/manage/courses/{course}/modules/{module}/diff?from=1&to=1",
        f"/manage/courses/{course}/translations/ru/modules/{module}",
        f"/manage/seminars/{seminar}/sessions/{session}",
        f"/manage/seminars/{seminar}/sessions/{session}/attendance",
        f"/manage/seminars/{seminar}/sessions/{session}/check-in",
    ]
    posts = [
        f"/manage/courses/{course}/modules/{module}/delete",
        f"/manage/courses/{course}/modules/{module}/move",
        f"/manage/courses/{course}/translations/ru/modules/{module}",
        f"/manage/seminars/{seminar}/sessions/{session}/delete",
        f"/manage/seminars/{seminar}/sessions/{session}/sign-off",
        f"/manage/seminars/{seminar}/sessions/{session}/corrections",
        f"/manage/seminars/{seminar}/participants/{world.other_registration.id}/cancel",
    ]
    opened = [f"GET {url}: {client.get(url).status_code}" for url in gets]
    opened += [f"POST {url}: {client.post_form(url, {}).status_code}" for url in posts]
    assert all(line.endswith((": 403", ": 404")) for line in opened), "\n".join(opened)
    db.session.expire_all()
    assert db.session.get(Module, module) is not None
    assert db.session.get(SeminarSession, session) is not None
    assert db.session.get(Registration, world.other_registration.id).status == (registration_status)
