"""The benchmark's data set, built fast with bulk inserts (never the ORM row by row).

Full size (``scale=1``): 1,000,000 certificates, 20,000 users, 100 courses of 10 modules,
200 seminars, 100,000 quiz attempts. ``BENCH_SCALE`` multiplies every count (with small
floors so a tiny scale still has every kind of row).

What is real and what is shortcut:

* Schema: the project's migrations (``flask db upgrade``), so the data set has the schema of
  the revision it records.
* Certificates: numbers from the project's codec (random 80-bit bodies from a seeded
  generator, the check symbol from ``certificates.numbers.check_symbol``); facts from
  ``certificates.facts.build_facts`` once per seminar (the shape), then each certificate's
  number, holder and issue date put in; canonical JSON from ``certificates.signing``; signed
  with the site's current key from ``certificates.keys``. Each token is made with the key's
  own Ed25519 primitive (the JWS header taken from a token ``signing.sign`` made) and the first
  of every shape is checked byte for byte against ``signing.sign`` (Ed25519 is deterministic),
  so every stored record verifies with the site's verification code.
* Users share one password hash (made once with the production Argon2 parameters).
* Historical quiz attempts are result rows only (no per-question rows); the 16 attempts the
  benchmark drives are started with ``quizzes.attempts.start`` and are complete.
* Small things (criteria, the quiz's questions, the 16 open attempts) go through the services.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

FULL = {
    "certificates": 1_000_000,
    "users": 20_000,
    "courses": 100,
    "modules_per_course": 10,
    "seminars": 200,
    "attempts": 100_000,
}
FLOORS = {
    "certificates": 20,
    "users": 40,
    "courses": 2,
    "modules_per_course": 10,
    "seminars": 2,
    "attempts": 20,
}
TRAINERS = 50  # at full size; scaled, at least 2
AUTOSAVE_TRAINEES = 16
QUIZ_QUESTIONS = 20
SEMINAR_SEATS = 10
SEED = 20261206
PASSWORD = "bench-password-not-secret"
CHUNK = 5_000

FIRST_NAMES = (
    "Айгерім",
    "Әсел",
    "Ұлан",
    "Мария",
    "Дмитрий",
    "Гүлнұр",
    "Нұрлан",
    "Алия",
    "Сергей",
    "Жанар",
    "Ерлан",
    "Анна",
    "Бауыржан",
    "Динара",
    "Тимур",
    "Сәуле",
)
LAST_NAMES = (
    "Жұмабаева", "Төлеуова", "Бекмұханов", "Ким", "Соколов", "Ахметова", "Иванов",
    "Сейтқали", "Нұрпейісова", "Омаров", "Петрова", "Қасымов", "Абенова", "Ли",
)  # fmt: skip

MODULE_SOURCE = """## {title}

Медиация — это способ урегулирования споров при содействии медиатора. Медиация туралы
заң медиатордың бейтараптығын талап етеді. This module covers the stages of a mediation,
from the first meeting to the settlement agreement.

### Stages

1. Opening statement and the rules of the procedure.
2. Each party's account, heard without interruption.
3. Interests behind positions; options; reality testing.
4. The settlement agreement, drafted in plain words.

### Ethics

| Principle | Meaning |
|-----------|---------|
| Voluntariness | Either party may leave at any time. |
| Confidentiality | What is said stays in the room. |
| Neutrality | The mediator takes no side. |

> A mediator does not decide the dispute; the parties do.

