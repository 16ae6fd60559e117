"""Questions on possibly amended provisions that nobody has verified since are never given
for a must-pass criterion (review-2026-12.md, section 2 and item 1 of section 6)."""

from __future__ import annotations

import random

import pytest
import yaml
from sqlalchemy import select

from lms.extensions import db
from lms.service_error import ServiceError
from quizzes import attempts, bank, publishing, question_authoring, quiz_authoring, selection
from quizzes.demo import QUESTIONS_FILE
from quizzes.models import DrawRule, Question, Quiz

from .versions import current_content


@pytest.fixture
def course(make_course, criteria):
    return make_course("Held-back course")


@pytest.fixture
def question(criteria):
    numbers = iter(range(1, 1000))

    def make(course, code="C1-LAW", *, amended=False, verified="2026-12-01"):
        number = next(numbers)
        return bank.create_question(
            course,
            key=f"h{number}",
            criterion=criteria[code],
            type="true_false",
            stem=f"Statement {number}?",
            definition={"answer": True},
            points=1,
            difficulty=1,
            feedback="",
            source="Law Art. 20(6) (2019 text)",
            fact_tag="V",
            verified_on=verified,
            possibly_amended=amended,
        )

    return make


def test_the_filter_holds_back_only_unverified_possibly_amended_must_pass_questions(
    course, question, trainer
):
    held = question(course, "C1-LAW", amended=True, verified="")
    checked = question(course, "C1-LAW", amended=True, verified="2026-12-01")
    settled = question(course, "C1-LAW", amended=False, verified="")
    compensable = question(course, "C2-PROC", amended=True, verified="")
    ids = [held.id, checked.id, settled.id, compensable.id]
    assert selection.held_back_ids(ids) == {held.id}

    quiz = quiz_authoring.create_quiz(course, title="Draw", selection="draw")
    c1, c2 = held.criterion_id, compensable.criterion_id
    assert {v.question_id for v in selection.pool(quiz, c1)} == {checked.id, settled.id}
    assert {v.question_id for v in selection.pool(quiz, c2)} == {compensable.id}

    # Only the current version counts: verifying releases it, a later doubt holds it again.
    question_authoring.update_question(
        held,
        trainer,
        key=held.key,
        criterion=held.criterion,
        **current_content(held, verified_on="2026-12-05"),
    )
    assert selection.held_back_ids(ids) == set()
    question_authoring.update_question(
        settled,
        trainer,
        key=settled.key,
        criterion=settled.criterion,
        **current_content(settled, possibly_amended=True),
    )
    assert selection.held_back_ids(ids) == {settled.id}


def test_raising_the_flag_voids_a_date_recorded_before_it(course, question, trainer):
    item = question(course, amended=False, verified="2026-11-01")
    # The form sends the old date back unchanged with the box newly ticked.
    question_authoring.update_question(
        item,
        trainer,
        key=item.key,
        criterion=item.criterion,
        **current_content(item, possibly_amended=True),
    )
    assert (item.current.possibly_amended, item.current.verified_on) == (True, "")
    assert selection.held_back_ids([item.id]) == {item.id}
    # A date given after the check releases it.
    question_authoring.update_question(
        item,
        trainer,
        key=item.key,
        criterion=item.criterion,
        **current_content(item, verified_on="2026-12-05"),
    )
    assert selection.held_back_ids([item.id]) == set()


def test_a_draw_rule_the_held_back_questions_would_fill_is_refused(course, question, criteria):
    question(course, amended=True, verified="")
    question(course, amended=False)
    quiz = quiz_authoring.create_quiz(course, title="Draw", selection="draw")
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.add_rule(quiz, criteria["C1-LAW"], 2)
    assert "2 questions wanted, the bank has 1" in refused.value.message
    assert quiz_authoring.add_rule(quiz, criteria["C1-LAW"], 1)


