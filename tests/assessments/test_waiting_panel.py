"""The staff dashboard's "Waiting for you" card: written answers to mark and practical
assessments not signed off, counted in the trainer's own courses only, with links."""

from __future__ import annotations

from sqlalchemy import select

from assessments import lifecycle, rubrics, scoring
from assessments.dashboard import waiting_panel
from assessments.rubrics import LineSpec
from courses import learning
from lms.extensions import db
from quizzes.models import AttemptQuestion
from tests.quizzes.test_marking import _hand_in, essay_quiz  # noqa: F401 (a fixture)


def test_a_handed_in_essay_waits_on_the_dashboard_until_it_is_scored(
    essay_quiz,  # noqa: F811
    trainee,
    trainer,
    trainer_client,
    make_user,
):
    assert waiting_panel(trainer) == {"to_mark": 0, "drafts": 0}
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert "0 written answers to mark" in page and "/manage/quizzes/marking" not in page

    _attempt, essay = _hand_in(essay_quiz, trainee)
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert '<a href="/manage/quizzes/marking">1 written answer to mark</a>' in page
    # Another trainer's dashboard does not count it.
    assert waiting_panel(make_user("trainer"))["to_mark"] == 0

    item = db.session.scalar(select(AttemptQuestion).where(AttemptQuestion.id == essay.id))
    trainer_client.post_form(f"/manage/quizzes/marking/{item.id}", {"line-0": "2", "line-1": "2"})
    assert waiting_panel(trainer)["to_mark"] == 0


def test_a_draft_assessment_waits_on_the_dashboard_until_it_is_signed_off(
    criteria, make_course, make_user, trainer, trainer_client
):
    course = make_course("Practice")
    rubric = rubrics.create_rubric(
        course,
        title="Assessed role-play",
        kind="role_play",
        lines=[LineSpec("Opening", criteria["C2-PROC"].id, "quality")],
    )
    learner = make_user()
    learning.enrol(learner, course)
    draft = lifecycle.start_assessment(rubric, learner, trainer)
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert "1 practical assessment not signed off" in page
    assert "/manage/assessments/?status=draft" in page
    assert waiting_panel(make_user("trainer"))["drafts"] == 0

    listed = trainer_client.get("/manage/assessments/?status=draft").get_data(as_text=True)
    assert learner.full_name in listed

    scoring.score_lines(draft, {rubric.lines[0].id: 4}, trainer)
    lifecycle.sign_off(draft, trainer)
    page = trainer_client.get("/dashboard").get_data(as_text=True)
    assert "0 practical assessments not signed off" in page
