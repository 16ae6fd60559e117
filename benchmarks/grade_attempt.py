"""Benchmark: time to grade one attempt of 100 questions of mixed types (target < 5 ms).

Run: .venv/bin/python benchmarks/grade_attempt.py
Prints figures only; tests never assert on time.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizzes.grading import FrozenQuestion, grade_attempt
from quizzes.question_types import get_type

DEFINITIONS = {
    "single_choice": {"options": [{"text": f"option {n}", "correct": n == 0} for n in range(4)]},
    "multiple_choice": {"options": [{"text": f"option {n}", "correct": n < 3} for n in range(6)]},
    "true_false": {"answer": True},
    "short_text": {"accepted": ["договор о медиации", "медиация туралы шарт"]},
    "numeric": {"answer": 60, "tolerance": 0},
    "matching": {"pairs": [{"left": f"term {n}", "right": f"meaning {n}"} for n in range(4)]},
    "ordering": {"items": [f"stage {n}" for n in range(5)]},
}
CRITERIA = ["C1-LAW", "C2-PROC", "C3-ETH", "C6-DRAFT", "C7-CULT"]


def build(rng: random.Random):
    questions, answers = [], {}
    names = list(DEFINITIONS)
    for number in range(100):
        name = names[number % len(names)]
        question_type, definition = get_type(name), DEFINITIONS[name]
        presentation = question_type.present(definition, rng, True)
        key = f"q{number}"
        questions.append(
            FrozenQuestion(key, CRITERIA[number % len(CRITERIA)], name, 1, definition, presentation)
        )
        if name in ("single_choice",):
            answers[key] = next(iter(presentation["key"]))
        elif name == "multiple_choice":
            answers[key] = list(presentation["key"])[:3]
        elif name == "true_false":
            answers[key] = True
        elif name == "short_text":
            answers[key] = "Договор о медиации."
        elif name == "numeric":
            answers[key] = "60"
        elif name == "matching":
            lefts, rights = presentation["key"]["left"], presentation["key"]["right"]
            answers[key] = dict(zip(lefts, rights, strict=True))
        elif name == "ordering":
            answers[key] = [item["id"] for item in presentation["items"]]
    return questions, answers


def main() -> None:
    questions, answers = build(random.Random(7))
    thresholds = {"C1-LAW": 80, "C3-ETH": 90, "C6-DRAFT": 70}
    for _ in range(20):  # warm up
        grade_attempt(questions, answers, pass_mark=70, thresholds=thresholds)
    timings = []
    for _ in range(500):
        start = time.perf_counter()
        grade_attempt(questions, answers, pass_mark=70, thresholds=thresholds)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    print("grade_attempt, 100 questions of 7 types, 500 runs")
    p95 = timings[int(len(timings) * 0.95)]
    median = statistics.median(timings)
    print(
        f"  median {median:.3f} ms   p95 {p95:.3f} ms   max {timings[-1]:.3f} ms   (target < 5 ms)"
    )


def attempt_page_queries(questions: int = 100) -> int:
    """SQL statements for one attempt page of ``questions`` questions (SQLite, temp folder)."""
    import tempfile

    from sqlalchemy import event

    from config import TestingConfig
    from courses import authoring, learning
    from lms import accounts, create_app
    from lms.extensions import db
    from quizzes import attempts, bank
    from quizzes.demo import CRITERIA
    from quizzes.models import Quiz, QuizQuestion

    app = create_app(TestingConfig(instance_path=tempfile.mkdtemp(), WTF_CSRF_ENABLED=False))
    with app.app_context():
        db.create_all()
        for code, title, must_pass, floor, thresholds in CRITERIA:
            bank.ensure_criterion(
                code, title, must_pass=must_pass, floor=floor, thresholds=thresholds
            )
        trainer = accounts.create_user(
            email="t@example.kz",
            password="long password here",
            display_name="T",
            full_name="T T",
            role="trainer",
        )
        trainee = accounts.create_user(
            email="s@example.kz", password="long password here", display_name="S", full_name="S S"
        )
        course = authoring.create_course(trainer, title="Bench")
        quiz = Quiz(course_id=course.id, slug="bench", title="Bench", published=True)
        db.session.add(quiz)
        for number in range(questions):
            question = bank.create_question(
                course,
                key=f"q{number}",
                criterion=bank.criterion_by_code("C1-LAW"),
                type="single_choice",
                stem=f"Question {number}?",
                definition=DEFINITIONS["single_choice"],
                points=1,
                difficulty=1,
                feedback="",
                source="",
                fact_tag="V",
                verified_on="",
                possibly_amended=False,
                commit=False,
            )
            db.session.flush()
            quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=number + 1))
        db.session.commit()
        learning.enrol(trainee, course)
        attempt = attempts.start(quiz, trainee)
        attempt_id = attempt.id
    client = app.test_client()
    client.post("/login", data={"email": "s@example.kz", "password": "long password here"})
    counted = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: counted.append(1))
        status = client.get(f"/quizzes/attempts/{attempt_id}").status_code
    assert status == 200, status
    return len(counted)


if __name__ == "__main__":
    main()
    print(f"attempt page, 100 questions: {attempt_page_queries()} SQL statements")