def test_a_fixed_list_with_a_held_back_question_cannot_be_published(
    trainer_client, course, question, trainer
):
    held = question(course, amended=True, verified="")
    other = question(course)
    quiz = quiz_authoring.create_quiz(course, title="Fixed")
    quiz_authoring.add_questions(quiz, [held.id, other.id], trainer)
    assert publishing.question_count(quiz) == 1
    response = trainer_client.post_form(f"/manage/quizzes/{quiz.id}/publish", {"published": "1"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert held.key in page and "C1-LAW" in page and "may have been amended" in page
    assert db.session.get(Quiz, quiz.id).published is False
    # Once verified, the same list publishes.
    question_authoring.update_question(
        held,
        trainer,
        key=held.key,
        criterion=held.criterion,
        **current_content(held, verified_on="2026-12-05"),
    )
    response = trainer_client.post_form(f"/manage/quizzes/{quiz.id}/publish", {"published": "1"})
    assert response.status_code == 302
    assert db.session.get(Quiz, quiz.id).published is True


def test_a_published_fixed_list_never_gives_a_question_held_back_since(
    course, question, trainer, make_user
):
    from courses import learning

    kept = question(course)
    doubted = question(course)
    quiz = quiz_authoring.create_quiz(course, title="Fixed")
    quiz_authoring.add_questions(quiz, [kept.id, doubted.id], trainer)
    quiz_authoring.set_published(quiz, True)
    question_authoring.update_question(
        doubted,
        trainer,
        key=doubted.key,
        criterion=doubted.criterion,
        **current_content(doubted, possibly_amended=True),
    )
    learner = make_user("trainee")
    learning.enrol(learner, course)
    attempt = attempts.start(quiz, learner)
    assert [item.version.question_id for item in attempt.questions] == [kept.id]


# --- the demo -------------------------------------------------------------------------------


def _demo_held_back_keys() -> set[str]:
    """From the file itself: must-pass criteria, possibly amended, no verified_on."""
    from quizzes.demo import CRITERIA

    must_pass = {code for code, _title, must, *_ in CRITERIA if must}
    items = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]
    return {
        item["key"]
        for item in items
        if item["criterion"] in must_pass and item["possibly_amended"] and not item["verified_on"]
    }


def test_no_held_back_demo_question_is_ever_drawn_for_a_must_pass_criterion(seed_demo):
    from quizzes.demo import FINAL_EXAM_SLUG

    seed_demo()
    held_keys = _demo_held_back_keys()
    # The review's eight plus the two Art. 20 items, less the three of C2 (not must-pass).
    assert len(held_keys) == 7
    held = set(db.session.scalars(select(Question.id).where(selection.held_back())))
    assert {db.session.get(Question, i).key for i in held} == held_keys

    exam = db.session.scalar(select(Quiz).where(Quiz.slug == FINAL_EXAM_SLUG))
    # A course quiz drawing half of each must-pass bank of its course, as a draw may.
    course_quizzes = []
    for quiz in db.session.scalars(select(Quiz).where(Quiz.selection == "fixed")):
        drawn = Quiz(
            course_id=quiz.course_id,
            slug=f"draw-{quiz.id}",
            title="Draw",
            selection="draw",
            published=False,
        )
        db.session.add(drawn)
        for criterion_id in {link.question.criterion_id for link in quiz.fixed_questions}:
            available = len(selection.pool(drawn, criterion_id))
            if available >= 2:
                drawn.draw_rules.append(DrawRule(criterion_id=criterion_id, count=available // 2))
        course_quizzes.append(drawn)
    db.session.flush()
    for quiz in [exam, *course_quizzes]:
        assert selection.draw_problems(quiz) == []
        for seed in range(150):
            chosen = selection.select_versions(quiz, random.Random(seed))
            assert not {v.question_id for v in chosen} & held, (quiz.title, seed)

    # The fixed course quizzes seeded by the demo do not give them either.
    for quiz in db.session.scalars(select(Quiz).where(Quiz.selection == "fixed")):
        given = {v.question_id for v in selection.select_versions(quiz, random.Random(1))}
        assert given and not given & held, quiz.title


def test_trainers_see_the_source_the_date_and_what_is_held_back(trainer_client, course, question):
    held = question(course, amended=True, verified="")
    fine = question(course, amended=False, verified="2026-12-01")
    listing = trainer_client.get(f"/manage/quizzes/courses/{course.id}/bank").get_data(as_text=True)
    assert listing.count("Not given for must-pass criteria until verified") == 1
    assert "1 Dec 2026" in listing and "Law Art. 20(6) (2019 text)" in listing
    page = trainer_client.get(f"/manage/quizzes/bank/{held.id}").get_data(as_text=True)
    assert "has not been verified since" in page and "C1-LAW" in page
    assert "not verified" in page and "Law Art. 20(6) (2019 text)" in page
    page = trainer_client.get(f"/manage/quizzes/bank/{fine.id}").get_data(as_text=True)
    assert "has not been verified since" not in page and "1 December 2026" in page
    # In Kazakh, with the review's wording of "possibly amended".
    trainer_client.post_form("/language", {"language": "kk", "next": "/"})
    page = trainer_client.get(f"/manage/quizzes/bank/{held.id}").get_data(as_text=True)
    assert "Өзгертілген болуы мүмкін" in page and "міндетті өлшемшарты бойынша бермейді" in page


def test_a_published_list_refuses_a_held_back_question_but_other_edits_go_on(
    course, question, trainer
):
    kept = question(course)
    spare = question(course)
    other = question(course)
    held = question(course, amended=True, verified="")
    quiz = quiz_authoring.create_quiz(course, title="Fixed")
    quiz_authoring.add_questions(quiz, [kept.id, spare.id, other.id], trainer)
    quiz_authoring.set_published(quiz, True)
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.add_questions(quiz, [held.id], trainer)
    assert held.key in refused.value.message and refused.value.field == "question_ids"
    assert len(quiz.fixed_questions) == 3
    # A question doubted after publishing blocks publishing again, not the quiz's other edits,
    # as long as the quiz still has something to give.
    question_authoring.update_question(
        kept,
        trainer,
        key=kept.key,
        criterion=kept.criterion,
        **current_content(kept, possibly_amended=True, verified_on=""),
    )
    question_authoring.set_question_active(spare, False)
    assert publishing.giving_problems(quiz) == []
    assert kept.key in " ".join(publishing.publish_problems(quiz))
    with pytest.raises(ServiceError):  # the last question it can give
        question_authoring.set_question_active(other, False)
