"""An answer that does not fit its question (issue 14: a quiz lost 22 of 28 answers when
two ordering items shared a position): the page comes back in the reader's language with
every answer as typed and the message beside that question; the valid answers are saved;
nothing is handed in or graded until it is fixed. The autosave says the same in JSON."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from courses import learning
from lms.extensions import db
from quizzes import bank
from quizzes.models import Attempt, AttemptStatus, Quiz, QuizQuestion
from quizzes.question_types import REGISTRY

DEFINITIONS = {
    "single_choice": {"options": [{"text": "Law", "correct": True}, {"text": "Decree"}]},
    "multiple_choice": {
        "options": [{"text": "Neutral", "correct": True}, {"text": "Partial"}, {"text": "Fair"}]
    },
    "true_false": {"answer": True},
    "short_text": {"accepted": ["mediator"]},
    "numeric": {"answer": 30, "tolerance": 0, "unit": "days"},
    "matching": {"pairs": [{"left": "Opening", "right": "1"}, {"left": "Closing", "right": "2"}]},
    "ordering": {"items": ["Opening", "Negotiation", "Agreement"]},
    "free_text": {"rubric": [{"criterion": "Clear", "points": 2}]},
}
TYPES = list(DEFINITIONS)


@pytest.fixture
def every_type_quiz(criteria, make_course, trainee):
    course = make_course("Every type")
    quiz = Quiz(course_id=course.id, slug="every", title="Every type", published=True)
    quiz.shuffle_questions = False
    db.session.add(quiz)
    db.session.flush()
    for position, type_name in enumerate(TYPES, start=1):
        question = bank.create_question(
            course,
            key=f"k-{type_name}",
            criterion=criteria["C2-PROC"],
            type=type_name,
            stem=f"Stem of {type_name}?",
            definition=DEFINITIONS[type_name],
            points=1,
            difficulty=1,
            feedback="",
            source="Law Art. 4",
            fact_tag="V",
            verified_on="2026-11-25",
            possibly_amended=False,
        )
        quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=position))
    db.session.commit()
    learning.enrol(trainee, course)
    assert set(TYPES) == set(REGISTRY)
    return quiz


def _start(client, quiz) -> Attempt:
    client.post_form(f"/quizzes/{quiz.id}/start")
    return db.session.scalar(select(Attempt).where(Attempt.quiz_id == quiz.id))


def _by_type(attempt) -> dict:
    return {q.version.question.type: q for q in attempt.questions}


def _valid_form(attempt) -> dict:
    """A right answer to every question, as the page's form sends it."""
    q = _by_type(attempt)
    form = {}
    sc = q["single_choice"].presentation
    form["q1"] = next(i for i, index in sc["key"].items() if index == 0)
    mc = q["multiple_choice"].presentation
    form["q2"] = next(i for i, index in mc["key"].items() if index == 0)
    form["q3"] = "true"
    form["q4"] = "a mediator"
    form["q5"] = "30"
    matching = q["matching"].presentation["key"]
    for left, index in matching["left"].items():
        form[f"q6-{left}"] = next(r for r, i in matching["right"].items() if i == index)
    for item, index in q["ordering"].presentation["key"].items():
        form[f"q7-{item}"] = str(index + 1)
    form["q8"] = "A clear written answer."
    return form


def _ordering_items(attempt) -> list[str]:
    return [item["id"] for item in _by_type(attempt)["ordering"].presentation["items"]]


def _question_error(page: str, position: int) -> str:
    found = re.search(
        rf'<p class="question-error[^"]*" id="q{position}-error"[^>]*>([^<]*)</p>', page
    )
    assert found, f"no message slot beside question {position}"
    return html.unescape(found.group(1))


