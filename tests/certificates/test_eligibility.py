"""Eligibility: every kind of requirement, met and not met, with the exact words of what is
left. The pure ``evaluate`` on hand-built evidence covers the edges; ``check`` against the
database covers each kind once more with evidence made the way trainees and trainers make it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from assessments import combination
from certificates.eligibility import Evidence, check, evaluate
from certificates.models import IdentityConfirmation, Qualification
from certificates.qualifications import (
    QualificationData,
    all_qualifications,
    confirm_identity,
    load_requirements,
    save_qualification,
    sign_declaration,
)
from config import TestingConfig
from courses.models import Course
from lms import create_app
from lms.database import utcnow
from lms.extensions import db
from lms.service_error import ServiceError
from lms.timezone import site_today
from quizzes.grading import CriterionRule, Instrument, InstrumentResult
from quizzes.models import Criterion
from seminars import attendance

from .factories import (
    assess,
    attend,
    complete,
    demo_criteria,
    graded_attempt,
    make_seminar,
    role_play,
    seat,
)

TODAY = date(2026, 3, 15)
DECLARATION = "I will mediate only with the voluntary consent of the parties."


# --- pure evaluate on hand-built evidence ----------------------------------------------------


@pytest.fixture(scope="module")
def pure_app(tmp_path_factory):
    """An app for the words only (lazy translations need one); no database is touched."""
    folder = tmp_path_factory.mktemp("pure")
    return create_app(TestingConfig(database_url="sqlite://", instance_path=str(folder)))


@pytest.fixture
def pure(pure_app):
    with pure_app.app_context():
        yield


def rules_of(**fields) -> Qualification:
    """A qualification that is never stored: only what ``evaluate`` reads."""
    values = {
        "courses": [],
        "criteria": [],
        "compensable_average": None,
        "min_hours": None,
        "required_session_topics": "",
        "declaration_text": "",
        "declaration_valid_days": None,
        "requires_identity": False,
        "min_age": None,
        "requires_higher_education": False,
    }
    values.update(fields)
    return Qualification(**values)


def only(result, key):
    (requirement,) = [r for r in result.requirements if r.key == key]
    return requirement


RULES = [
    CriterionRule("C3-ETH", "Professional ethics", True, (Instrument("quiz", 90),)),
    CriterionRule("C4-COMM", "Communication", False, (Instrument("rubric", 70),), 60),
    CriterionRule("C5-NEG", "Facilitation of negotiation", False, (Instrument("rubric", 70),), 60),
]
KINDS = {"C3-ETH": "quiz", "C4-COMM": "rubric", "C5-NEG": "rubric"}


def standing_of(average=None, breach=(), **percents):
    """A standing under RULES from percents per criterion (C3_ETH=78, ...)."""
    results = [
        InstrumentResult(code, KINDS[code], Fraction(value), code in breach)
        for code, value in ((name.replace("_", "-"), v) for name, v in percents.items())
    ]
    return combination.evaluate(RULES, results, compensable_average=average)


def criteria_rules(average=None):
    return rules_of(
        criteria=[Criterion(code=rule.code) for rule in RULES], compensable_average=average
    )


def test_nothing_required_means_eligible_and_every_kind_shows_in_a_fixed_order(pure):
    assert evaluate(rules_of(), Evidence(), TODAY).requirements == []
    assert evaluate(rules_of(), Evidence(), TODAY).eligible
    everything = rules_of(
        courses=[Course(title="Mediation law")],
        criteria=[Criterion(code="C3-ETH")],
        min_hours=Decimal("36"),
        required_session_topics="Day 4: ethics",
        declaration_text=DECLARATION,
        requires_identity=True,
        min_age=18,
        requires_higher_education=True,
    )
    result = evaluate(everything, Evidence(courses=[("Mediation law", 0, 5)]), TODAY)
    assert [r.key for r in result.requirements] == [
        "courses",
        "criteria",
        "hours",
        "sessions",
        "declaration",
        "identity",
        "age",
        "education",
    ]
    assert not result.eligible and not any(r.met for r in result.requirements)
    assert result.missing == [
        "Mediation law: 5 of 5 modules left",
        "Qualification criteria met",
        "36 more seminar hours",
        "Attend the session “Day 4: ethics”",
        "Sign the ethics declaration",
        "A trainer checks your identity document",
        "A trainer confirms your date of birth",
        "A trainer confirms your higher education diploma",
    ]


def test_courses_list_the_modules_left_per_course(pure):
    rules = rules_of(courses=[Course(title="A"), Course(title="B"), Course(title="C")])
    done = Evidence(courses=[("Mediation law", 5, 5), ("Procedure", 4, 4)])
    assert only(evaluate(rules, done, TODAY), "courses").met
    partly = Evidence(courses=[("Mediation law", 5, 5), ("Procedure", 1, 4), ("Empty", 0, 0)])
    requirement = only(evaluate(rules, partly, TODAY), "courses")
    assert not requirement.met
    # A course without modules cannot be completed, so it is never met by accident.
    assert requirement.left == ("Procedure: 3 of 4 modules left", "Empty: 0 of 0 modules left")


def test_a_must_pass_criterion_under_its_threshold_names_the_criterion_and_figures(pure):
    failing = evaluate(criteria_rules(), Evidence(criteria=standing_of(C3_ETH=78)), TODAY)
    requirement = only(failing, "criteria")
    assert not requirement.met and not failing.eligible
    assert requirement.left[0] == "Professional ethics: Quiz: 78% < 90% required"
    passing = standing_of(average=70, C3_ETH=90, C4_COMM=70, C5_NEG=70)
    assert only(evaluate(criteria_rules(70), Evidence(criteria=passing), TODAY), "criteria").met


def test_a_serious_breach_fails_the_criterion_whatever_the_percent(pure):
    rules = [
        CriterionRule("C3-ETH", "Professional ethics", True, (Instrument("rubric", 75),)),
    ]
    breach = combination.evaluate(
        rules, [InstrumentResult("C3-ETH", "rubric", Fraction(100), serious_breach=True)]
    )
    requirement = only(
        evaluate(rules_of(criteria=[Criterion(code="C3-ETH")]), Evidence(criteria=breach), TODAY),
        "criteria",
    )
    assert not requirement.met
    assert requirement.left == ("Professional ethics: Rubric: a serious breach was recorded",)


def test_compensation_under_threshold_over_floor_with_the_average_met_is_accepted(pure):
    result = standing_of(average=70, C3_ETH=95, C4_COMM=65, C5_NEG=80)  # average 72.5
    requirement = only(evaluate(criteria_rules(70), Evidence(criteria=result), TODAY), "criteria")
    assert requirement.met and requirement.left == ()
    assert next(row for row in result.criteria if row.code == "C4-COMM").compensated


def test_compensation_fails_when_the_average_is_below_the_required_one(pure):
    result = standing_of(average=70, C3_ETH=95, C4_COMM=65, C5_NEG=70)  # average 67.5
    requirement = only(evaluate(criteria_rules(70), Evidence(criteria=result), TODAY), "criteria")
    assert not requirement.met
    assert requirement.left == (
        "Communication: Rubric: 65% < 70% required",
        "Average of the criteria that may compensate each other: 67.5% < 70% required",
    )


def test_nothing_compensates_a_criterion_under_its_floor(pure):
    result = standing_of(average=70, C3_ETH=95, C4_COMM=55, C5_NEG=100)  # average 77.5
    requirement = only(evaluate(criteria_rules(70), Evidence(criteria=result), TODAY), "criteria")
    assert not requirement.met
    assert requirement.left == (
        "Communication: Rubric: 55% < 70% required",
        "Communication: 55% is below the floor of 60%",
    )


def test_criteria_without_any_result_are_named_as_not_completed(pure):
    missing = evaluate(criteria_rules(), Evidence(criteria=standing_of(C3_ETH=95)), TODAY)
    assert only(missing, "criteria").left == (
        "Communication: Rubric: not completed yet",
        "Facilitation of negotiation: Rubric: not completed yet",
    )
    nothing = only(evaluate(criteria_rules(), Evidence(), TODAY), "criteria")
    assert not nothing.met and nothing.left == ("Qualification criteria met",)


@pytest.mark.parametrize(
    ("attended", "left"),
    [
        (None, "36 more seminar hours"),  # no seminar, or none of its sessions signed off
        ("32.5", "3.5 more seminar hours"),
        ("35.75", "0.3 more seminar hours"),  # never rounded down: 0.25 left is not "0.2"
        ("35.95", "0.1 more seminar hours"),  # ... and never "0.0 more"
        ("36", None),
        ("36.25", None),
    ],
)
def test_hours_say_how_many_more_are_needed(pure, attended, left):
    rules = rules_of(min_hours=Decimal("36"))
    evidence = Evidence(hours=None if attended is None else Decimal(attended))
    requirement = only(evaluate(rules, evidence, TODAY), "hours")
    assert requirement.label == "At least 36 academic hours of seminar attended"
    assert requirement.met is (left is None)
    assert requirement.left == (() if left is None else (left,))


def test_named_sessions_match_the_attended_topics_ignoring_case(pure):
    rules = rules_of(required_session_topics="Day 4: Ethics\n\n  Day 5 assessment  ")
    partly = Evidence(attended_topics=["Day 1: the law", "DAY 4: ETHICS and confidentiality"])
    requirement = only(evaluate(rules, partly, TODAY), "sessions")
    assert not requirement.met
    assert requirement.left == ("Attend the session “Day 5 assessment”",)
    both = Evidence(attended_topics=["day 4: ethics", "Day 5 assessment (role-play)"])
    assert only(evaluate(rules, both, TODAY), "sessions").met


def _signed(text, on: date, hour: int = 6):
    return (text, datetime(on.year, on.month, on.day, hour, tzinfo=UTC))


@pytest.mark.parametrize(
    ("declaration", "today", "left"),
    [
        (None, TODAY, "Sign the ethics declaration"),
        (_signed(DECLARATION, TODAY), TODAY, None),
        (
            _signed("An older wording.", TODAY),
            TODAY,
            "The declaration has changed since you signed it: sign it again",
        ),
        # Valid for 30 days: signed on 15 March, still valid on 14 April, not on 15 April.
        (_signed(DECLARATION, TODAY), TODAY + timedelta(days=30), None),
        (
            _signed(DECLARATION, TODAY),
            TODAY + timedelta(days=31),
            "Your signature is older than 30 days: sign again",
        ),
        # 20:00 UTC on 14 March is 01:00 on 15 March in Almaty: the day the trainee signed.
        (_signed(DECLARATION, TODAY - timedelta(days=1), 20), TODAY + timedelta(days=30), None),
    ],
)
def test_the_declaration_must_be_signed_as_it_reads_now_and_recently(
    pure, declaration, today, left
):
    rules = rules_of(declaration_text=DECLARATION, declaration_valid_days=30)
    requirement = only(evaluate(rules, Evidence(declaration=declaration), today), "declaration")
    assert requirement.met is (left is None)
    assert requirement.left == (() if left is None else (left,))


def test_a_declaration_without_valid_days_does_not_age(pure):
    rules = rules_of(declaration_text=DECLARATION)
    old = Evidence(declaration=_signed(DECLARATION, date(2020, 1, 1)))
    assert only(evaluate(rules, old, TODAY), "declaration").met
    assert [r.key for r in evaluate(rules_of(), old, TODAY).requirements] == []


def _identity(born=None, higher_education=False):
    return IdentityConfirmation(
        legal_name="Әсел Төлеуова", date_of_birth=born, higher_education=higher_education
    )


def test_identity_is_required_only_when_asked_for(pure):
    rules = rules_of(requires_identity=True)
    missing = only(evaluate(rules, Evidence(), TODAY), "identity")
    assert not missing.met and missing.left == ("A trainer checks your identity document",)
    assert only(evaluate(rules, Evidence(identity=_identity()), TODAY), "identity").met
    assert evaluate(rules_of(), Evidence(), TODAY).requirements == []


@pytest.mark.parametrize(
    ("born", "today", "left"),
    [
        (None, TODAY, "A trainer confirms your date of birth"),
        (date(2008, 3, 16), TODAY, "You must be at least 18 years old (you are 17)"),
        (date(2008, 3, 15), TODAY, None),  # the 18th birthday itself
        (date(1990, 1, 1), TODAY, None),
        # Born on 29 February: 18 on 1 March of a common year, not on 28 February.
        (date(2008, 2, 29), date(2026, 2, 28), "You must be at least 18 years old (you are 17)"),
        (date(2008, 2, 29), date(2026, 3, 1), None),
    ],
)
def test_minimum_age_from_the_confirmed_date_of_birth(pure, born, today, left):
    rules = rules_of(min_age=18)
    result = evaluate(rules, Evidence(identity=_identity(born)), today)
    assert only(result, "identity").met  # the age needs an identity check: it has one
    requirement = only(result, "age")
    assert requirement.label == "At least 18 years old"
    assert requirement.met is (left is None)
    assert requirement.left == (() if left is None else (left,))


def test_minimum_age_without_any_identity_asks_for_both(pure):
    result = evaluate(rules_of(min_age=18), Evidence(), TODAY)
    assert [(r.key, r.met) for r in result.requirements] == [("identity", False), ("age", False)]


def test_higher_education_must_be_confirmed(pure):
    rules = rules_of(requires_higher_education=True)
    without = evaluate(rules, Evidence(identity=_identity()), TODAY)
    assert only(without, "identity").met
    education = only(without, "education")
    assert not education.met
    assert education.left == ("A trainer confirms your higher education diploma",)
    with_diploma = Evidence(identity=_identity(higher_education=True))
    assert evaluate(rules, with_diploma, TODAY).eligible


# --- check against the database --------------------------------------------------------------


def test_requirements_read_afterwards_are_those_read_with_the_qualifications(
    make_qualification, make_course, count_queries
):
    """``load_requirements`` (the dashboard card's, when a qualification is still to earn)
    gives each qualification the courses and criteria ``all_qualifications`` reads with it,
    in two queries however many qualifications."""
    demo_criteria()
    first, second = make_course("Mediation law"), make_course("Ethics")
    make_qualification(course_ids=[second.id, first.id], criterion_codes=["C3-ETH", "C1-LAW"])
    make_qualification(kind="qualification", criterion_codes=["C1-LAW"])
    make_qualification(active=False, course_ids=[first.id])

    def requirements(qualifications):
        return [
            (q.id, [c.id for c in q.courses], [c.code for c in q.criteria]) for q in qualifications
        ]

    db.session.expunge_all()
    eager = requirements(all_qualifications(active_only=True))
    db.session.expunge_all()
    offered = all_qualifications(active_only=True, requirements=False)
    with count_queries() as counted:
        load_requirements(offered)
        assert requirements(offered) == eager and len(eager) == 2
    assert counted.n == 2


def test_check_counts_completed_modules(make_qualification, make_course, trainee):
    course = make_course("Mediation law", modules=3)
    qualification = make_qualification(course_ids=[course.id])
    complete(trainee, course, 1)
    requirement = only(check(trainee, qualification, None), "courses")
    assert requirement.left == ("Mediation law: 2 of 3 modules left",)
    complete(trainee, course)
    assert check(trainee, qualification, None).eligible


def test_check_judges_ethics_from_real_quiz_attempts_and_practical_assessments(
    make_qualification, make_course, trainee, trainer
):
    criteria = demo_criteria()
    course = make_course("Ethics")
    complete(trainee, course, 0)  # enrolled: assessments need it
    qualification = make_qualification(kind="qualification", criterion_codes=["C3-ETH"])
    assert criteria["C3-ETH"].title == "Professional ethics"
    rubric = role_play(
        course, [("Neutral language", "C3-ETH", 3), ("No pressure on outcome", "C3-ETH", 3)]
    )
    assess(rubric, trainee, trainer, [4, 3], now=utcnow() - timedelta(days=2))  # 87.5 %
    graded_attempt(course, trainee, [("C3-ETH", 39, True), ("C3-ETH", 11, False)])  # 78 %

    result = check(trainee, qualification, None)
    assert only(result, "criteria").left == ("Professional ethics: Quiz: 78% < 90% required",)
    assert not result.eligible

    graded_attempt(course, trainee, [("C3-ETH", 9, True), ("C3-ETH", 1, False)])  # 90 %: best
    passing = check(trainee, qualification, None)
    assert passing.eligible, passing.missing
    assert [row.percent for row in passing.criteria.criteria] == [Fraction(175, 2)]

    # A retake of the role-play with a serious breach replaces the earlier one and fails C3.
    assess(rubric, trainee, trainer, [4, 4], breach="C3-ETH")
    breach = only(check(trainee, qualification, None), "criteria")
    assert breach.left == ("Professional ethics: Rubric: a serious breach was recorded",)


def test_check_applies_the_compensation_rule_to_signed_off_assessments(
    make_qualification, make_course, trainee, trainer
):
    demo_criteria()
    course = make_course("Practice")
    complete(trainee, course, 0)
    qualification = make_qualification(
        kind="qualification", criterion_codes=["C4-COMM", "C5-NEG"], compensable_average=70
    )
    rubric = role_play(
        course,
        [("Listening", "C4-COMM", None), ("Summarising", "C4-COMM", None)]
        + [(f"Negotiation {n}", "C5-NEG", None) for n in range(1, 6)],
    )
    # C4 100 %, C5 13/20 = 65 %: under its 70 % but over the 60 % floor, average 82.5 %.
    assess(rubric, trainee, trainer, [4, 4, 3, 3, 3, 2, 2], now=utcnow() - timedelta(days=1))
    accepted = check(trainee, qualification, None)
    assert accepted.eligible, accepted.missing
    assert [(row.code, row.compensated) for row in accepted.criteria.criteria] == [
        ("C4-COMM", False),
        ("C5-NEG", True),
    ]
    # A retake: C4 5/8 = 62.5 %, C5 still 65 %: the average 63.75 % is under 70 %.
    assess(rubric, trainee, trainer, [3, 2, 3, 3, 3, 2, 2])
    refused = only(check(trainee, qualification, None), "criteria")
    assert refused.left == (
        "Communication: Rubric: 62.5% < 70% required",
        "Facilitation of negotiation: Rubric: 65% < 70% required",
        "Average of the criteria that may compensate each other: 63.8% < 70% required",
    )


def test_check_counts_only_hours_of_signed_off_sessions(
    make_qualification, make_course, make_user, trainee, trainer
):
    seminar = make_seminar(
        make_course(), trainer, [("Day 1: the law", 8), ("Day 2: procedure", 8), ("Day 3", 4)]
    )
    other = make_user()
    seat(seminar, trainee, other)
    day1, day2, day3 = seminar.sessions
    qualification = make_qualification(min_hours="16")
    attend(day1, trainer, {trainee: "present", other: "present"})
    attend(day2, trainer, {trainee: "4.5", other: "present"})
    # Day 3 is marked but not signed off: the trainer may still change the sheet.
    attend(day3, trainer, {trainee: "present"}, sign=False)
    result = check(trainee, qualification, seminar)
    assert result.hours == Decimal("12.5")
    assert only(result, "hours").left == ("3.5 more seminar hours",)
    assert check(other, qualification, seminar).eligible  # 16 hours on two sheets

    attendance.sign_off(day3, trainer)
    assert check(trainee, qualification, seminar).hours == Decimal("16.5")
    assert check(trainee, qualification, seminar).eligible
    # A correction after sign-off (with its reason) counts at once.
    attendance.correct(day1, trainee.id, "partial", "6", "Left at lunch time", trainer)
    assert only(check(trainee, qualification, seminar), "hours").left == ("1.5 more seminar hours",)
    # Hours of another seminar never count towards this one.
    assert check(trainee, qualification, None).hours is None


def test_check_requires_the_named_sessions_attended(
    make_qualification, make_course, trainee, trainer
):
    seminar = make_seminar(make_course(), trainer, [("Day 4: Ethics", 4), ("Day 5: Assessment", 4)])
    seat(seminar, trainee)
    day4, day5 = seminar.sessions
    qualification = make_qualification(required_session_topics="day 4: ethics\nDay 5")
    attend(day4, trainer, {trainee: "absent"})
    attend(day5, trainer, {trainee: "2"})  # partly present still attended the session
    assert only(check(trainee, qualification, seminar), "sessions").left == (
        "Attend the session “day 4: ethics”",
    )
    attendance.correct(day4, trainee.id, "present", None, "Signed in late on paper", trainer)
    assert check(trainee, qualification, seminar).eligible


def test_check_reads_the_latest_declaration_against_the_current_text(make_qualification, trainee):
    qualification = make_qualification(declaration_text=DECLARATION, declaration_valid_days=30)
    assert only(check(trainee, qualification, None), "declaration").left == (
        "Sign the ethics declaration",
    )
    with pytest.raises(ServiceError):
        sign_declaration(trainee, qualification, "Someone Else")
    sign_declaration(trainee, qualification, f"  {trainee.full_name.upper()} ")
    today = site_today()
    assert check(trainee, qualification, None).eligible
    assert check(trainee, qualification, None, today + timedelta(days=30)).eligible
    assert only(
        check(trainee, qualification, None, today + timedelta(days=31)), "declaration"
    ).left == ("Your signature is older than 30 days: sign again",)
    qualification.declaration_text = DECLARATION + " I will keep confidences."
    db.session.commit()
    assert only(check(trainee, qualification, None), "declaration").left == (
        "The declaration has changed since you signed it: sign it again",
    )
    sign_declaration(trainee, qualification, trainee.full_name)
    assert check(trainee, qualification, None).eligible


def test_the_same_declaration_saved_again_from_a_form_keeps_the_signatures(
    make_qualification, trainee
):
    qualification = make_qualification(declaration_text="First line.\nSecond line.")
    sign_declaration(trainee, qualification, trainee.full_name)
    # The edit form sends the unchanged text back with a browser's CRLF line ends.
    save_qualification(
        QualificationData(
            slug=qualification.slug,
            kind=qualification.kind,
            titles=qualification.titles,
            disclaimers=qualification.disclaimers,
            declaration_text="First line.\r\nSecond line.\r\n",
            requires_identity=False,
        ),
        qualification,
    )
    assert qualification.declaration_text == "First line.\nSecond line."
    assert check(trainee, qualification, None).eligible


def test_check_reads_the_identity_a_trainer_confirmed(make_qualification, trainee, trainer):
    qualification = make_qualification(
        requires_identity=True, min_age=18, requires_higher_education=True
    )
    result = check(trainee, qualification, None, TODAY)
    assert result.missing == [
        "A trainer checks your identity document",
        "A trainer confirms your date of birth",
        "A trainer confirms your higher education diploma",
    ]
    confirm_identity(
        trainee,
        legal_name="Әсел  Төлеуова",
        date_of_birth=date(2008, 3, 16),
        higher_education=False,
        by=trainer,
    )
    assert check(trainee, qualification, None, TODAY).missing == [
        "You must be at least 18 years old (you are 17)",
        "A trainer confirms your higher education diploma",
    ]
    confirm_identity(
        trainee,
        legal_name="Әсел Төлеуова",
        date_of_birth=date(2008, 3, 16),
        higher_education=True,
        by=trainer,
    )
    assert check(trainee, qualification, None, TODAY + timedelta(days=1)).eligible
