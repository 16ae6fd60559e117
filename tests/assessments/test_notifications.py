"""A signed-off practical assessment: the ``assessment_marked`` signal and the trainee's
message; the trainers' daily digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assessments import lifecycle, notifications, rubrics
from assessments.models import Assessment, AssessmentEvent
from assessments.rubrics import LineSpec
from courses import learning
from lms.extensions import db
from lms.models import MailOptOut, OutboxMessage
from lms.service_error import ServiceError
from lms.timezone import site_today
from quizzes import attempts, bank
from quizzes.models import QuizQuestion
from seminars import registration
from seminars.models import Registration

Q, C = "quality", "checklist"


@pytest.fixture
def course(make_course):
    return make_course("Practice")


@pytest.fixture
def rubric(criteria, course):
    return rubrics.create_rubric(
        course,
        title="Assessed role-play",
        kind="role_play",
        lines=[
            LineSpec("Opening", criteria["C2-PROC"].id, Q),
            LineSpec("Neutral language", criteria["C3-ETH"].id, Q, 3),
            LineSpec("Signatures of the parties", criteria["C6-DRAFT"].id, C),
        ],
    )


@pytest.fixture
def learner(make_user, course):
    person = make_user(full_name="Әсел Қанатқызы Төлеуова", language="kk")
    learning.enrol(person, course)
    return person


@pytest.fixture
def draft(rubric, learner, trainer):
    return lifecycle.start_assessment(rubric, learner, trainer)


@pytest.fixture
def marked():
    """The assessment_marked sends received while the test runs: (sender, keyword args)."""
    from assessments.signals import assessment_marked

    calls = []

    def receiver(sender, **kwargs):
        # Read now: the mail receiver commits after this one, which expires the objects, and
        # after a request they can no longer load.
        calls.append((sender, {name: (value.id, value) for name, value in kwargs.items()}))

    with assessment_marked.connected_to(receiver):
        yield calls


def _sheet(assessment, **overrides):
    data = {}
    for line in assessment.rubric.lines:
        data[f"line-{line.id}"] = "1" if line.kind == C else "2"
    data.update(overrides)
    return data


def _events(assessment) -> int:
    return db.session.scalar(
        select(func.count(AssessmentEvent.id)).where(AssessmentEvent.assessment_id == assessment.id)
    )


def _sign_off(client, assessment, events=None):
    events = _events(assessment) if events is None else events
    return client.post_form(
        f"/manage/assessments/{assessment.id}/sign-off", {"events": str(events)}
    )


# --- the signal ---------------------------------------------------------------------------------


def test_saving_the_sheet_sends_nothing_signing_off_sends_once(
    app, trainer_client, trainer, draft, marked
):
    saved = trainer_client.post_form(f"/manage/assessments/{draft.id}", _sheet(draft))
    assert saved.status_code == 302 and marked == []  # a draft may still change
    assert _sign_off(trainer_client, draft, events=1).status_code == 400  # stale: refused
    assert marked == []
    assert _sign_off(trainer_client, draft).status_code == 302
    assert len(marked) == 1
    sender, kwargs = marked[0]
    assert sender is app and set(kwargs) == {"assessment", "by"}
    assert kwargs["assessment"][0] == draft.id and kwargs["by"][0] == trainer.id
    assert db.session.get(Assessment, draft.id).status == "signed_off"
    assert _sign_off(trainer_client, draft).status_code == 400  # already signed off
    assert len(marked) == 1


def test_a_sign_off_with_unscored_lines_sends_nothing(trainer, draft, marked):
    with pytest.raises(ServiceError):
        lifecycle.sign_off(draft, trainer)
    assert marked == []


# --- the trainee's message ------------------------------------------------------------------


def _messages(kind):
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def _links(app, message) -> list[str]:
    """The paths of the absolute links in the message's text."""
    base = app.config["PUBLIC_URL"]
    return [word.removeprefix(base) for word in message.text.split() if word.startswith(base + "/")]


