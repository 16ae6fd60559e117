"""Pages of practical assessments: who may see and change what, forms that refuse garbage
with a 400 and change nothing, the sign-off flow, and what trainees see of their own."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from assessments import lifecycle, rubrics, scoring
from assessments.models import (
    Assessment,
    AssessmentEvent,
    AssessmentScore,
    Rubric,
    RubricLine,
)
from assessments.rubrics import LineSpec
from courses import learning
from lms.database import utcnow
from lms.extensions import db
from seminars import authoring, registration

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
    person = make_user(full_name="Әсел Қанатқызы Төлеуова")
    learning.enrol(person, course)
    return person


@pytest.fixture
def draft(rubric, learner, trainer):
    return lifecycle.start_assessment(rubric, learner, trainer)


def _snapshot():
    return tuple(
        db.session.scalar(select(func.count(model.id)))
        for model in (Rubric, RubricLine, Assessment, AssessmentScore, AssessmentEvent)
    )


def _routes(rubric, assessment):
    r, a = rubric.id, assessment.id
    return [
        ("get", "/manage/assessments/"),
        ("get", "/manage/assessments/rubrics"),
        ("get", "/manage/assessments/rubrics/new"),
        ("post", "/manage/assessments/rubrics/new"),
        ("get", f"/manage/assessments/rubrics/{r}"),
        ("post", f"/manage/assessments/rubrics/{r}"),
        ("post", f"/manage/assessments/rubrics/{r}/copy"),
        ("get", "/manage/assessments/new"),
        ("post", "/manage/assessments/new"),
        ("get", f"/manage/assessments/{a}"),
        ("post", f"/manage/assessments/{a}"),
        ("get", f"/manage/assessments/{a}/sign-off"),
        ("post", f"/manage/assessments/{a}/sign-off"),
    ]


def _send(client, method, url, data=None):
    if method == "get":
        return client.get(url)
    return client.post_form(url, data or {})


def _sheet_form(assessment, **overrides):
    data = {}
    for line in assessment.rubric.lines:
        data[f"line-{line.id}"] = "1" if line.kind == C else "3"
    data.update(overrides)
    return data


# --- permissions -----------------------------------------------------------------------------


def test_strangers_are_sent_to_log_in_and_nothing_changes(client, rubric, draft):
    before = _snapshot()
    for method, url in _routes(rubric, draft):
        response = _send(client, method, url)
        assert response.status_code == 302 and "/login" in response.location, (method, url)
    assert _snapshot() == before


def test_trainees_get_403_everywhere_under_manage(trainee_client, rubric, draft):
    before = _snapshot()
    for method, url in _routes(rubric, draft):
        assert _send(trainee_client, method, url).status_code == 403, (method, url)
    assert _snapshot() == before


def test_other_trainers_get_403_on_what_is_not_theirs(
    app, rubric, draft, make_user, login, course, learner
):
    other = login(make_user("trainer"))
    before = _snapshot()
    for method, url in _routes(rubric, draft):
        response = _send(other, method, url, _sheet_form(draft))
        if str(rubric.id) in url.split("/") or str(draft.id) in url.split("/"):
            assert response.status_code == 403, (method, url)
        else:  # their own lists and forms: nothing of ours in them, and no way to use ours
            assert response.status_code in (200, 302, 400), (method, url)
            page = response.get_data(as_text=True)
            assert "Assessed role-play" not in page and learner.full_name not in page
    refused = other.post_form(
        "/manage/assessments/new", {"rubric": rubric.id, "trainee": learner.id}
    )
    assert refused.status_code in (302, 400)
    create = other.post_form(
        "/manage/assessments/rubrics/new",
        {"course": course.id, "title": "Mine", "kind": "role_play", "rows": "1",
         "line-0-label": "Opening", "line-0-kind": Q,
         "line-0-criterion": draft.rubric.lines[0].criterion_id},
    )  # fmt: skip
    assert create.status_code in (302, 400)
    assert _snapshot() == before


def test_unknown_ids_are_404(trainer_client):
    for url in (
        "/manage/assessments/9999",
        "/manage/assessments/9999/sign-off",
        "/manage/assessments/rubrics/9999",
        "/manage/assessments/99999999999999",
        "/manage/assessments/abc",
    ):
        assert trainer_client.get(url).status_code == 404, url


def test_admins_may_manage_any_course(admin_client, rubric, draft):
    for url in (
        "/manage/assessments/",
        f"/manage/assessments/rubrics/{rubric.id}",
        f"/manage/assessments/{draft.id}",
    ):
        assert admin_client.get(url).status_code == 200, url


# --- the scoring sheet -----------------------------------------------------------------------


def test_the_sheet_shows_the_scale_and_saves(trainer_client, draft, criteria):
    page = trainer_client.get(f"/manage/assessments/{draft.id}").get_data(as_text=True)
    for words in ("1 not shown", "2 partly", "3 competent", "4 strong", "minimum 3", "C3-ETH"):
        assert words in page
    assert "present" in page and "absent" in page
    response = trainer_client.post_form(
        f"/manage/assessments/{draft.id}",
        _sheet_form(
            draft,
            breach="y",
            breach_criterion=str(criteria["C3-ETH"].id),
            breach_note="Revealed caucus information",
            notes="Work on reframing.",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Assessment, draft.id)
    assert sorted(s.points for s in saved.scores) == [1, 3, 3]
    assert saved.breach_criterion_id == criteria["C3-ETH"].id
    trail = trainer_client.get(f"/manage/assessments/{draft.id}").get_data(as_text=True)
    assert "Audit trail" in trail and "Serious breach marked" in trail and "3 · competent" in trail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"line": "9"}, "from 1 to 4"),
        ({"line": "abc"}, "Choose one of the offered scores"),
        ({"line": "-1"}, "Choose one of the offered scores"),
        ({"checklist": "2"}, "present (1) or absent (0)"),
        ({"breach": "y", "breach_note": ""}, "Describe the serious breach"),
        (
            {"breach": "y", "breach_note": "x", "breach_criterion": "99999999999999999999"},
            "criterion",
        ),
        ({"breach": "y", "breach_note": "x", "breach_criterion": "junk"}, "criterion"),
        ({"notes": "x" * 6000}, "at most 5000"),
    ],
)
def test_garbage_on_the_sheet_is_a_400_beside_the_field_and_changes_nothing(
    trainer_client, draft, change, message
):
    quality, ethics, checklist = draft.rubric.lines
    data = _sheet_form(draft, breach_criterion=str(ethics.criterion_id))
    for key, value in change.items():
        name = {"line": f"line-{quality.id}", "checklist": f"line-{checklist.id}"}.get(key, key)
        data[name] = value
    before = _snapshot()
    response = trainer_client.post_form(f"/manage/assessments/{draft.id}", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'class="alert alert-danger error-summary"' in page
    assert 'class="invalid-feedback d-block"' in page  # beside the field
    assert _snapshot() == before


def test_review_sign_off_and_then_read_only(trainer_client, draft):
    response = trainer_client.post_form(
        f"/manage/assessments/{draft.id}", {**_sheet_form(draft), "action": "review"}
    )
    assert response.status_code == 302 and response.location.endswith("/sign-off")
    review = trainer_client.get(f"/manage/assessments/{draft.id}/sign-off")
    assert "data-confirm" in review.get_data(as_text=True)
    stale = trainer_client.post_form(f"/manage/assessments/{draft.id}/sign-off", {"events": "1"})
    assert stale.status_code == 400 and "changed since" in stale.get_data(as_text=True)
    events = db.session.scalar(
        select(func.count(AssessmentEvent.id)).where(AssessmentEvent.assessment_id == draft.id)
    )
    signed = trainer_client.post_form(
        f"/manage/assessments/{draft.id}/sign-off", {"events": str(events)}
    )
    assert signed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, draft.id).status == "signed_off"
    before = _snapshot()
    again = trainer_client.post_form(
        f"/manage/assessments/{draft.id}/sign-off", {"events": str(events + 1)}
    )
    assert again.status_code == 400 and "already signed off" in again.get_data(as_text=True)
    late = trainer_client.post_form(f"/manage/assessments/{draft.id}", _sheet_form(draft))
    assert late.status_code == 400 and "signed off" in late.get_data(as_text=True)
    assert _snapshot() == before
    page = trainer_client.get(f"/manage/assessments/{draft.id}").get_data(as_text=True)
    assert "Save and review" not in page and "disabled" in page


def test_sign_off_with_unscored_lines_is_refused(trainer_client, draft):
    page = trainer_client.get(f"/manage/assessments/{draft.id}/sign-off").get_data(as_text=True)
    assert "Score the 3 lines left" in page
    response = trainer_client.post_form(f"/manage/assessments/{draft.id}/sign-off", {"events": "1"})
    assert response.status_code == 400
    assert db.session.get(Assessment, draft.id).status == "draft"


# --- rubrics ---------------------------------------------------------------------------------


def _rubric_form(owned, criteria, **overrides):
    data = {
        "course": str(owned.id),
        "title": "Drafting task",
        "kind": "drafting",
        "rows": "3",
        "line-0-label": "Signatures of the parties",
        "line-0-criterion": str(criteria["C6-DRAFT"].id),
        "line-0-kind": C,
        "line-0-order": "2",
        "line-1-label": "Plain wording",
        "line-1-criterion": str(criteria["C6-DRAFT"].id),
        "line-1-kind": Q,
        "line-1-minimum": "2",
        "line-1-order": "1",
        "line-2-label": "",  # an empty new row is ignored
    }
    data.update(overrides)
    return data


def test_a_trainer_creates_and_edits_a_rubric(trainer_client, course, criteria):
    response = trainer_client.post_form(
        "/manage/assessments/rubrics/new", _rubric_form(course, criteria)
    )
    assert response.status_code == 302
    rubric = db.session.scalar(select(Rubric).where(Rubric.title == "Drafting task"))
    assert [(line.label, line.minimum) for line in rubric.lines] == [
        ("Plain wording", 2),
        ("Signatures of the parties", None),
    ]
    first, second = rubric.lines
    edit = trainer_client.post_form(
        f"/manage/assessments/rubrics/{rubric.id}",
        {
            "title": "Drafting task v2",
            "kind": "drafting",
            "active": "y",
            "rows": "2",
            "line-0-id": str(first.id),
            "line-0-label": first.label,
            "line-0-criterion": str(first.criterion_id),
            "line-0-kind": Q,
            "line-0-remove": "y",
            "line-1-id": str(second.id),
            "line-1-label": "Signed by both parties",
            "line-1-criterion": str(second.criterion_id),
            "line-1-kind": C,
        },
    )
    assert edit.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Rubric, rubric.id)
    assert [line.label for line in fresh.lines] == ["Signed by both parties"]
    assert fresh.title == "Drafting task v2"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"line-0-minimum": "3"}, "line-0-minimum", "no minimum"),
        ({"line-1-minimum": "7"}, "line-1-minimum", "from 1 to 4"),
        ({"line-0-criterion": "99999999999999999999"}, "line-0-criterion", "Choose a criterion"),
        ({"line-0-order": "first"}, "line-0-order", "whole number"),
        ({"line-0-kind": "essay"}, "line-0-kind", "offered kinds"),
        ({"rows": "abc"}, "lines", "at least one line"),
        ({"rows": "-5"}, "lines", "at least one line"),
        ({"title": ""}, "title", "required"),
        ({"kind": "x"}, "kind", "offered kinds"),
        ({"course": "99999999999999999999"}, "course", "your courses"),
        ({"slug": "Not a slug!"}, "slug", "Latin"),
    ],
)
def test_bad_rubric_forms_are_400_beside_the_field(
    trainer_client, course, criteria, overrides, field, message
):
    before = _snapshot()
    response = trainer_client.post_form(
        "/manage/assessments/rubrics/new", _rubric_form(course, criteria, **overrides)
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if field != "lines":
        assert f'id="{field}-error"' in page
    assert _snapshot() == before


def test_an_assessed_rubric_shows_its_lines_fixed_and_copies(trainer_client, rubric, draft):
    page = trainer_client.get(f"/manage/assessments/rubrics/{rubric.id}").get_data(as_text=True)
    assert "This rubric has assessments" in page
    assert "Remove this line" not in page
    copied = trainer_client.post_form(f"/manage/assessments/rubrics/{rubric.id}/copy")
    assert copied.status_code == 302
    assert db.session.scalar(select(func.count(Rubric.id))) == 2


# --- starting an assessment ------------------------------------------------------------------


def test_starting_from_a_seminar_lists_its_participants(
    trainer_client, trainer, rubric, course, make_user
):
    seminar = authoring.create_seminar(
        course, [trainer], title="Basic training", capacity=5, language="ru", venue="Astana"
    )
    start = utcnow().replace(microsecond=0) + timedelta(days=2)
    authoring.add_session(
        seminar,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        topic="Day 1",
        academic_hours=Decimal("4"),
        trainer=trainer,
    )
    authoring.set_status(seminar, "open")
    seated = make_user(full_name="Ұлан Бекмұханов")
    outsider = make_user(full_name="Мария Ким")
    learning.enrol(outsider, course)
    registration.add_participant(seminar, seated)
    page = trainer_client.get(
        f"/manage/assessments/new?rubric={rubric.id}&seminar={seminar.id}"
    ).get_data(as_text=True)
    assert seated.full_name in page and outsider.full_name not in page
    without = trainer_client.get(f"/manage/assessments/new?rubric={rubric.id}").get_data(
        as_text=True
    )
    assert outsider.full_name in without and seated.full_name not in without
    # A participant picked from another list is refused.
    wrong = trainer_client.post_form(
        "/manage/assessments/new",
        {"rubric": rubric.id, "seminar": seminar.id, "trainee": outsider.id},
    )
    assert wrong.status_code == 400
    started = trainer_client.post_form(
        "/manage/assessments/new",
        {"rubric": rubric.id, "seminar": seminar.id, "trainee": seated.id},
    )
    assert started.status_code == 302
    assessment = db.session.scalar(select(Assessment).where(Assessment.user_id == seated.id))
    assert assessment.seminar_id == seminar.id and started.location.endswith(f"/{assessment.id}")
    again = trainer_client.post_form(
        "/manage/assessments/new",
        {"rubric": rubric.id, "seminar": seminar.id, "trainee": seated.id},
    )
    assert again.status_code == 400
    page = again.get_data(as_text=True)
    assert "already has a draft" in page and f"/manage/assessments/{assessment.id}" in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"rubric": "junk", "trainee": "1"},
        {"rubric": "99999999999999999999", "trainee": "99999999999999999999"},
        {"rubric": "RUBRIC", "trainee": "junk"},
        {"rubric": "RUBRIC", "seminar": "424242", "trainee": "LEARNER"},
    ],
)
def test_garbage_when_starting_is_a_400(trainer_client, rubric, learner, data):
    data = {
        key: {"RUBRIC": str(rubric.id), "LEARNER": str(learner.id)}.get(value, value)
        for key, value in data.items()
    }
    before = _snapshot()
    response = trainer_client.post_form("/manage/assessments/new", data)
    assert response.status_code == 400
    assert "error-summary" in response.get_data(as_text=True)
    assert _snapshot() == before


def test_the_list_filters_and_survives_junk(trainer_client, draft, rubric):
    listed = trainer_client.get("/manage/assessments/").get_data(as_text=True)
    assert draft.user.full_name in listed
    for query in (
        f"?rubric={rubric.id}&status=draft",
        "?rubric=junk&seminar=99999999999999999999&status=<script>&page=-3",
        "?status=signed_off",
    ):
        response = trainer_client.get("/manage/assessments/" + query)
        assert response.status_code == 200, query
    assert draft.user.full_name not in trainer_client.get(
        "/manage/assessments/?status=signed_off"
    ).get_data(as_text=True)


# --- trainees --------------------------------------------------------------------------------


def test_trainees_see_only_their_own_signed_off_assessments(
    login, learner, draft, trainer, rubric, make_user, course
):
    browser = login(learner)
    assert "Assessed role-play" not in browser.get("/assessments/").get_data(as_text=True)
    scoring.save_sheet(
        draft,
        trainer,
        scores={line.id: 1 if line.kind == C else 2 for line in rubric.lines},
        notes="Keep eye contact with both parties.",
        breach=None,
    )
    still_draft = browser.get("/assessments/").get_data(as_text=True)
    assert "Keep eye contact" not in still_draft and "2 · partly" not in still_draft
    lifecycle.sign_off(draft, trainer)
    page = browser.get("/assessments/").get_data(as_text=True)
    assert "Assessed role-play" in page and "Keep eye contact" in page
    assert "2 · partly" in page and "below the minimum of 3" in page
    # Another trainee's signed-off assessment stays invisible to this one, and vice versa.
    other = make_user()
    learning.enrol(other, course)
    theirs = lifecycle.start_assessment(rubric, other, trainer)
    scoring.save_sheet(
        theirs,
        trainer,
        scores={line.id: 1 if line.kind == C else 4 for line in rubric.lines},
        notes="Excellent reframing.",
        breach=None,
    )
    lifecycle.sign_off(theirs, trainer)
    assert "Excellent reframing" not in browser.get("/assessments/").get_data(as_text=True)
    assert "Keep eye contact" not in login(other).get("/assessments/").get_data(as_text=True)


def test_my_standing_says_met_or_not_in_words(login, learner, draft, trainer, rubric):
    scoring.score_lines(
        draft, {line.id: 1 if line.kind == C else 4 for line in rubric.lines}, trainer
    )
    lifecycle.sign_off(draft, trainer)
    page = login(learner).get("/assessments/standing").get_data(as_text=True)
    assert "Not met" in page and "must-pass" in page
    assert "Quiz: not completed yet" in page
    assert "Rubric: 100% / 70%" in page and "✓ met" in page
    assert "Not every criterion is met yet" in page


def test_trainee_pages_need_a_login(client):
    for url in ("/assessments/", "/assessments/standing"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_the_dashboard_and_the_menus_lead_to_the_pages(login, learner, trainer_client):
    dashboard = login(learner).get("/dashboard").get_data(as_text=True)
    assert "/assessments/standing" in dashboard and "/assessments/" in dashboard
    teaching = trainer_client.get("/dashboard").get_data(as_text=True)
    assert 'href="/manage/assessments/"' in teaching


# --- query counts ----------------------------------------------------------------------------


def _count(client, url) -> int:
    statements = []

    def before(*args, **kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def test_pages_run_a_constant_number_of_queries(
    criteria, make_course, make_user, trainer, login, trainer_client
):
    counts = []
    for size in (2, 12):
        course = make_course(f"Course {size}")
        rubric = rubrics.create_rubric(
            course,
            title=f"Rubric {size}",
            kind="role_play",
            lines=[LineSpec(f"Line {n}", criteria["C4-COMM"].id, Q, 2) for n in range(size)],
        )
        person = make_user()
        learning.enrol(person, course)
        assessment = lifecycle.start_assessment(rubric, person, trainer)
        scoring.score_lines(assessment, {line.id: 3 for line in rubric.lines}, trainer)
        lifecycle.sign_off(assessment, trainer)
        browser = login(person)
        counts.append(
            (
                _count(trainer_client, f"/manage/assessments/{assessment.id}"),
                _count(browser, "/assessments/"),
                _count(browser, "/assessments/standing"),
            )
        )
    assert counts[0] == counts[1], counts
