"""Practical assessments: rubric rules, scoring, audit trail, read-only and exactly-once
sign-off, one draft per trainee and rubric, and the pure results with exact fractions."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from assessments import lifecycle, results, rubrics, scoring
from assessments.models import (
    Assessment,
    AssessmentEvent,
    AssessmentScore,
    AssessmentStatus,
    Rubric,
)
from assessments.results import ScoredLine
from assessments.rubrics import LineSpec
from courses import learning
from lms.database import utcnow
from lms.extensions import db
from lms.service_error import ServiceError
from quizzes.grading import CriterionRule, Instrument, InstrumentResult, evaluate_criteria
from seminars import authoring, registration

Q, C = "quality", "checklist"


def _lines(criteria):
    return [
        LineSpec("Opening", criteria["C2-PROC"].id, Q),
        LineSpec("Neutral language", criteria["C3-ETH"].id, Q, 3),
        LineSpec("No pressure", criteria["C3-ETH"].id, Q, 3),
        LineSpec("Signatures of the parties", criteria["C6-DRAFT"].id, C),
        LineSpec("Plain wording", criteria["C6-DRAFT"].id, Q),
    ]


@pytest.fixture
def course(make_course):
    return make_course("Practice")


@pytest.fixture
def rubric(criteria, course):
    return rubrics.create_rubric(
        course, title="Role-play", kind="role_play", lines=_lines(criteria)
    )


@pytest.fixture
def learner(trainee, course):
    learning.enrol(trainee, course)
    return trainee


@pytest.fixture
def draft(rubric, learner, trainer):
    return lifecycle.start_assessment(rubric, learner, trainer)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _full(assessment, **points):
    """Scores for every line: quality 3, checklist 1 unless given by label."""
    return {
        line.id: points.get(line.label, 1 if line.kind == C else 3)
        for line in assessment.rubric.lines
    }


def _events(assessment, action=None):
    query = select(AssessmentEvent).where(AssessmentEvent.assessment_id == assessment.id)
    if action:
        query = query.where(AssessmentEvent.action == action)
    return list(db.session.scalars(query.order_by(AssessmentEvent.id)))


# --- rubrics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda lines, c: [], "lines"),
        (lambda lines, c: [LineSpec("", c["C2-PROC"].id, Q)], "lines-label"),
        (lambda lines, c: [LineSpec("x" * 301, c["C2-PROC"].id, Q)], "lines-label"),
        (lambda lines, c: [LineSpec("Opening", c["C2-PROC"].id, Q, 5)], "lines-minimum"),
        (lambda lines, c: [LineSpec("Opening", c["C2-PROC"].id, Q, 0)], "lines-minimum"),
        (lambda lines, c: [LineSpec("Signed", c["C6-DRAFT"].id, C, 1)], "lines-minimum"),
        (lambda lines, c: [LineSpec("Opening", None, Q)], "lines-criterion"),
        (lambda lines, c: [LineSpec("Opening", 99999, Q)], "lines-criterion"),
        (lambda lines, c: [LineSpec("Opening", c["C2-PROC"].id, "essay")], "lines-kind"),
        # A line must feed an instrument its criterion has: C1 has no rubric, C2 no checklist.
        (lambda lines, c: [LineSpec("Law", c["C1-LAW"].id, Q)], "lines-criterion"),
        (lambda lines, c: [LineSpec("Opening", c["C2-PROC"].id, C)], "lines-criterion"),
        (
            lambda lines, c: [*lines, LineSpec("Stolen", c["C2-PROC"].id, Q, id=12345)],
            "lines-label",
        ),
    ],
)
def test_bad_rubrics_are_refused_and_nothing_is_written(criteria, course, change, field):
    with pytest.raises(ServiceError) as failure:
        rubrics.create_rubric(
            course, title="Role-play", kind="role_play", lines=change(_lines(criteria), criteria)
        )
    assert failure.value.field == field
    db.session.rollback()
    assert _count(Rubric) == 0


def test_a_rubric_kind_and_slug_are_checked(criteria, course, rubric):
    with pytest.raises(ServiceError) as failure:
        rubrics.create_rubric(course, title="X", kind="essay", lines=_lines(criteria))
    assert failure.value.field == "kind"
    with pytest.raises(ServiceError) as failure:
        rubrics.create_rubric(course, title="Role-play", kind="drafting", lines=_lines(criteria))
    assert failure.value.field == "slug"
    db.session.rollback()
    assert _count(Rubric) == 1


def test_lines_reorder_change_and_go_until_the_rubric_is_assessed(criteria, rubric):
    opening, neutral, _pressure, _signatures, wording = rubric.lines
    rubrics.update_rubric(
        rubric,
        title="Role-play v2",
        kind="role_play",
        instructions="Score it",
        active=True,
        lines=[
            LineSpec("Wording", criteria["C6-DRAFT"].id, Q, 2, id=wording.id),
            LineSpec(neutral.label, criteria["C3-ETH"].id, Q, 3, id=neutral.id),
            LineSpec("Caucus", criteria["C2-PROC"].id, Q),
            LineSpec(opening.label, criteria["C2-PROC"].id, Q, id=opening.id),
        ],
    )
    db.session.expire_all()
    fresh = db.session.get(Rubric, rubric.id)
    assert [(line.position, line.label) for line in fresh.lines] == [
        (1, "Wording"),
        (2, "Neutral language"),
        (3, "Caucus"),
        (4, "Opening"),
    ]
    assert fresh.lines[0].id == wording.id and fresh.lines[0].minimum == 2
    assert fresh.title == "Role-play v2"


def test_an_assessed_rubric_keeps_its_structure_but_not_its_wording(
    criteria, rubric, draft, trainer
):
    lines = rubric.lines
    same = [
        LineSpec(line.label, line.criterion_id, line.kind, line.minimum, "", line.id)
        for line in lines
    ]

    def update(new_lines):
        rubrics.update_rubric(
            rubric, title="R", kind="role_play", instructions="", active=True, lines=new_lines
        )

    for bad in (
        same[:-1],  # a line removed
        [*same, LineSpec("New", criteria["C2-PROC"].id, Q)],  # a line added
        [LineSpec(same[1].label, same[1].criterion_id, Q, 2, "", same[1].id), *same[2:], same[0]],
        [LineSpec(same[0].label, criteria["C4-COMM"].id, Q, None, "", same[0].id), *same[1:]],
    ):
        with pytest.raises(ServiceError, match="has assessments"):
            update(bad)
        db.session.rollback()
    # Wording and order may still change.
    reworded = LineSpec("Opening the session", same[0].criterion_id, Q, None, "Art. 10", same[0].id)
    update([*same[1:], reworded])
    db.session.expire_all()
    fresh = db.session.get(Rubric, rubric.id)
    assert [line.id for line in fresh.lines] == [line.id for line in same[1:]] + [same[0].id]
    assert fresh.lines[-1].label == "Opening the session"


def test_a_copy_is_a_new_unassessed_rubric_with_the_same_lines(rubric, draft):
    copy = rubrics.copy_rubric(rubric, title=rubric.title)
    assert copy.id != rubric.id and copy.slug == "role-play-2"
    assert [(x.label, x.kind, x.minimum) for x in copy.lines] == [
        (x.label, x.kind, x.minimum) for x in rubric.lines
    ]
    assert not rubrics.has_assessments(copy)


# --- starting --------------------------------------------------------------------------------


def test_who_may_be_assessed(rubric, trainee, trainer, make_user, make_seminar):
    with pytest.raises(ServiceError, match="not enrolled"):
        lifecycle.start_assessment(rubric, trainee, trainer)
    seminar = make_seminar(course=rubric.course)
    with pytest.raises(ServiceError, match="no seat"):
        lifecycle.start_assessment(rubric, trainee, trainer, seminar=seminar)
    registration.add_participant(seminar, trainee)
    assessment = lifecycle.start_assessment(rubric, trainee, trainer, seminar=seminar)
    assert assessment.seminar_id == seminar.id and assessment.status == AssessmentStatus.DRAFT
    colleague = make_user("trainer")
    learning.enrol(colleague, rubric.course)
    with pytest.raises(ServiceError, match="Choose a trainee"):
        lifecycle.start_assessment(rubric, colleague, trainer)
    rubric.active = False
    db.session.commit()
    other = make_user()
    learning.enrol(other, rubric.course)
    with pytest.raises(ServiceError, match="not in use"):
        lifecycle.start_assessment(rubric, other, trainer)
    assert _count(Assessment) == 1


@pytest.fixture
def make_seminar(make_course, trainer):
    def factory(*, course):
        seminar = authoring.create_seminar(
            course, [trainer], title="Basic training", capacity=10, language="ru", venue="Astana"
        )
        start = utcnow().replace(microsecond=0) + timedelta(days=3)
        authoring.add_session(
            seminar,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            topic="Day 1",
            academic_hours=Decimal("4"),
            trainer=trainer,
        )
        authoring.set_status(seminar, "open")
        return seminar

    return factory


def test_one_draft_per_trainee_and_rubric_and_a_retake_after_sign_off(
    rubric, learner, trainer, draft
):
    with pytest.raises(ServiceError, match="already has a draft"):
        lifecycle.start_assessment(rubric, learner, trainer)
    assert _count(Assessment) == 1
    # The database itself refuses a second draft, whatever the code above it does.
    db.session.add(
        Assessment(rubric_id=rubric.id, user_id=learner.id, open_slot=learner.id, status="draft")
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    scoring.score_lines(draft, _full(draft), trainer)
    lifecycle.sign_off(draft, trainer)
    retake = lifecycle.start_assessment(rubric, learner, trainer)
    assert retake.id != draft.id and retake.open_slot == learner.id
    assert lifecycle.draft_for(rubric, learner).id == retake.id


# --- scoring and the audit trail -------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "points"),
    [
        ("Opening", 0),
        ("Opening", 5),
        ("Opening", -1),
        ("Opening", "3"),
        ("Opening", None),
        ("Opening", True),
        ("Opening", 2.5),
        ("Signatures of the parties", 2),
        ("Signatures of the parties", 3),
        ("Signatures of the parties", -1),
    ],
)
def test_scores_outside_the_scale_are_refused(draft, trainer, label, points):
    line = next(line for line in draft.rubric.lines if line.label == label)
    good = next(line for line in draft.rubric.lines if line.label == "Plain wording")
    with pytest.raises(ServiceError) as failure:
        scoring.score_lines(draft, {good.id: 4, line.id: points}, trainer)
    assert failure.value.field == f"line-{line.id}"
    db.session.rollback()
    assert _count(AssessmentScore) == 0  # all or nothing: the good score was not kept either
    assert [e.action for e in _events(draft)] == ["start"]


def test_a_line_of_another_rubric_is_refused(criteria, draft, trainer, course):
    other = rubrics.create_rubric(course, title="Other", kind="drafting", lines=_lines(criteria))
    with pytest.raises(ServiceError):
        scoring.score_line(draft, other.lines[0].id, 3, trainer)
    db.session.rollback()
    assert _count(AssessmentScore) == 0


def test_every_change_is_an_event_with_before_after_who_and_when(
    draft, trainer, make_user, criteria
):
    colleague = make_user("trainer")
    opening = draft.rubric.lines[0]
    t0 = utcnow().replace(microsecond=0)
    assert scoring.score_line(draft, opening.id, 2, trainer, now=t0) == 1
    assert scoring.score_line(draft, opening.id, 2, trainer, now=t0) == 0  # no change, no event
    assert scoring.score_line(draft, opening.id, 4, colleague, now=t0 + timedelta(minutes=1)) == 1
    scoring.mark_breach(draft, criteria["C3-ETH"].id, "Told B what A said alone", colleague)
    scoring.mark_breach(draft, criteria["C3-ETH"].id, "Told B what A said in caucus", trainer)
    scoring.clear_breach(draft, trainer)
    scoring.set_notes(draft, "Good opening.", trainer)
    scoring.set_notes(draft, "Good opening.", trainer)  # unchanged
    events = _events(draft)
    assert [(e.action, e.before, e.after) for e in events] == [
        ("start", "", "draft"),
        ("score", "", "2"),
        ("score", "2", "4"),
        ("breach", "", "C3-ETH: Told B what A said alone"),
        ("breach", "C3-ETH: Told B what A said alone", "C3-ETH: Told B what A said in caucus"),
        ("breach_cleared", "C3-ETH: Told B what A said in caucus", ""),
        ("notes", "", "Good opening."),
    ]
    assert [e.by_id for e in events] == [trainer.id, trainer.id, colleague.id, colleague.id] + [
        trainer.id
    ] * 3
    assert events[1].line_id == opening.id and events[1].at == t0
    assert events[2].at == t0 + timedelta(minutes=1)
    score = db.session.scalar(select(AssessmentScore).where(AssessmentScore.line_id == opening.id))
    assert (score.points, score.assessed_by_id) == (4, colleague.id)
    assert score.assessed_at == t0 + timedelta(minutes=1)


def test_a_breach_needs_one_of_the_rubric_criteria_and_a_note(draft, trainer, criteria):
    for criterion, note, field in (
        (criteria["C3-ETH"].id, "   ", "breach_note"),
        (criteria["C1-LAW"].id, "Took sides", "breach_criterion"),  # not in this rubric
        (None, "Took sides", "breach_criterion"),
    ):
        with pytest.raises(ServiceError) as failure:
            scoring.mark_breach(draft, criterion, note, trainer)
        assert failure.value.field == field
        db.session.rollback()
    assert [e.action for e in _events(draft)] == ["start"]


def test_the_sheet_saves_everything_or_nothing(draft, trainer, criteria):
    lines = draft.rubric.lines
    changed = scoring.save_sheet(
        draft,
        trainer,
        scores={lines[0].id: 3, lines[3].id: 1},
        notes="Fine",
        breach=(criteria["C3-ETH"].id, "Pushed A to accept"),
    )
    assert changed == 4
    with pytest.raises(ServiceError):
        scoring.save_sheet(
            draft,
            trainer,
            scores={lines[0].id: 4, lines[3].id: 7},
            notes="Changed",
            breach=None,
        )
    db.session.rollback()
    db.session.expire_all()
    fresh = db.session.get(Assessment, draft.id)
    assert {s.line_id: s.points for s in fresh.scores} == {lines[0].id: 3, lines[3].id: 1}
    assert (fresh.notes, fresh.breach_criterion_id) == ("Fine", criteria["C3-ETH"].id)


# --- sign-off ------------------------------------------------------------------------------


def test_sign_off_waits_for_every_line(draft, trainer):
    lines = draft.rubric.lines
    scoring.score_lines(draft, {lines[0].id: 3, lines[1].id: 3}, trainer)
    with pytest.raises(ServiceError, match=r"\(3 left\)"):
        lifecycle.sign_off(draft, trainer)
    db.session.expire_all()
    fresh = db.session.get(Assessment, draft.id)
    assert fresh.status == "draft" and fresh.open_slot == draft.user_id
    assert not _events(fresh, "sign_off")


def test_a_sheet_changed_since_the_review_is_not_signed_off(draft, trainer):
    scoring.score_lines(draft, _full(draft), trainer)
    reviewed = len(_events(draft))
    scoring.set_notes(draft, "Late note", trainer)
    with pytest.raises(ServiceError, match="changed since"):
        lifecycle.sign_off(draft, trainer, expected_events=reviewed)
    lifecycle.sign_off(draft, trainer, expected_events=reviewed + 1)
    assert draft.status == AssessmentStatus.SIGNED_OFF


def test_after_sign_off_everything_is_read_only(draft, trainer, criteria):
    scoring.score_lines(draft, _full(draft), trainer)
    signed = lifecycle.sign_off(draft, trainer)
    assert signed.status == "signed_off" and signed.open_slot is None
    assert signed.signed_off_by_id == trainer.id and signed.signed_off_at is not None
    before = (_count(AssessmentEvent), _count(AssessmentScore))
    line = draft.rubric.lines[0]
    for change in (
        lambda: scoring.score_line(draft, line.id, 4, trainer),
        lambda: scoring.mark_breach(draft, criteria["C3-ETH"].id, "Late", trainer),
        lambda: scoring.clear_breach(draft, trainer),
        lambda: scoring.set_notes(draft, "Late", trainer),
        lambda: scoring.save_sheet(draft, trainer, scores={}, notes="", breach=None),
        lambda: lifecycle.sign_off(draft, trainer),
    ):
        with pytest.raises(ServiceError, match="signed off"):
            change()
        db.session.rollback()
    assert (_count(AssessmentEvent), _count(AssessmentScore)) == before
    assert db.session.get(AssessmentScore, draft.scores[0].id).points == 3


def test_a_stale_page_cannot_change_a_signed_off_assessment(draft, trainer, monkeypatch):
    """The status check in Python may read an old value; the conditional UPDATE decides."""
    scoring.score_lines(draft, _full(draft), trainer)
    db.session.execute(
        update(Assessment)
        .where(Assessment.id == draft.id)
        .values(status="signed_off", open_slot=None)
    )
    db.session.commit()
    monkeypatch.setattr(scoring, "_refuse_if_signed_off", lambda assessment: None)
    with pytest.raises(ServiceError, match="signed off"):
        scoring.score_line(draft, draft.rubric.lines[0].id, 1, trainer)
    db.session.rollback()
    assert db.session.get(AssessmentScore, draft.scores[0].id).points == 3


def test_two_simultaneous_sign_offs_sign_once(app, draft, trainer, make_user):
    scoring.score_lines(draft, _full(draft), trainer)
    colleague = make_user("trainer")
    assessment_id, signers = draft.id, [trainer.id, colleague.id]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def sign(user_id):
        with app.app_context():
            try:
                from lms.models import User

                mine = db.session.get(Assessment, assessment_id)
                who = db.session.get(User, user_id)
                mine.rubric.lines  # noqa: B018  (loaded before the race, as a page would)
                barrier.wait(timeout=10)
                lifecycle.sign_off(mine, who)
                outcomes.append(("signed", user_id))
            except ServiceError as refused:
                outcomes.append(("refused", str(refused)))
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign, args=(user_id,)) for user_id in signers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(kind for kind, _ in outcomes) == ["refused", "signed"]
    assert "already signed off" in next(text for kind, text in outcomes if kind == "refused")
    db.session.expire_all()
    fresh = db.session.get(Assessment, assessment_id)
    winner = next(who for kind, who in outcomes if kind == "signed")
    assert fresh.status == "signed_off" and fresh.signed_off_by_id == winner
    assert len(_events(fresh, "sign_off")) == 1


# --- from scores to results (pure) -----------------------------------------------------------


def _scored(*items):
    return [
        ScoredLine(label, code, kind, points, minimum)
        for label, code, kind, points, minimum in items
    ]


def test_results_are_exact_fractions_per_criterion_and_instrument():
    lines = _scored(
        ("Opening", "C2-PROC", Q, 3, None),
        ("Caucus", "C2-PROC", Q, 2, None),
        ("Neutral", "C3-ETH", Q, 4, 3),
        ("No pressure", "C3-ETH", Q, 2, 3),
        ("Written", "C6-DRAFT", C, 1, None),
        ("Parties", "C6-DRAFT", C, 0, None),
        ("Signed", "C6-DRAFT", C, 1, None),
        ("Wording", "C6-DRAFT", Q, 3, None),
    )
    found = {(r.criterion, r.kind): r for r in results.assessment_results(lines)}
    assert found[("C2-PROC", "rubric")].percent == Fraction(125, 2)  # 5 of 8
    assert found[("C3-ETH", "rubric")].percent == 75
    assert found[("C3-ETH", "rubric")].lines_below_minimum == ("No pressure",)
    assert found[("C6-DRAFT", "checklist")].percent == Fraction(200, 3)  # 2 of 3, not 66.7
    assert found[("C6-DRAFT", "rubric")].percent == 75
    assert not any(r.serious_breach for r in found.values())
    assert set(found) == {
        ("C2-PROC", "rubric"),
        ("C3-ETH", "rubric"),
        ("C6-DRAFT", "checklist"),
        ("C6-DRAFT", "rubric"),
    }


def test_a_breach_marks_every_instrument_of_its_criterion_and_only_those():
    lines = _scored(
        ("Opening", "C2-PROC", Q, 4, None),
        ("Written", "C6-DRAFT", C, 1, None),
        ("Wording", "C6-DRAFT", Q, 4, None),
    )
    flagged = {
        (r.criterion, r.kind)
        for r in results.assessment_results(lines, "C6-DRAFT")
        if r.serious_breach
    }
    assert flagged == {("C6-DRAFT", "checklist"), ("C6-DRAFT", "rubric")}
    # A breach on a criterion with no line here still travels, with no percent of its own.
    extra = [r for r in results.assessment_results(lines, "C3-ETH") if r.criterion == "C3-ETH"]
    assert extra == [InstrumentResult("C3-ETH", "rubric", None, True)]


ETHICS = [CriterionRule("C3-ETH", "Professional ethics", True, (Instrument("rubric", 75),))]


def test_a_serious_breach_fails_the_criterion_whatever_the_scores():
    perfect = _scored(("Neutral", "C3-ETH", Q, 4, 3), ("No pressure", "C3-ETH", Q, 4, 3))
    assert evaluate_criteria(ETHICS, results.assessment_results(perfect)).met
    outcome = evaluate_criteria(ETHICS, results.assessment_results(perfect, "C3-ETH"))
    assert not outcome.met
    assert outcome.criteria[0].percent == 100
    assert any("serious breach" in reason for reason in outcome.reasons)


def test_a_line_below_its_minimum_fails_even_with_a_high_percent():
    lines = _scored(
        ("Neutral", "C3-ETH", Q, 4, 3),
        ("No pressure", "C3-ETH", Q, 4, 3),
        ("Caucus information", "C3-ETH", Q, 4, 3),
        ("Disclosure", "C3-ETH", Q, 2, 3),
    )
    outcome = evaluate_criteria(ETHICS, results.assessment_results(lines))
    assert outcome.criteria[0].percent == Fraction(175, 2)  # 87.5 % > 75 % threshold
    assert not outcome.met
    assert any("Disclosure" in reason and "minimum" in reason for reason in outcome.reasons)


def test_results_of_a_stored_assessment(draft, trainer, criteria):
    scoring.score_lines(
        draft, _full(draft, **{"No pressure": 2, "Signatures of the parties": 0}), trainer
    )
    scoring.mark_breach(draft, criteria["C3-ETH"].id, "Took sides", trainer)
    lifecycle.sign_off(draft, trainer)
    loaded = lifecycle.load_assessment(draft.id)
    found = {
        (r.criterion, r.kind): r
        for r in results.assessment_results(results.scored_lines(loaded), "C3-ETH")
    }
    assert found[("C3-ETH", "rubric")] == InstrumentResult(
        "C3-ETH", "rubric", Fraction(5 * 100, 8), True, ("No pressure",)
    )
    assert found[("C6-DRAFT", "checklist")].percent == 0


# --- demo ------------------------------------------------------------------------------------


def test_the_demo_rubrics_and_assessments_are_seeded_once(runner, seed_demo):
    from assessments.standing import standing
    from lms.models import User

    seed_demo()
    rubrics = {r.slug: r for r in db.session.scalars(select(Rubric))}
    role_play, drafting = rubrics["assessed-role-play"], rubrics["settlement-drafting-task"]
    assert role_play.course.slug == "mediator-ethics"
    assert drafting.course.slug == "mediation-agreements"
    by_code = {}
    for line in role_play.lines:
        by_code.setdefault(line.criterion.code, []).append(line)
    assert sorted(by_code) == ["C2-PROC", "C3-ETH", "C4-COMM", "C5-NEG"]
    assert all(line.minimum == 3 for line in by_code["C3-ETH"])
    assert all(line.kind == Q for line in role_play.lines)
    checklist = [line for line in drafting.lines if line.kind == C]
    assert len(checklist) == 8 and {line.criterion.code for line in drafting.lines} == {"C6-DRAFT"}
    states = {(a.user.email, a.status) for a in db.session.scalars(select(Assessment))}
    assert states == {("asel@example.kz", "signed_off"), ("ulan@example.kz", "draft")}
    counts = (_count(Rubric), _count(Assessment), _count(AssessmentScore), _count(AssessmentEvent))

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert (
        _count(Rubric),
        _count(Assessment),
        _count(AssessmentScore),
        _count(AssessmentEvent),
    ) == counts
    asel = db.session.scalar(select(User).where(User.email == "asel@example.kz"))
    results = {(r.criterion, r.kind): r.percent for r in standing(asel).results}
    assert results[("C3-ETH", "rubric")] == Fraction(1300, 16)  # 13 of 16 points
    assert results[("C5-NEG", "rubric")] == 65  # under 70, over the 60 floor
