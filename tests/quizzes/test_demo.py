"""The demo: criteria from shared/domain and the team's question bank, loaded idempotently."""

from __future__ import annotations

from datetime import date

import yaml
from sqlalchemy import func, select

from courses.demo import DEMO_CONTENT
from lms.extensions import db
from lms.models import User
from quizzes.demo import CRITERIA, QUESTIONS_FILE
from quizzes.models import Criterion, Question
from quizzes.question_types import REGISTRY

DEMO_COURSES = sum(1 for p in DEMO_CONTENT.iterdir() if p.is_dir())


def test_seed_demo_loads_criteria_and_every_question_once(runner, seed_demo):
    seed_demo()
    expected = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]
    assert db.session.scalar(select(func.count(Question.id))) == len(expected) >= 40
    assert db.session.scalar(select(func.count(Criterion.id))) == len(CRITERIA)
    covered = set(db.session.scalars(select(Criterion.code).join(Question)))
    assert covered == {code for code, *_ in CRITERIA}
    assert set(db.session.scalars(select(Question.type))) == set(REGISTRY)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(Question.id))) == len(expected)


# review-2026-12.md section 2: the eight items on provisions that may have been amended, and
# the two whose possibly_amended flag was inconsistent (both rest on Law Art. 20).
REVIEW_POSSIBLY_AMENDED = {
    "law-exclusion-incapable-person",
    "law-barred-from-mediating",
    "law-mediation-contract-name",
    "law-conciliation-terms-matching",
    "proc-max-duration-civil",
    "proc-unanswered-proposal-days",
    "eth-gift-after-mediation",
    "draft-settlement-name",
    "eth-scn-court-pressure",
    "proc-steps-out-of-court",
}


def test_possibly_amended_questions_are_flagged_and_few():
    questions = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]
    flagged = {q["key"] for q in questions if q.get("possibly_amended")}
    assert flagged == REVIEW_POSSIBLY_AMENDED
    assert all(q.get("fact_tag") in ("V", "S", "practice") for q in questions)


def test_every_demo_question_has_a_source_and_a_verification_state():
    """qualification-criteria.md: each item stores its source and last-verified date. The
    date is given or explicitly null (not verified); an item on a possibly amended provision
    is not verified as to current law, so its date is null."""
    questions = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]
    assert len(questions) >= 65
    for item in questions:
        assert len(item.get("source") or "") >= 10, item["key"]
        assert "verified_on" in item, item["key"]
        verified = item["verified_on"]
        assert verified is None or date.fromisoformat(verified) <= date(2026, 12, 6), item["key"]
        if item["possibly_amended"]:
            assert verified is None, item["key"]
        if verified is not None:  # a key checked against a text, never against practice alone
            assert item["fact_tag"] in ("V", "S") and "practice" not in item["source"], item["key"]


def test_the_final_exam_draws_every_criterion_across_courses(runner, seed_demo):
    from quizzes import attempts, selection
    from quizzes.demo import FINAL_EXAM_COURSE, FINAL_EXAM_SLUG
    from quizzes.models import Quiz

    seed_demo()
    exam = db.session.scalar(select(Quiz).where(Quiz.slug == FINAL_EXAM_SLUG))
    assert exam.course.slug == FINAL_EXAM_COURSE and exam.published
    assert (exam.selection, exam.bank_scope) == ("draw", "all")
    assert (exam.pass_mark, exam.attempts_allowed, exam.wait_minutes) == (70, 3, 24 * 60)
    assert exam.time_limit_minutes
    rules = {rule.criterion.code: rule for rule in exam.draw_rules}
    with_questions = set(db.session.scalars(select(Criterion.code).join(Question)))
    assert set(rules) == with_questions == {code for code, *_ in CRITERIA}
    spans = set()
    for rule in rules.values():
        pool = selection._pool(exam, rule)
        # The bank holds at least twice the draw (the largest such draw), where it can.
        assert 2 * rule.count <= len(pool) < 2 * (rule.count + 1) or rule.count == len(pool) == 1
        spans |= {version.question.course_id for version in pool}
    assert len(spans) == DEMO_COURSES  # the exam's bank is every demo course's
    assert selection.draw_problems(exam) == []
    attempt = attempts.start(exam, db.session.scalar(select(User).where(User.role == "trainee")))
    drawn = [item.version.question for item in attempt.questions]
    for code, rule in rules.items():
        assert sum(q.criterion.code == code for q in drawn) == rule.count, code
    # Courses A, B and C each hold a criterion's whole or most of its bank; others may be drawn.
    assert len({q.course_id for q in drawn}) >= 3
    # Seeding again changes nothing.
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(Quiz.id)).where(Quiz.slug == FINAL_EXAM_SLUG)) == 1
    assert {r.criterion.code: r.count for r in exam.draw_rules} == {
        code: rule.count for code, rule in rules.items()
    }


def test_demo_quizzes_that_count_follow_the_quiz_rule(seed_demo, app):
    """Course quizzes and the final exam count towards the demo qualification: each draws at
    random per criterion at most half the criterion's bank, with 24 hours between attempts,
    and would pass the publishing check (seed-demo has made the qualifications by then)."""
    from quizzes import publishing, selection
    from quizzes.models import Quiz

    seed_demo()
    quizzes = list(db.session.scalars(select(Quiz).where(Quiz.published.is_(True))))
    assert len(quizzes) == DEMO_COURSES + 1  # one per course and the final exam
    for quiz in quizzes:
        assert quiz.selection == "draw" and not quiz.fixed_questions, quiz.title
        assert (quiz.attempts_allowed, quiz.wait_minutes) == (3, 24 * 60)
        assert publishing.counted_criteria(quiz), quiz.title
        assert publishing.publish_problems(quiz) == [], quiz.title
        for rule in quiz.draw_rules:
            assert 1 <= 2 * rule.count <= len(selection._pool(quiz, rule)), rule.criterion.code