def test_signing_off_sends_the_trainee_the_results_in_their_language(
    app, trainer_client, learner, draft, login
):
    sheet = _sheet(draft)
    neutral = next(line for line in draft.rubric.lines if line.label == "Neutral language")
    sheet[f"line-{neutral.id}"] = "2"  # under its minimum of 3
    assert trainer_client.post_form(f"/manage/assessments/{draft.id}", sheet).status_code == 302
    assert _messages("work_marked") == []  # a saved draft sends nothing
    assert _sign_off(trainer_client, draft, events=1).status_code == 400
    assert _messages("work_marked") == []  # a refused sign-off sends nothing
    assert _sign_off(trainer_client, draft).status_code == 302
    [message] = _messages("work_marked")
    assert message.to_address == learner.email and message.language == "kk"
    assert message.subject == "«Assessed role-play» практикалық тапсырмаңыз бекітілді"
    assert "Өлшемшарттар бойынша нәтижелер:" in message.text
    assert "C2-PROC · Рубрика: 50%" in message.text  # 2 of 4
    assert "C3-ETH · Рубрика: 50% · «Neutral language» ең төменгі бағадан төмен" in message.text
    assert "C6-DRAFT · " in message.text and "100%" in message.text
    paths = _links(app, message)
    assert f"/assessments/#assessment-{draft.id}" in paths and "/assessments/standing" in paths
    client = login(learner)
    page = client.get("/assessments/").get_data(as_text=True)
    assert f'id="assessment-{draft.id}"' in page
    assert client.get("/assessments/standing").status_code == 200
    assert f'href="{app.config["PUBLIC_URL"]}/assessments/#assessment-{draft.id}"' in message.html


# --- the trainers' daily digest -------------------------------------------------------------


@pytest.fixture
def essay_waiting(make_quiz, criteria, course, learner):
    """A quiz of ``course`` with a written answer handed in and waiting for a score."""
    quiz = make_quiz(questions=0, course=course, slug="essay")
    quiz.title = "Drafting an agreement"
    essay = bank.create_question(
        course,
        key="essay",
        criterion=criteria["C6-DRAFT"],
        type="free_text",
        stem="Draft the clause.",
        definition={"rubric": [{"criterion": "Clause", "points": 2}], "model_answer": "..."},
        points=2,
        difficulty=2,
        feedback="",
        source="Law Art. 27(2)",
        fact_tag="V",
        verified_on="",
        possibly_amended=False,
    )
    quiz.fixed_questions.append(QuizQuestion(question_id=essay.id, position=1))
    db.session.commit()
    attempt = attempts.start(quiz, learner)
    attempts.save_answer(attempt, attempt.questions[0].position, ["The parties agree ..."])
    attempts.submit(attempt)
    return quiz


@pytest.fixture
def scene(make_user, make_seminar, make_course, course, trainer, draft, essay_waiting):
    """``trainer`` owns ``course`` and runs its seminar: two new registrations there, an
    assessment draft and a written answer waiting. ``colleague`` runs another course's
    seminar with one registration; ``idle`` has nothing."""
    trainer.language = "ru"
    colleague, idle = make_user("trainer"), make_user("trainer")
    seminar = make_seminar("Basic training", course=course)
    theirs = make_seminar(
        "Their seminar", course=make_course("Theirs", owner=colleague), trainers=[colleague]
    )
    people = [
        make_user(full_name="Бекзат Оспанов"),
        make_user(full_name="Дана Әлиева"),
        make_user(full_name="Someone Elsewhere"),
    ]
    registration.register(seminar, people[0])
    registration.register(seminar, people[1])
    registration.register(theirs, people[2])
    db.session.commit()
    return {
        "trainer": trainer,
        "colleague": colleague,
        "idle": idle,
        "seminar": seminar,
        "theirs": theirs,
        "people": people,
    }


