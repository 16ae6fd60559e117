"""A signed-off practical assessment: the ``assessment_marked`` signal and the trainee's
message; the trainers' daily digest."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assessments import lifecycle, rubrics
from assessments.models import AssessmentEvent
from assessments.rubrics import LineSpec
from courses import learning
from lms.extensions import db
from lms.service_error import ServiceError

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
        calls.append((sender, kwargs))

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
    assert kwargs["assessment"].id == draft.id and kwargs["by"].id == trainer.id
    assert kwargs["assessment"].status == "signed_off"
    assert _sign_off(trainer_client, draft).status_code == 400  # already signed off
    assert len(marked) == 1


def test_a_sign_off_with_unscored_lines_sends_nothing(trainer, draft, marked):
    with pytest.raises(ServiceError):
        lifecycle.sign_off(draft, trainer)
    assert marked == []