def test_hand_in_with_two_items_in_one_place_keeps_every_answer_in_russian(
    trainee_client, every_type_quiz
):
    trainee_client.post_form("/language", {"language": "ru", "next": "/"})
    attempt = _start(trainee_client, every_type_quiz)
    form = _valid_form(attempt)
    first, second, third = _ordering_items(attempt)
    form.update({f"q7-{first}": "2", f"q7-{second}": "2", f"q7-{third}": "1"})

    response = trainee_client.post_form(
        f"/quizzes/attempts/{attempt.id}", {**form, "action": "submit"}
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    russian = "У двух пунктов одна и та же позиция (2). Дайте каждому пункту свою позицию."
    assert _question_error(page, 7) == russian
    assert "Ничего не сдано" in page
    assert "Two items" not in page and "Bad request" not in page
    # Every answer is on the page as typed, the invalid one included.
    assert 'value="a mediator"' in page and 'value="30"' in page
    assert "A clear written answer." in page
    for item, place in ((first, "2"), (second, "2"), (third, "1")):
        select_html = re.search(rf'<select[^>]*name="q7-{item}"[^>]*>(.*?)</select>', page, re.S)
        assert re.search(rf'<option value="{place}" selected>', select_html.group(1))
    assert 'aria-invalid="true"' in re.search(rf'<select[^>]*name="q7-{first}"[^>]*>', page).group(
        0
    )
    # The valid answers are saved; the invalid one is not; nothing is handed in or graded.
    db.session.expire_all()
    stored = db.session.get(Attempt, attempt.id)
    assert stored.status == AttemptStatus.IN_PROGRESS and stored.submitted_at is None
    assert stored.percent is None and stored.passed is None and stored.result == {}
    saved = {q.version.question.type: q.answer for q in stored.questions}
    assert saved.pop("ordering") is None
    assert all(value is not None for value in saved.values()), saved
    assert saved["short_text"] == "a mediator" and saved["numeric"] == "30"

    # Fixed, it is handed in and graded.
    form.update({f"q7-{first}": "3", f"q7-{second}": "1", f"q7-{third}": "2"})
    done = trainee_client.post_form(f"/quizzes/attempts/{attempt.id}", {**form, "action": "submit"})
    assert done.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status != AttemptStatus.IN_PROGRESS


# (type, form fields of its question given the attempt, Russian message)
INVALID = {
    "single_choice": (lambda a: {"q1": "forged"}, "Выберите один из показанных вариантов."),
    "multiple_choice": (lambda a: {"q2": "forged"}, "Выбирайте только из показанных вариантов."),
    "true_false": (lambda a: {"q3": "maybe"}, "Выберите «Верно» или «Неверно»."),
    "short_text": (
        lambda a: {"q4": "x" * 301},
        "Ответ должен быть не длиннее 300 символов; сейчас в нём 301.",
    ),
    "numeric": (lambda a: {"q5": "thirty"}, "Введите число цифрами, например 12 или 2,5."),
    "matching": (
        lambda a: {f"q6-{next(iter(_by_type(a)['matching'].presentation['key']['left']))}": "x"},
        "Выберите каждое соответствие из показанного списка.",
    ),
    "ordering": (
        lambda a: {f"q7-{_ordering_items(a)[0]}": "1"},
        "Дайте позицию каждому пункту (сейчас позиция есть у 1 из 3) или очистите все.",
    ),
    "free_text": (
        lambda a: {"q8": "x" * 10_001},
        "Ответ должен быть не длиннее 10000 символов; сейчас в нём 10001.",
    ),
}


@pytest.mark.parametrize("type_name", TYPES)
def test_each_types_problem_is_translated_and_shown_beside_its_question(
    trainee_client, every_type_quiz, type_name
):
    trainee_client.post_form("/language", {"language": "ru", "next": "/"})
    attempt = _start(trainee_client, every_type_quiz)
    position = TYPES.index(type_name) + 1
    fields, russian = INVALID[type_name]
    form = {
        name: value
        for name, value in _valid_form(attempt).items()
        if not re.fullmatch(rf"q{position}(-.*)?", name)
    }
    form.update(fields(attempt))
    response = trainee_client.post_form(f"/quizzes/attempts/{attempt.id}", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _question_error(page, position) == russian
    for other in range(1, len(TYPES) + 1):
        if other != position:
            assert _question_error(page, other) == ""
    db.session.expire_all()
    saved = {q.position: q.answer for q in db.session.get(Attempt, attempt.id).questions}
    assert saved.pop(position) is None
    assert all(value is not None for value in saved.values())


def test_autosave_saves_the_rest_and_names_the_invalid_question_in_russian(
    trainee_client, every_type_quiz
):
    trainee_client.post_form("/language", {"language": "ru", "next": "/"})
    attempt = _start(trainee_client, every_type_quiz)
    form = _valid_form(attempt)
    first, second, third = _ordering_items(attempt)
    form.update({f"q7-{first}": "2", f"q7-{second}": "2", f"q7-{third}": "1"})
    response = trainee_client.post_form(f"/quizzes/attempts/{attempt.id}/autosave", form)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"].startswith("Сохранено, кроме вопроса 7: У двух пунктов")
    [problem] = error["questions"]
    assert (problem["number"], problem["position"]) == (7, 7)
    assert problem["message"].startswith("У двух пунктов одна и та же позиция (2).")
    assert sorted(problem["fields"]) == sorted([f"q7-{first}", f"q7-{second}"])
    db.session.expire_all()
    saved = [q.answer for q in db.session.get(Attempt, attempt.id).questions]
    assert saved[6] is None and all(value is not None for i, value in enumerate(saved) if i != 6)


def test_the_attempt_page_script_can_renew_its_form_token(trainee_client, every_type_quiz):
    attempt = _start(trainee_client, every_type_quiz)
    reply = trainee_client.get(f"/quizzes/attempts/{attempt.id}/token")
    assert reply.status_code == 200 and reply.get_json()["csrf_token"]
    page = trainee_client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert f'data-token-url="/quizzes/attempts/{attempt.id}/token"' in page