def _registered_at(moment, *users):
    for entry in db.session.scalars(
        select(Registration).where(Registration.user_id.in_([u.id for u in users]))
    ):
        entry.registered_at = moment
    db.session.commit()


def _digests():
    return {m.to_address: m for m in _messages("trainer_digest")}


def test_the_digest_lists_news_and_waiting_work_for_each_trainer(
    app, scene, trainer_client, learner
):
    today = site_today()
    due = notifications.digest_moment(today)
    _registered_at(due - timedelta(hours=3), *scene["people"])
    assert notifications.send_trainer_digests(now=due + timedelta(minutes=10)) == 2
    digests = _digests()
    assert set(digests) == {scene["trainer"].email, scene["colleague"].email}  # not idle
    mine = digests[scene["trainer"].email]
    assert mine.language == "ru" and mine.kind == "trainer_digest"
    assert "Ваша ежедневная сводка" in mine.text
    assert "Basic training (2)" in mine.text
    assert "Бекзат Оспанов: Зарегистрирован(а)" in mine.text
    assert "Дана Әлиева" in mine.text and "Someone Elsewhere" not in mine.text
    assert "Their seminar" not in mine.text
    assert "Drafting an agreement: 1" in mine.text  # the written answer waiting
    assert "Assessed role-play: 1" in mine.text  # the draft
    theirs = digests[scene["colleague"].email]
    assert "Someone Elsewhere" in theirs.text and "Basic training" not in theirs.text
    assert "Drafting an agreement" not in theirs.text
    paths = _links(app, mine)
    assert f"/manage/seminars/{scene['seminar'].id}/participants" in paths
    for path in paths:
        if path.startswith("/manage/"):
            assert trainer_client.get(path).status_code == 200, path
    assert "/manage/quizzes/marking" in paths and "/manage/assessments/?status=draft" in paths
    assert learner.email not in digests  # trainees get none


def test_one_digest_a_day_from_eight_and_the_next_starts_where_it_ended(app, scene):
    today = site_today()
    due = notifications.digest_moment(today)
    _registered_at(due - timedelta(hours=3), *scene["people"])
    assert notifications.send_trainer_digests(now=due - timedelta(minutes=5)) == 0  # 07:55
    assert _digests() == {}
    assert notifications.send_trainer_digests(now=due + timedelta(minutes=1)) == 2
    assert notifications.send_trainer_digests(now=due + timedelta(hours=2)) == 0  # same day
    assert len(_messages("trainer_digest")) == 2

    # The next day: yesterday's registrations are not listed again; a new one is; the work
    # still waiting is listed again; a trainer with nothing new and nothing waiting gets none.
    _registered_at(due + timedelta(hours=1), scene["people"][1])  # after today's digest
    tomorrow = notifications.digest_moment(today + timedelta(days=1))
    assert notifications.send_trainer_digests(now=tomorrow + timedelta(minutes=1)) == 1
    second = _messages("trainer_digest")[-1]
    assert second.to_address == scene["trainer"].email
    assert "Дана Әлиева" in second.text and "Бекзат Оспанов" not in second.text
    assert "Drafting an agreement: 1" in second.text


def test_nothing_new_and_nothing_waiting_sends_nothing(app, trainer, make_user, make_seminar):
    make_seminar("Quiet seminar")
    make_user("admin")
    due = notifications.digest_moment(site_today())
    assert notifications.send_trainer_digests(now=due + timedelta(minutes=1)) == 0
    assert _messages("trainer_digest") == []


