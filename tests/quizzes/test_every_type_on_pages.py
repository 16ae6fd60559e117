"""Every question type renders on the attempt page and the review, through the HTTP client.

An ordering question once broke the attempt page (``p.items`` in Jinja is a dict's method),
so this walks one demo question of each type from start to the reviewed result."""

from __future__ import annotations

from sqlalchemy import select

from courses import learning
from lms.extensions import db
from lms.models import User
from quizzes import translations
from quizzes.models import Question, Quiz, QuizQuestion
from quizzes.question_types import REGISTRY
from quizzes.selection import held_back


def test_each_type_renders_when_taken_and_reviewed(seed_demo, app):
    seed_demo()
    chosen = {}
    # Held-back questions (possibly amended, not verified, must-pass) are never given.
    for question in db.session.scalars(select(Question).where(~held_back()).order_by(Question.id)):
        chosen.setdefault(question.type, question)
    assert set(chosen) == set(REGISTRY)
    course = next(iter(chosen.values())).course
    quiz = Quiz(
        course_id=course.id,
        slug="every-type",
        title="Every type",
        published=True,
        review_policy="answers",
        shuffle_questions=False,
    )
    db.session.add(quiz)
    db.session.flush()
    for position, question in enumerate(chosen.values(), start=1):
        quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=position))
    db.session.commit()

    trainee = db.session.scalar(select(User).where(User.email == "asel@example.kz"))
    for question in chosen.values():
        learning.enrol(trainee, question.course)
    client = app.test_client()
    client.login(trainee.email, "mediation-demo-2026")
    started = client.post_form(f"/quizzes/{quiz.id}/start")
    attempt_page = client.get(started.headers["Location"] + "?page=all")
    assert attempt_page.status_code == 200
    html = attempt_page.get_data(as_text=True)
    # Asel reads Kazakh: each stem as the attempt shows it, translated (the demo's files).
    assert trainee.language == "kk"
    for question in chosen.values():
        shown = translations.version_view(question.current, "kk").stem_html
        assert shown != question.current.stem_html
        assert shown[:40] in html
    submitted = client.post_form(started.headers["Location"], {"action": "submit"})
    assert submitted.status_code in (302, 303)
    review = client.get(submitted.headers["Location"])
    assert review.status_code == 200
