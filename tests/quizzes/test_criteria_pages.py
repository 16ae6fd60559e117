"""Criteria: trainers read them, admins change them, and grading follows the change."""

from __future__ import annotations

import pytest

from lms.extensions import db
from quizzes import attempts


def _form(criterion, **changes):
    data = {
        "title": criterion.title,
        "description": "",
        "must_pass": "y" if criterion.must_pass else "",
        "active": "y",
        "floor": "" if criterion.floor is None else str(criterion.floor),
    }
    for kind in ("quiz", "rubric", "checklist"):
        value = criterion.threshold(kind)
        data[f"threshold-{kind}"] = "" if value is None else str(value)
    data.update(changes)
    return data


def test_trainers_read_but_cannot_edit(criteria, trainer_client):
    page = trainer_client.get("/manage/quizzes/criteria").get_data(as_text=True)
    assert "C3-ETH" in page and "Professional ethics" in page and "90%" in page
    assert "/manage/quizzes/criteria/" not in page  # no edit links
    criterion = criteria["C3-ETH"]
    assert trainer_client.get(f"/manage/quizzes/criteria/{criterion.id}").status_code == 403
    response = trainer_client.post_form(
        f"/manage/quizzes/criteria/{criterion.id}", _form(criterion, **{"threshold-quiz": "10"})
    )
    assert response.status_code == 403
    db.session.refresh(criterion)
    assert criterion.threshold("quiz") == 90


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"threshold-quiz": "150"}, "whole percent"),
        ({"threshold-quiz": "abc"}, "whole percent"),
        ({"floor": "60"}, "must-pass criterion has no floor"),
        ({"threshold-quiz": "", "threshold-rubric": ""}, "at least one way"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_criterion_edits_are_refused(criteria, admin_client, changes, message):
    criterion = criteria["C3-ETH"]
    response = admin_client.post_form(
        f"/manage/quizzes/criteria/{criterion.id}", _form(criterion, **changes)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(criterion)
    assert criterion.threshold("quiz") == 90 and criterion.floor is None


def test_an_admins_new_threshold_is_used_by_grading(criteria, admin_client, make_quiz, trainee):
    quiz = make_quiz(questions=2, criterion="C3-ETH")
    criterion = criteria["C3-ETH"]
    response = admin_client.post_form(
        f"/manage/quizzes/criteria/{criterion.id}",
        _form(criterion, **{"threshold-quiz": "50", "threshold-checklist": "100"}),
    )
    assert response.status_code == 302
    db.session.refresh(criterion)
    assert criterion.threshold("quiz") == 50 and criterion.threshold("checklist") == 100
    attempt = attempts.start(quiz, trainee)
    first = attempt.questions[0]
    right = next(
        i
        for i, n in first.presentation["key"].items()
        if first.version.definition["options"][n].get("correct")
    )
    attempts.save_answer(attempt, first.position, [right])
    attempts.submit(attempt)
    assert attempt.result["criteria"][0]["met"] is True  # 50% now meets the threshold
    assert admin_client.get("/manage/quizzes/criteria/99999").status_code == 404
