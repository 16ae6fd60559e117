"""The demo's Russian and Kazakh translations of criteria, quizzes and questions
(quizzes/demo_content/{texts,questions}.{ru,kk}.yml) are loaded as translations: every one has
both, a Kazakh trainee is examined in Kazakh and a Russian one reads Russian criterion titles."""

from __future__ import annotations

import html
import re

import pytest
import yaml
from sqlalchemy import select

from courses import learning
from lms import content_translations as ct
from lms.extensions import db
from quizzes import demo
from quizzes.models import Attempt, Criterion, Question, Quiz


@pytest.fixture
def demo_quizzes(app, make_course, criteria):
    for slug in ("mediation-procedure-kz", "mediator-ethics", "mediation-agreements"):
        make_course(f"Course {slug}", slug=slug)
    demo.seed_demo_questions()
    demo.seed_demo_quizzes()
    demo.seed_final_exam()
    demo.seed_demo_translations()
    demo.seed_demo_translations()  # idempotent
    return list(db.session.scalars(select(Quiz)))


def _procedure_quiz(quizzes):
    """The procedure course's quiz: its bank has no written answers, so an attempt is graded
    at once whatever the random draw (the others may wait for a trainer)."""
    return next(
        q
        for q in quizzes
        if q.slug == "check-your-knowledge" and q.course.slug == "mediation-procedure-kz"
    )


def _complete(obj, locale):
    figures = ct.coverage([obj], [locale])[locale]
    return figures.total and figures.translated == figures.total and not figures.outdated


def test_every_demo_question_criterion_and_quiz_has_russian_and_kazakh(demo_quizzes):
    questions = list(db.session.scalars(select(Question)))
    assert len(questions) == 72
    criteria = list(db.session.scalars(select(Criterion)))
    assert len(demo_quizzes) == 4  # three course quizzes and the final exam
    for locale in ("ru", "kk"):
        for question in questions:
            assert _complete(question.current, locale), (question.key, locale)
        for obj in (*criteria, *demo_quizzes):
            assert _complete(obj, locale), (obj, locale)
    ethics = db.session.scalar(
        select(Quiz).join(Quiz.course).where(Quiz.slug == "check-your-knowledge")
    )
    assert ct.text(ethics, "title", "ru").startswith("Проверьте свои знания: ")


def test_a_kazakh_trainee_is_examined_in_kazakh(demo_quizzes, make_user, login):
    kazakh = yaml.safe_load((demo.CONTENT / "questions.kk.yml").read_text(encoding="utf-8"))[
        "questions"
    ]
    quiz = _procedure_quiz(demo_quizzes)
    person = make_user(language="kk")
    learning.enrol(person, quiz.course)
    browser = login(person)
    browser.post_form(f"/quizzes/{quiz.id}/start")
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == person.id))
    assert attempt.language == "kk"
    page = browser.get(f"/quizzes/attempts/{attempt.id}?page=all").get_data(as_text=True)
    chosen = next(q for q in attempt.questions if "options" in kazakh[q.version.question.key])
    entry = kazakh[chosen.version.question.key]
    first_line = re.sub(r"[*_`]", "", entry["stem"].strip().splitlines()[0])  # Markdown marks
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert first_line[:20] in text
    for option in entry["options"]:
        assert re.sub(r"[*_`]", "", option) in text
    assert "Shown in the original" not in page


def test_a_russian_results_page_shows_russian_criterion_titles(demo_quizzes, make_user, login):
    quiz = _procedure_quiz(demo_quizzes)  # no written answers: graded at once, criteria shown
    person = make_user(language="ru")
    learning.enrol(person, quiz.course)
    browser = login(person)
    browser.post_form(f"/quizzes/{quiz.id}/start")
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == person.id))
    browser.post_form(f"/quizzes/attempts/{attempt.id}", {"action": "submit"})
    page = browser.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    russian = yaml.safe_load((demo.CONTENT / "texts.ru.yml").read_text(encoding="utf-8"))
    codes = {c["code"] for c in attempt.result["criteria"]}
    assert codes
    for code in codes:
        assert russian["criteria"][code]["title"] in page
    assert "Проверьте свои знания" in page
