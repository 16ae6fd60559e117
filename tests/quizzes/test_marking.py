"""Written answers: the marking queue, rubric scores, completed results; the gradebook."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from courses import learning
from lms.extensions import db
from lms.service_error import ServiceError
from quizzes import attempts, bank, marking
from quizzes.models import Attempt, AttemptStatus, QuizQuestion


@pytest.fixture
def essay_quiz(make_quiz, criteria, trainee):
    quiz = make_quiz(questions=1, criterion="C6-DRAFT")
    essay = bank.create_question(
        quiz.course,
        key="essay",
        criterion=criteria["C6-DRAFT"],
        type="free_text",
        stem="Turn “Bolat will pay back soon” into an enforceable clause.",
        definition={
            "rubric": [
                {"criterion": "Amount and instalments", "points": 2},
                {"criterion": "Consequences of late payment", "points": 2},
            ],
            "model_answer": "Bolat pays 900,000 tenge in six instalments ...",
        },
        points=4,
        difficulty=2,
        feedback="",
        source="Law Art. 27(2)",
        fact_tag="V",
        verified_on="",
        possibly_amended=False,
    )
    quiz.fixed_questions.append(QuizQuestion(question_id=essay.id, position=2))
    quiz.shuffle_questions = False
    db.session.commit()
    learning.enrol(trainee, quiz.course)
    return quiz


def _hand_in(quiz, trainee, essay_text="Bolat pays 900,000 tenge in six instalments."):
    attempt = attempts.start(quiz, trainee)
    choice, essay = attempt.questions
    right = next(
        i
        for i, index in choice.presentation["key"].items()
        if choice.version.definition["options"][index].get("correct")
    )
    attempts.save_answer(attempt, choice.position, [right])
    attempts.save_answer(attempt, essay.position, [essay_text])
    return attempts.submit(attempt), essay


def test_a_written_answer_waits_then_completes_the_result(essay_quiz, trainee, trainer_client):
    attempt, essay = _hand_in(essay_quiz, trainee)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.passed is None
    queue = trainer_client.get("/manage/quizzes/marking").get_data(as_text=True)
    assert "enforceable clause" in queue
    page = trainer_client.get(f"/manage/quizzes/marking/{essay.id}").get_data(as_text=True)
    assert "Bolat pays 900,000 tenge" in page and "Model answer" in page
    response = trainer_client.post_form(
        f"/manage/quizzes/marking/{essay.id}", {"line-0": "2", "line-1": "1"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt.id)
    assert graded.status == AttemptStatus.GRADED
    assert graded.earned == 4  # 1 point for the choice + 3 of 4 for the clause
    assert graded.passed is True
    again = trainer_client.post_form(
        f"/manage/quizzes/marking/{essay.id}", {"line-0": "2", "line-1": "2"}
    )
    assert again.status_code == 400 and "already scored" in again.get_data(as_text=True)
    assert "Nothing is waiting" in trainer_client.get("/manage/quizzes/marking").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "form",
    [
        {"line-0": "3", "line-1": "0"},
        {"line-0": "x"},
        {"line-0": "-1", "line-1": "0"},
        {"line-0": "1"},
    ],
)
def test_impossible_scores_are_refused(essay_quiz, trainee, trainer_client, form):
    attempt, essay = _hand_in(essay_quiz, trainee)
    assert trainer_client.post_form(f"/manage/quizzes/marking/{essay.id}", form).status_code == 400
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == AttemptStatus.SUBMITTED


def test_only_the_courses_trainers_may_score_and_see_grades(
    essay_quiz, trainee, login, make_user, trainee_client
):
    _, essay = _hand_in(essay_quiz, trainee)
    outsider = login(make_user("trainer"))
    assert "Nothing is waiting" in outsider.get("/manage/quizzes/marking").get_data(as_text=True)
    for url in (
        f"/manage/quizzes/marking/{essay.id}",
        f"/manage/quizzes/{essay_quiz.id}/gradebook",
        f"/manage/quizzes/{essay_quiz.id}/gradebook.csv",
    ):
        assert outsider.get(url).status_code == 403
        assert trainee_client.get(url).status_code == 403
    assert (
        outsider.post_form(
            f"/manage/quizzes/marking/{essay.id}", {"line-0": "2", "line-1": "2"}
        ).status_code
        == 403
    )


def test_gradebook_shows_best_and_latest_and_exports_safe_csv(
    essay_quiz, trainer_client, make_user
):
    person = make_user(full_name='=HYPERLINK("http://evil")')
    learning.enrol(person, essay_quiz.course)
    _, essay = _hand_in(essay_quiz, person)
    from quizzes import marking

    marking.score(essay, [2, 2], db.session.get(type(person), person.id))
    page = trainer_client.get(f"/manage/quizzes/{essay_quiz.id}/gradebook").get_data(as_text=True)
    assert "100%" in page and "C6-DRAFT" in page
    reply = trainer_client.get(f"/manage/quizzes/{essay_quiz.id}/gradebook.csv")
    assert reply.headers["Content-Disposition"] == (
        f'attachment; filename="quiz-{essay_quiz.id}-grades.csv"'
    )
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.mimetype == "text/csv"
    text = reply.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Full name", "Email", "Attempts", "Best %"]
    assert rows[1][0].startswith("'=HYPERLINK")
    assert rows[1][4] == "yes"
    assert db.session.scalar(select(Attempt.passed)) is True


def test_the_marking_queue_pages_a_long_list_oldest_first(
    essay_quiz, make_user, trainer, trainer_client
):
    handed_in = []
    for _ in range(27):
        learner = make_user()
        learning.enrol(learner, essay_quiz.course)
        handed_in.append(_hand_in(essay_quiz, learner)[1].id)
    first = trainer_client.get("/manage/quizzes/marking").get_data(as_text=True)
    second = trainer_client.get("/manage/quizzes/marking?page=2").get_data(as_text=True)
    on_first = [i for i in handed_in if f'/manage/quizzes/marking/{i}"' in first]
    on_second = [i for i in handed_in if f'/manage/quizzes/marking/{i}"' in second]
    assert on_first == handed_in[:25] and on_second == handed_in[25:]
    assert 'href="/manage/quizzes/marking?page=2"' in first
    assert marking.waiting(trainer) == 27

    # The gradebook pages its trainees too, in name order, each once.
    base = f"/manage/quizzes/{essay_quiz.id}/gradebook"
    pages = [trainer_client.get(f"{base}?page={n}").get_data(as_text=True) for n in (1, 2)]
    names = [re.findall(r'<th scope="row">([^<]+)</th>', page) for page in pages]
    assert len(names[0]) == 25 and len(names[1]) == 2
    assert names[0] + names[1] == sorted(names[0] + names[1])
    assert f'href="{base}?page=2"' in pages[0]


# --- the attempt_marked signal -------------------------------------------------------------


@pytest.fixture
def marked():
    """The attempt_marked sends received while the test runs: (sender, keyword args)."""
    from quizzes.signals import attempt_marked

    class Calls(list):
        ids: list[dict]

    calls = Calls()
    calls.ids = []

    def receiver(sender, **kwargs):
        calls.append((sender, kwargs))
        # Read now: the mail receiver commits after this one, which expires the objects, and
        # after a request they can no longer load.
        calls.ids.append({name: value.id for name, value in kwargs.items()})

    with attempt_marked.connected_to(receiver):
        yield calls


def test_marking_the_last_written_answer_sends_attempt_marked_once(
    app, essay_quiz, trainee, trainer, marked
):
    attempt, essay = _hand_in(essay_quiz, trainee)
    assert marked == []  # submitting with a written answer waiting completes nothing
    marking.score(essay, [2, 1], trainer)
    assert len(marked) == 1
    sender, kwargs = marked[0]
    assert sender is app
    assert set(kwargs) == {"attempt", "by"}
    assert kwargs["attempt"].id == attempt.id and kwargs["by"].id == trainer.id
    assert kwargs["attempt"].status == AttemptStatus.GRADED and kwargs["attempt"].passed is True
    with pytest.raises(ServiceError):
        marking.score(essay, [2, 2], trainer)  # already scored: refused, nothing sent
    assert len(marked) == 1


def test_a_refused_score_sends_nothing(essay_quiz, trainee, trainer, marked):
    attempt, essay = _hand_in(essay_quiz, trainee)
    with pytest.raises(ServiceError):
        marking.score(essay, [3, 0], trainer)  # more than the line's 2 points
    db.session.rollback()
    assert marked == []
    assert db.session.get(Attempt, attempt.id).status == AttemptStatus.SUBMITTED


def test_marking_through_the_page_sends_attempt_marked_once(
    essay_quiz, trainee, trainer, trainer_client, marked
):
    attempt, essay = _hand_in(essay_quiz, trainee)
    refused = trainer_client.post_form(
        f"/manage/quizzes/marking/{essay.id}", {"line-0": "3", "line-1": "0"}
    )
    assert refused.status_code == 400 and marked == []
    response = trainer_client.post_form(
        f"/manage/quizzes/marking/{essay.id}", {"line-0": "2", "line-1": "2"}
    )
    assert response.status_code == 302
    assert marked.ids == [{"attempt": attempt.id, "by": trainer.id}]


def test_marking_is_audited_and_a_deleted_account_keeps_points_but_not_its_text(
    essay_quiz, trainee, trainer, trainer_client, login
):
    from lms.models import AuditEvent
    from quizzes.models import AttemptQuestion

    from ..conftest import DEFAULT_PASSWORD

    attempt, essay = _hand_in(essay_quiz, trainee, "My own clause about Bolat's debt")
    trainer_client.post_form(f"/manage/quizzes/marking/{essay.id}", {"line-0": "2", "line-1": "1"})
    (marked,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "quiz.attempt_marked")
    ).all()
    assert (marked.actor_id, marked.subject_id) == (trainer.id, attempt.id)
    assert marked.details == {"user_id": trainee.id, "percent": "80.0", "passed": True}

    browser = login(trainee)
    exported = browser.post_form("/account/export").get_json()
    answers = exported["quiz_attempts"][0]["answers"]
    assert "My own clause about Bolat's debt" in [a["answer"] for a in answers]
    response = browser.post_form(
        "/account/delete", {"current_password": DEFAULT_PASSWORD, "understood": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(AttemptQuestion, essay.id)
    assert "Bolat" not in item.answer_json and item.manual_points is not None
    graded = db.session.get(Attempt, attempt.id)
    assert (graded.earned, graded.passed) == (4, True)
    # The marking page and the gradebook still open for the trainer.
    assert trainer_client.get(f"/manage/quizzes/marking/{essay.id}").status_code == 200