def test_the_digest_costs_the_same_queries_however_many_seminars(
    app, scene, make_seminar, make_course, make_user, count_queries
):
    """Queries depend on the number of trainers who get a message, never on the number of
    seminars, registrations, quizzes or rubrics."""
    today = site_today()
    due = notifications.digest_moment(today)
    _registered_at(due - timedelta(hours=3), *scene["people"])
    with count_queries() as first:
        assert notifications.send_trainer_digests(now=due + timedelta(minutes=1)) == 2

    # The next day: the same two trainers get a message, about five times as many seminars.
    for number in range(4):
        for theirs in (False, True):
            owner = scene["colleague"] if theirs else scene["trainer"]
            course = make_course(f"Course {number} {theirs}", owner=owner)
            seminar = make_seminar(f"More {number} {theirs}", course=course, trainers=[owner])
            for _ in range(3):
                person = make_user()
                registration.register(seminar, person)
                _registered_at(due + timedelta(hours=2), person)
    tomorrow = notifications.digest_moment(today + timedelta(days=1))
    with count_queries() as second:
        assert notifications.send_trainer_digests(now=tomorrow + timedelta(minutes=1)) == 2
    assert second.n == first.n
    assert first.n <= 10 + 8 * 3  # a fixed part, then a few statements per trainer (3 here)


def test_opted_out_trainers_get_no_digest_and_trainees_are_not_offered_it(
    app, scene, login, learner
):
    db.session.add(MailOptOut(user_id=scene["trainer"].id, kind="trainer_digest"))
    db.session.commit()
    due = notifications.digest_moment(site_today())
    _registered_at(due - timedelta(hours=3), *scene["people"])
    assert notifications.send_trainer_digests(now=due + timedelta(minutes=1)) == 1
    assert set(_digests()) == {scene["colleague"].email}
    offered = "A daily summary of new registrations and work waiting to be marked"
    assert offered in login(scene["colleague"]).get("/account/notifications").get_data(as_text=True)
    learner.language = "en"
    db.session.commit()
    assert offered not in login(learner).get("/account/notifications").get_data(as_text=True)


def test_cancelled_registrations_are_left_out_and_long_lists_are_cut(
    app, scene, make_user, trainer
):
    due = notifications.digest_moment(site_today())
    crowd = [make_user(full_name=f"Participant {n:02d}") for n in range(12)]
    for person in crowd:
        registration.register(scene["seminar"], person)
    gone = registration.find_registration(scene["seminar"], scene["people"][0])
    registration.cancel(gone)
    _registered_at(due - timedelta(hours=1), *scene["people"], *crowd)
    notifications.send_trainer_digests(now=due + timedelta(minutes=1))
    text = _digests()[trainer.email].text
    assert "Basic training (13)" in text  # 12 + Дана; Бекзат cancelled
    assert "Бекзат Оспанов" not in text
    # The first ten by name (Participant 00 to 09), then how many more; seats full at ten.
    assert "Participant 09: В листе ожидания" in text and "Participant 10" not in text
    assert "… и ещё 3" in text


def test_an_administrator_manages_every_seminar_and_gets_it_all(app, scene, admin):
    due = notifications.digest_moment(site_today())
    _registered_at(due - timedelta(hours=3), *scene["people"])
    assert notifications.send_trainer_digests(now=due + timedelta(minutes=1)) == 3
    text = _digests()[admin.email].text
    assert "Basic training (2)" in text and "Their seminar (1)" in text
    assert "Drafting an agreement: 1" in text and "Assessed role-play: 1" in text


def test_a_sign_off_is_in_the_audit_log_and_a_refused_one_is_not(
    trainer_client, trainer, draft, learner
):
    from lms.models import AuditEvent

    def signed_off() -> list[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.action == "assessment.signed_off")
        return list(db.session.scalars(query))

    trainer_client.post_form(f"/manage/assessments/{draft.id}", _sheet(draft))
    assert _sign_off(trainer_client, draft, events=1).status_code == 400
    assert signed_off() == []
    assert _sign_off(trainer_client, draft).status_code == 302
    (row,) = signed_off()
    assert (row.actor_id, row.subject_type, row.subject_id) == (trainer.id, "assessment", draft.id)
    assert row.subject_label == "Assessed role-play" and row.details["user_id"] == learner.id