{filler}
"""


def sizes(scale: float) -> dict[str, int]:
    """The counts of a data set at ``scale`` (1 = the issue's full size)."""
    result = {name: max(FLOORS[name], round(count * scale)) for name, count in FULL.items()}
    result["modules_per_course"] = FULL["modules_per_course"]
    result["trainers"] = max(2, round(TRAINERS * scale))
    result["users"] = max(result["users"], result["trainers"] + AUTOSAVE_TRAINEES + 2)
    return result


def schema_revision(app) -> str:
    """The newest migration (the data set records it; another one means build again)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(app.config["MIGRATIONS_DIR"]).get_current_head()


@dataclass
class Report:
    seconds: dict[str, float]
    counts: dict[str, int]
    accounts: dict[str, int]  # admin, trainer, trainee: user ids
    autosave: list[dict]  # [{"user_id", "attempt_id"}]
    quiz_id: int
    module_path: str

    def as_dict(self) -> dict:
        return {
            "seconds": self.seconds,
            "counts": self.counts,
            "accounts": self.accounts,
            "autosave": self.autosave,
            "quiz_id": self.quiz_id,
            "module_path": self.module_path,
        }


# --- bulk writing ---------------------------------------------------------------------------


def _is_postgresql() -> bool:
    from lms.extensions import db

    return db.engine.dialect.name == "postgresql"


def bulk_insert(table, rows: Iterable[dict], *, chunk: int = CHUNK) -> int:
    """Insert ``rows`` (dicts with the same keys) in chunks: COPY on PostgreSQL, Core
    ``insert()`` executemany elsewhere. One transaction per chunk. Returns the count."""
    from lms.extensions import db

    count = 0
    batch: list[dict] = []

    def flush() -> None:
        if not batch:
            return
        if _is_postgresql():
            columns = list(batch[0])
            statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            raw = db.engine.raw_connection()
            try:
                with raw.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
                    for row in batch:
                        copy.write_row([row[name] for name in columns])
                raw.commit()
            finally:
                raw.close()
        else:
            with db.engine.begin() as connection:
                connection.execute(insert(table), batch)
        batch.clear()

    for row in rows:
        batch.append(row)
        count += 1
        if len(batch) >= chunk:
            flush()
    flush()
    return count


def _next_id(table) -> int:
    from lms.extensions import db

    return (db.session.scalar(select(func.max(table.c.id))) or 0) + 1


def _reset_sequences(tables) -> None:
    """PostgreSQL: the id sequences continue after the ids given explicitly."""
    if not _is_postgresql():
        return
    from lms.extensions import db

    with db.engine.begin() as connection:
        for table in tables:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 1))"
                )
            )


# --- certificate numbers and signatures ----------------------------------------------------


def make_number(prefix: str, rng: random.Random) -> str:
    """A number as ``numbers.new_number`` makes it, from a seeded generator."""
    from certificates.numbers import ALPHABET, BITS, GROUP, SYMBOLS, check_symbol

    value = rng.getrandbits(BITS)
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(SYMBOLS)))
    groups = [body[i : i + GROUP] for i in range(0, SYMBOLS, GROUP)]
    return "-".join([prefix, *groups, check_symbol(body)])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FastSigner:
    """Compact EdDSA JWS exactly as ``certificates.signing.sign`` makes them, without the
    JOSE library's per-call overhead; checked against it (``check``)."""

    def __init__(self, key) -> None:
        from certificates.signing import sign

        self._key = key
        self._sign = sign
        self._private = key.private_key
        self._header = sign({"probe": 1}, key).split(".")[0]

    def token(self, facts: dict) -> str:
        from certificates.signing import canonical_json

        signing_input = f"{self._header}.{_b64(canonical_json(facts))}"
        return f"{signing_input}.{_b64(self._private.sign(signing_input.encode()))}"

    def check(self, facts: dict) -> str:
        token = self.token(facts)
        if token != self._sign(facts, self._key):
            raise RuntimeError("the fast signer does not match certificates.signing.sign")
        return token


# --- the build -------------------------------------------------------------------------------


def _log_step(log: Callable[[str], None], seconds: dict, name: str, started: float) -> float:
    now = time.perf_counter()
    seconds[name] = round(now - started, 2)
    log(f"  {name}: {seconds[name]:.1f} s")
    return now


def build(app, scale: float, *, log: Callable[[str], None] = print) -> Report:
    """Fill the (migrated, empty) database of ``app`` at ``scale``. Inside an app context."""
    from certificates import eligibility
    from certificates.facts import build_facts
    from certificates.keys import key_ring
    from certificates.models import (
        Certificate,
        CertificateEvent,
        Qualification,
        pack_facts,
    )
    from certificates.signing import canonical_json
    from courses.models import (
        Course,
        CourseOwner,
        Enrolment,
        Module,
        ModuleCompletion,
        ModuleRevision,
    )
    from lms.extensions import db
    from lms.markdown_rendering import render_markdown
    from lms.models import Role, User
    from lms.passwords import hash_password
    from quizzes import attempts, bank
    from quizzes.demo import CRITERIA
    from quizzes.models import Attempt, Quiz, QuizQuestion
    from seminars.models import (
        Attendance,
        Registration,
        Seminar,
        SeminarSession,
        SeminarTrainer,
    )

    n = sizes(scale)
    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    log(f"Building the data set at scale {scale}: {n}")

    # Users: one admin, trainers, trainees; one password hash for all.
    password_hash = hash_password(PASSWORD)
    first_user = _next_id(User.__table__)
    admin_id = first_user
    trainer_ids = list(range(admin_id + 1, admin_id + 1 + n["trainers"]))
    trainee_ids = list(range(trainer_ids[-1] + 1, first_user + n["users"]))

    def user_rows():
        for index, user_id in enumerate(range(first_user, first_user + n["users"])):
            role = (
                Role.ADMIN
                if user_id == admin_id
                else Role.TRAINER
                if user_id in trainer_ids
                else Role.TRAINEE
            )
            name = f"{FIRST_NAMES[index % 16]} {LAST_NAMES[(index // 16) % 14]} {index}"
            yield {
                "id": user_id,
                "email": f"bench-{role.value}-{index}@example.kz",
                "display_name": FIRST_NAMES[index % 16],
                "full_name": name,
                "password_hash": password_hash,
                "role": role.value,
                "active": True,
                "language": ("ru", "kk", "en")[index % 3],
                "created_at": now,
                "updated_at": now,
            }

    bulk_insert(User.__table__, user_rows())
    step = _log_step(log, seconds, "users", started)

    # Criteria (service), courses, modules with one revision each, owners.
    for code, title, must_pass, floor, thresholds in CRITERIA:
        bank.ensure_criterion(code, title, must_pass=must_pass, floor=floor, thresholds=thresholds)
    db.session.commit()
    first_course = _next_id(Course.__table__)
    course_ids = list(range(first_course, first_course + n["courses"]))
    filler = "\n\n".join(
        "Тараптар келісімге келу үшін медиатор көмегіне жүгінеді. " * 6 for _ in range(6)
    )
    rendered = {}
    for position in range(1, n["modules_per_course"] + 1):
        source = MODULE_SOURCE.format(title=f"Module {position}", filler=filler)
        rendered[position] = (source, render_markdown(source))
    bulk_insert(
        Course.__table__,
        (
            {
                "id": course_id,
                "slug": f"bench-course-{index + 1}",
                "title": f"Медиация: курс {index + 1}",
                "summary": "A course of the benchmark's data set.",
                "language": ("ru", "kk", "en")[index % 3],
                "cover_source": "",
                "cover_html": "",
                "status": "published",
                "published_at": now,
                "updated_at": now,
                "created_at": now,
            }
            for index, course_id in enumerate(course_ids)
        ),
    )
    first_module = _next_id(Module.__table__)
    module_rows, revision_rows = [], []
    for index, course_id in enumerate(course_ids):
        for position in range(1, n["modules_per_course"] + 1):
            module_id = first_module + index * n["modules_per_course"] + position - 1
            source, html = rendered[position]
            module_rows.append(
                {
                    "id": module_id,
                    "course_id": course_id,
                    "position": position,
                    "title": f"Module {position}",
                    "slug": f"module-{position}",
                    "source": source,
                    "html": html.html,
                    "toc_json": json.dumps(html.toc, ensure_ascii=False),
                    "minutes": 10,
                    "version": 1,
                    "updated_at": now,
                    "created_at": now,
                }
            )
            revision_rows.append(
                {
                    "module_id": module_id,
                    "version": 1,
                    "title": f"Module {position}",
                    "source": source,
                    "author_id": trainer_ids[0],
                    "note": "",
                    "created_at": now,
                }
            )
    bulk_insert(Module.__table__, module_rows)
    bulk_insert(ModuleRevision.__table__, revision_rows)
    bulk_insert(
        CourseOwner.__table__,
        (
            {
                "course_id": course_id,
                "user_id": trainer_ids[i % len(trainer_ids)],
                "created_at": now,
            }
            for i, course_id in enumerate(course_ids)
        ),
    )
    # Every trainee enrolled in three courses, three modules of the first read.
    bulk_insert(
        Enrolment.__table__,
        (
            {
                "user_id": user_id,
                "course_id": course_ids[(i + k) % len(course_ids)],
                "enrolled_at": now,
                "created_at": now,
            }
            for i, user_id in enumerate(trainee_ids)
            for k in range(min(3, len(course_ids)))
        ),
    )
    bulk_insert(
        ModuleCompletion.__table__,
        (
            {
                "user_id": user_id,
                "module_id": first_module
                + ((i % len(course_ids)) * n["modules_per_course"])
                + position,
                "completed_at": now,
                "module_version": 1,
                "created_at": now,
            }
            for i, user_id in enumerate(trainee_ids)
            for position in range(3)
        ),
    )
    step = _log_step(log, seconds, "courses", step)

    # Seminars: three signed-off sessions each, a trainer, ten seats taken, attendance.
    first_seminar = _next_id(Seminar.__table__)
    seminar_ids = list(range(first_seminar, first_seminar + n["seminars"]))
    bulk_insert(
        Seminar.__table__,
        (
            {
                "id": seminar_id,
                "course_id": course_ids[i % len(course_ids)],
                "title": f"Семинар медиаторов {i + 1}",
                "description": "Практический семинар.\n\nПрактикалық семинар.",
                "venue": "Almaty",
                "online_link": "",
                "language": ("ru", "kk", "en")[i % 3],
                "capacity": SEMINAR_SEATS,
                "status": "completed",
                "updated_at": now,
                "created_at": now,
            }
            for i, seminar_id in enumerate(seminar_ids)
        ),
    )
    first_session = _next_id(SeminarSession.__table__)
    session_rows, trainer_rows, registration_rows, attendance_rows = [], [], [], []
    for i, seminar_id in enumerate(seminar_ids):
        trainer = trainer_ids[i % len(trainer_ids)]
        trainer_rows.append({"seminar_id": seminar_id, "user_id": trainer, "created_at": now})
        day = datetime(2025, 1, 6, 4, 0, tzinfo=UTC) + timedelta(days=7 * (i % 90))
        session_ids = []
        for k in range(3):
            session_id = first_session + i * 3 + k
            session_ids.append(session_id)
            starts = day + timedelta(days=k)
            session_rows.append(
                {
                    "id": session_id,
                    "seminar_id": seminar_id,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=6),
                    "topic": f"Session {k + 1}",
                    "academic_hours": Decimal("6.00"),
                    "trainer_id": trainer,
                    "signed_off_at": starts + timedelta(hours=7),
                    "signed_off_by_id": trainer,
                    "created_at": now,
                }
            )
        for seat in range(SEMINAR_SEATS):
            user_id = trainee_ids[(i * SEMINAR_SEATS + seat) % len(trainee_ids)]
            registration_rows.append(
                {
                    "seminar_id": seminar_id,
                    "user_id": user_id,
                    "status": "attended",
                    "organisation": "",
                    "registered_at": now,
                    "updated_at": now,
                    "created_at": now,
                }
            )
            for session_id in session_ids:
                attendance_rows.append(
                    {
                        "session_id": session_id,
                        "user_id": user_id,
                        "status": "present",
                        "hours": Decimal("6.00"),
                        "marked_by_id": trainer,
                        "marked_at": now,
                        "self_checked_in": False,
                        "created_at": now,
                    }
                )
    bulk_insert(SeminarSession.__table__, session_rows)
    bulk_insert(SeminarTrainer.__table__, trainer_rows)
    bulk_insert(Registration.__table__, registration_rows)
    bulk_insert(Attendance.__table__, attendance_rows)
    step = _log_step(log, seconds, "seminars", step)

    # The quiz: twenty questions of four types in the first course's bank (the service),
    # published, fixed questions; historical attempts as result rows.
    course = db.session.get(Course, course_ids[0])
    criteria = [bank.criterion_by_code(code) for code, *_ in CRITERIA]
    options = [{"text": f"Ответ {k}", "correct": k == 0} for k in range(4)]
    kinds = (
        ("single_choice", {"options": options}),
        ("true_false", {"answer": True}),
        ("numeric", {"answer": 60, "tolerance": 0}),
        ("short_text", {"accepted": ["договор о медиации", "медиация туралы шарт"]}),
    )  # fmt: skip
    questions = []
    for k in range(QUIZ_QUESTIONS):
        kind, definition = kinds[k % len(kinds)]
        questions.append(
            bank.create_question(
                course,
                key=f"bench-q{k + 1}",
                criterion=criteria[k % len(criteria)],
                type=kind,
                commit=False,
                stem=f"Вопрос {k + 1}: что верно о медиации?",
                definition=definition,
                points=1,
                difficulty=1 + k % 3,
                feedback="",
                source="",
                fact_tag="",
                verified_on="",
                possibly_amended=False,
            )
        )
    db.session.flush()
    quiz = Quiz(
        course_id=course.id,
        slug="bench-quiz",
        title="Тест по медиации",
        pass_mark=70,
        published=True,
        selection="fixed",
    )
    quiz.fixed_questions = [
        QuizQuestion(question_id=question.id, position=k + 1)
        for k, question in enumerate(questions)
    ]
    db.session.add(quiz)
    db.session.commit()
    quiz_id = quiz.id

    def attempt_rows():
        for k in range(n["attempts"]):
            user_id = trainee_ids[k % len(trainee_ids)]
            percent = Decimal(rng.randrange(0, 1001)) / 10
            submitted = now - timedelta(days=1 + k % 700, minutes=k % 1440)
            yield {
                "quiz_id": quiz_id,
                "user_id": user_id,
                "number": k // len(trainee_ids) + 1,
                "status": "graded",
                "open_slot": None,
                "seed": rng.getrandbits(31),
                "started_at": submitted - timedelta(minutes=20),
                "deadline_at": None,
                "submitted_at": submitted,
                "earned": percent / 5,
                "possible": Decimal(20),
                "percent": percent,
                "passed": percent >= 70,
                "result_json": "{}",
                "created_at": submitted,
            }

    bulk_insert(Attempt.__table__, attempt_rows())
    _reset_sequences([Attempt.__table__])
    step = _log_step(log, seconds, "attempts", step)

    # Qualifications of attendance (one certificate per holder and seminar each): as many as
    # the certificates need so that (holder, qualification, seminar) stays unique.
    per_qualification = len(trainee_ids) * len(seminar_ids)
    qualifications = -(-n["certificates"] // per_qualification)
    first_qualification = _next_id(Qualification.__table__)
    qualification_ids = list(range(first_qualification, first_qualification + qualifications))
    bulk_insert(
        Qualification.__table__,
        (
            {
                "id": qualification_id,
                "slug": f"bench-attendance-{i + 1}",
                "kind": "attendance",
                "titles_json": json.dumps(
                    {
                        "en": "Certificate of attendance: mediation seminar",
                        "ru": "Сертификат об участии в семинаре по медиации",
                        "kk": "Медиация семинарына қатысу туралы сертификат",
                    },
                    ensure_ascii=False,
                ),
                "disclaimers_json": json.dumps(
                    {
                        "en": "Confirms attendance only; not a qualification.",
                        "ru": "Подтверждает только участие; не является квалификацией.",
                        "kk": "Тек қатысуды растайды; біліктілік емес.",
                    },
                    ensure_ascii=False,
                ),
                "required_session_topics": "",
                "declaration_text": "",
                "requires_identity": False,
                "requires_higher_education": False,
                "self_claim": False,
                "active": True,
                "created_at": now,
            }
            for i, qualification_id in enumerate(qualification_ids)
        ),
    )
    _reset_sequences(
        [
            User.__table__,
            Course.__table__,
            Module.__table__,
            Seminar.__table__,
            SeminarSession.__table__,
            Qualification.__table__,
        ]
    )
    step = _log_step(log, seconds, "qualifications", step)

    # Certificates, signed one by one; facts built once per qualification and seminar.
    key = key_ring().current()
    signer = FastSigner(key)
    kid = key.thumbprint()
    prefix = app.config["CERTIFICATE_PREFIX"]
    names = dict(
        db.session.execute(select(User.id, User.full_name).where(User.id.in_(trainee_ids))).all()
    )
    empty = eligibility.Eligibility([])
    templates: dict[tuple[int, int], dict] = {}
    checked: set[tuple[int, int]] = set()
    dictionaries: set[str] = set()
    first_certificate = _next_id(Certificate.__table__)
    number_rng = random.Random(SEED + 1)
    sign_seconds = 0.0

    def template(qualification_id: int, seminar_id: int) -> dict:
        shape = (qualification_id, seminar_id)
        if shape not in templates:
            qualification = db.session.get(Qualification, qualification_id)
            seminar = db.session.get(Seminar, seminar_id)
            templates[shape] = build_facts(
                number="",
                qualification=qualification,
                holder="",
                seminar=seminar,
                result=empty,
                language=seminar.language,
                issued_on=date(2025, 1, 1),
                expires_on=None,
            )
        return templates[shape]

    def certificate_rows():
        nonlocal sign_seconds
        trainees, seminars = len(trainee_ids), len(seminar_ids)
        for k in range(n["certificates"]):
            holder = trainee_ids[k % trainees]
            seminar_id = seminar_ids[(k // trainees) % seminars]
            qualification_id = qualification_ids[k // per_qualification]
            number = make_number(prefix, number_rng)
            issued = date(2021, 1, 1) + timedelta(days=k % 1800)
            facts = dict(template(qualification_id, seminar_id))
            facts["number"], facts["holder"] = number, names[holder]
            facts["issued_on"] = issued.isoformat()
            began = time.perf_counter()
            shape = (qualification_id, seminar_id)
            if shape in checked:
                token = signer.token(facts)
            else:
                token = signer.check(facts)
                checked.add(shape)
            # Stored as the site stores them: the facts once, compressed with the dictionary of
            # their qualification and language, and the token's signature only
            # (``Certificate.jws`` rebuilds the token byte for byte).
            dictionary, facts_zlib = pack_facts(
                qualification_id, facts["language"], canonical_json(facts)
            )
            if dictionary not in dictionaries:
                db.session.commit()  # a new dictionary: stored before a row refers to it
                dictionaries.add(dictionary)
            sign_seconds += time.perf_counter() - began
            yield {
                "id": first_certificate + k,
                "created_at": now,
                "number": number,
                "qualification_id": qualification_id,
                "holder_id": holder,
                "seminar_id": seminar_id,
                "seminar_key": seminar_id,
                "live": 1,
                "status": "valid",
                "status_reason_code": "",
                "status_public_note": "",
                "status_note": "",
                "issued_on": issued,
                "language": facts["language"],
                "facts_zlib": facts_zlib,
                "facts_dictionary": dictionary,
                "jws_signature": token.rsplit(".", 1)[1],
                "jws_exact": None,
                "key_id": kid,
                "pdf_path": "",
                "pdf_sha256": "",
                "issued_by_id": trainer_ids[0],
            }

    made = bulk_insert(Certificate.__table__, certificate_rows())
    seconds["certificates_signing"] = round(sign_seconds, 2)
    step = _log_step(log, seconds, "certificates", step)
    log(f"    of which numbering, facts and signing: {sign_seconds:.1f} s")
    bulk_insert(
        CertificateEvent.__table__,
        (
            {
                "certificate_id": first_certificate + k,
                "action": "issue",
                "reason": "",
                "reason_code": "",
                "public_note": "",
                "by_id": trainer_ids[0],
                "at": now,
                "created_at": now,
            }
            for k in range(made)
        ),
    )
    _reset_sequences([Certificate.__table__])
    step = _log_step(log, seconds, "certificate_events", step)

    # The 16 trainees who save answers at once: attempts started through the service.
    autosave = []
    quiz = db.session.get(Quiz, quiz_id)
    for user_id in trainee_ids[:AUTOSAVE_TRAINEES]:
        attempt = attempts.start(quiz, db.session.get(User, user_id))
        autosave.append({"user_id": user_id, "attempt_id": attempt.id})
    _log_step(log, seconds, "open_attempts", step)
    if _is_postgresql():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    seconds["total"] = round(time.perf_counter() - started, 2)
    counts = {
        "users": n["users"],
        "courses": n["courses"],
        "modules": n["courses"] * n["modules_per_course"],
        "seminars": n["seminars"],
        "attempts": n["attempts"],
        "certificates": made,
        "qualifications": qualifications,
    }
    return Report(
        seconds=seconds,
        counts=counts,
        accounts={"admin": admin_id, "trainer": trainer_ids[0], "trainee": trainee_ids[0]},
        autosave=autosave,
        quiz_id=quiz_id,
        module_path=f"/courses/bench-course-1/module-{min(3, n['modules_per_course'])}",
    )


# --- reuse between runs ----------------------------------------------------------------------


def read_marker(marker, scale: float, revision: str) -> dict | None:
    """The record of a data set built at ``scale`` for schema ``revision``, or None."""
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if recorded.get("scale") != scale or recorded.get("revision") != revision:
        return None
    return recorded


def migrate_and_build(app, marker, scale: float, *, log: Callable[[str], None] = print) -> dict:
    """Migrate the (empty) database of ``app``, build the data set, record it in ``marker``
    (a JSON file: scale, schema revision, counts, seconds, the accounts to log in with)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        revision = schema_revision(app)
        report = build(app, scale, log=log)
    recorded = {
        "scale": scale,
        "revision": revision,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **report.as_dict(),
    }
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(recorded, indent=2), encoding="utf-8")
    return recorded
