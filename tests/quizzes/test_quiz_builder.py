"""The quiz builder through the HTTP client, and the quiz services under it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.service_error import ServiceError
from quizzes import publishing, question_authoring, quiz_authoring
from quizzes.models import DrawRule, Quiz, QuizQuestion


@pytest.fixture
def course(make_course, criteria):
    return make_course("Builder course")


def _settings(**overrides) -> dict:
    data = {
        "title": "Final test",
        "slug": "",
        "module_id": "",
        "instructions": "Answer **every** question.",
        "pass_mark": "80",
        "time_limit_minutes": "30",
        "attempts_allowed": "3",
        "wait_minutes": "1440",
        "opens_at": "2026-12-01T09:00",
        "closes_at": "2026-12-20T18:00",
        "shuffle_questions": "y",
        "review_policy": "answers",
        "selection": "fixed",
        "bank_scope": "course",
        "submit": "Save settings",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _state() -> tuple:
    """Everything the builder writes, to prove a refused request changed nothing."""
    quizzes = db.session.execute(
        select(
            Quiz.id, Quiz.title, Quiz.slug, Quiz.pass_mark, Quiz.selection, Quiz.published
        ).order_by(Quiz.id)
    ).all()
    links = db.session.execute(
        select(QuizQuestion.quiz_id, QuizQuestion.question_id, QuizQuestion.position).order_by(
            QuizQuestion.id
        )
    ).all()
    rules = db.session.execute(
        select(DrawRule.quiz_id, DrawRule.criterion_id, DrawRule.count).order_by(DrawRule.id)
    ).all()
    return quizzes, links, rules


def _quiz(quiz_id: int) -> Quiz:
    db.session.expire_all()
    return db.session.get(Quiz, quiz_id)


def _positions(quiz: Quiz) -> list[int]:
    return [
        link.question_id
        for link in sorted(_quiz(quiz.id).fixed_questions, key=lambda item: item.position)
    ]


# --- creating and settings -------------------------------------------------------------------


def test_create_a_quiz_with_its_settings(trainer_client, course):
    module = course.modules[0]
    data = _settings(module_id=str(module.id))
    page = trainer_client.get(f"/manage/quizzes/courses/{course.id}/quizzes/new")
    assert page.status_code == 200 and "Asia/Almaty" in page.get_data(as_text=True)
    response = trainer_client.post_form(f"/manage/quizzes/courses/{course.id}/quizzes/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    quiz = db.session.scalar(select(Quiz))
    assert response.headers["Location"].endswith(f"/manage/quizzes/{quiz.id}/questions")
    assert (quiz.title, quiz.slug, quiz.pass_mark) == ("Final test", "final-test", 80)
    assert (quiz.time_limit_minutes, quiz.attempts_allowed, quiz.wait_minutes) == (30, 3, 1440)
    assert quiz.shuffle_questions is True and quiz.shuffle_options is False
    assert (quiz.review_policy, quiz.selection, quiz.bank_scope) == ("answers", "fixed", "course")
    assert quiz.published is False and quiz.module_id == module.id
    # Typed in Almaty time (UTC+5), stored in UTC.
    assert quiz.opens_at == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert quiz.closes_at == datetime(2026, 12, 20, 13, 0, tzinfo=UTC)
    page = trainer_client.get(f"/manage/quizzes/{quiz.id}/edit").get_data(as_text=True)
    assert re.search(r'name="opens_at"[^>]*value="2026-12-01[ T]09:00', page)  # site's time


def test_edit_settings(trainer_client, make_quiz):
    quiz = make_quiz(questions=1)
    response = trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/edit",
        _settings(title="Renamed", slug="renamed", opens_at="", closes_at="", attempts_allowed=""),
    )
    assert response.status_code == 302
    quiz = _quiz(quiz.id)
    assert (quiz.title, quiz.slug, quiz.opens_at, quiz.attempts_allowed) == (
        "Renamed",
        "renamed",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"closes_at": "2026-11-30T09:00"}, "closes_at"),
        ({"pass_mark": "150"}, "pass_mark"),
        ({"pass_mark": "eighty"}, "pass_mark"),
        ({"pass_mark": "9" * 40}, "pass_mark"),
        ({"time_limit_minutes": "0"}, "time_limit_minutes"),
        ({"wait_minutes": "-1"}, "wait_minutes"),
        ({"attempts_allowed": "x"}, "attempts_allowed"),
        ({"opens_at": "tomorrow"}, "opens_at"),
        ({"title": ""}, "title"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"module_id": "abc"}, "module_id"),
        ({"module_id": "99999999999999999999"}, "module_id"),
        ({"review_policy": "everything"}, "review_policy"),
        ({"selection": "random"}, "selection"),
        ({"bank_scope": "world"}, "bank_scope"),
        ({"title": None, "pass_mark": None}, "title"),
    ],
)
def test_bad_settings_are_refused_beside_their_field(trainer_client, course, overrides, field):
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/quizzes/new", _settings(**overrides)
    )
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Quiz.id))) == 0


def test_a_slug_used_in_the_course_is_refused(trainer_client, make_quiz):
    quiz = make_quiz(questions=1, slug="final")
    other = make_quiz(questions=1, slug="other", course=quiz.course)
    before = _state()
    response = trainer_client.post_form(f"/manage/quizzes/{other.id}/edit", _settings(slug="final"))
    assert response.status_code == 400
    assert "Another quiz of this course uses this address" in response.get_data(as_text=True)
    assert _state() == before


def test_a_module_of_another_course_is_refused(trainer_client, course, make_course):
    stranger = make_course("Other course")
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/quizzes/new",
        _settings(module_id=str(stranger.modules[0].id))
        if hasattr(stranger, "modules")
        else _settings(module_id="424242"),
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Quiz.id))) == 0


def test_instructions_preview_saves_nothing(trainer_client, course):
    data = _settings(instructions="Read *carefully*.", preview="Preview")
    data.pop("submit")
    response = trainer_client.post_form(f"/manage/quizzes/courses/{course.id}/quizzes/new", data)
    assert response.status_code == 200
    assert "Read <em>carefully</em>." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Quiz.id))) == 0


# --- a fixed list ----------------------------------------------------------------------------


def test_add_reorder_and_remove_fixed_questions(trainer_client, course, make_question):
    quiz = quiz_authoring.create_quiz(course, title="Fixed")
    q1, q2, q3 = (make_question(course) for _ in range(3))
    page = trainer_client.get(f"/manage/quizzes/{quiz.id}/questions").get_data(as_text=True)
    assert f'id="add-{q1.id}"' in page and "Not ready to publish" in page
    response = trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/questions/add",
        {"question_ids": [str(q1.id), str(q2.id), str(q3.id), str(q1.id)]},
    )
    assert response.status_code == 302
    assert _positions(quiz) == [q1.id, q2.id, q3.id]
    page = trainer_client.get(f"/manage/quizzes/{quiz.id}/questions").get_data(as_text=True)
    assert f'id="add-{q1.id}"' not in page  # already in the list: not offered again
    move = f"/manage/quizzes/{quiz.id}/questions/{q3.id}/move"
    assert trainer_client.post_form(move, {"direction": "up"}).status_code == 302
    assert _positions(quiz) == [q1.id, q3.id, q2.id]
    trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/questions/{q1.id}/move", {"direction": "down"}
    )
    assert _positions(quiz) == [q3.id, q1.id, q2.id]
    trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/questions/{q3.id}/move", {"direction": "up"}
    )
    assert _positions(quiz) == [q3.id, q1.id, q2.id]  # the first stays first
    assert trainer_client.post_form(move, {"direction": "sideways"}).status_code == 400
    remove = f"/manage/quizzes/{quiz.id}/questions/{q1.id}/remove"
    assert trainer_client.post_form(remove).status_code == 302
    assert _positions(quiz) == [q3.id, q2.id]
    assert [
        link.position
        for link in sorted(_quiz(quiz.id).fixed_questions, key=lambda item: item.position)
    ] == [1, 2]
    assert trainer_client.post_form(remove).status_code == 404  # no longer in the list


def test_questions_of_banks_the_quiz_may_not_use_are_refused(
    trainer_client, course, make_question, make_course, make_user
):
    quiz = quiz_authoring.create_quiz(course, title="Fixed")
    foreign = make_question(make_course("Someone else's", owner=make_user("trainer")))
    inactive = make_question(course)
    inactive.active = False
    db.session.commit()
    for ids, message in [
        ([str(foreign.id)], "not in a bank this quiz uses"),
        ([str(inactive.id)], "inactive or withdrawn"),
        (["424242"], "not in a bank this quiz uses"),
        (["abc"], "Choose questions"),
        (["99999999999999999999"], "Choose questions"),
        ([], "Tick the questions"),
    ]:
        response = trainer_client.post_form(
            f"/manage/quizzes/{quiz.id}/questions/add", {"question_ids": ids}
        )
        assert response.status_code == 400, ids
        assert message in response.get_data(as_text=True)
    assert _quiz(quiz.id).fixed_questions == []


def test_removing_the_last_question_of_a_published_quiz_is_refused(trainer_client, make_quiz):
    quiz = make_quiz(questions=1)
    question_id = quiz.fixed_questions[0].question_id
    response = trainer_client.post_form(f"/manage/quizzes/{quiz.id}/questions/{question_id}/remove")
    assert response.status_code == 400
    assert len(_quiz(quiz.id).fixed_questions) == 1


# --- draw rules ------------------------------------------------------------------------------


def test_a_satisfiable_rule_is_saved(trainer_client, course, make_question, criteria):
    quiz = quiz_authoring.create_quiz(course, title="Drawn", selection="draw")
    for _ in range(3):
        make_question(course, "C3-ETH", difficulty=2)
    page = trainer_client.get(f"/manage/quizzes/{quiz.id}/questions").get_data(as_text=True)
    assert "Draw rules" in page
    response = trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/rules",
        {"criterion": str(criteria["C3-ETH"].id), "count": "2", "difficulty": "2"},
    )
    assert response.status_code == 302
    rule = _quiz(quiz.id).draw_rules[0]
    assert (rule.criterion_id, rule.count, rule.difficulty) == (criteria["C3-ETH"].id, 2, 2)
    assert publishing.question_count(_quiz(quiz.id)) == 2
    assert quiz_authoring.bank_counts(_quiz(quiz.id)) == {(criteria["C3-ETH"].id, 2): 3}


def test_an_unsatisfiable_rule_is_refused_with_the_reason_and_not_saved(
    trainer_client, course, make_question, criteria
):
    quiz = quiz_authoring.create_quiz(course, title="Drawn", selection="draw")
    make_question(course, "C1-LAW")
    make_question(course, "C1-LAW")
    before = _state()
    response = trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/rules",
        {"criterion": str(criteria["C1-LAW"].id), "count": "5", "difficulty": ""},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "C1-LAW: 5 questions wanted, the bank has 2." in page
    assert 'id="count-error"' in page
    assert _state() == before
    # Of one difficulty: the bank has none of difficulty 3.
    response = trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/rules",
        {"criterion": str(criteria["C1-LAW"].id), "count": "1", "difficulty": "3"},
    )
    assert response.status_code == 400 and "the bank has 0" in response.get_data(as_text=True)
    assert _state() == before


@pytest.mark.parametrize(
    "data",
    [
        {"criterion": "abc", "count": "1"},
        {"criterion": "99999999999999999999", "count": "1"},
        {"criterion": "424242", "count": "1"},
        {"count": "0"},
        {"count": "lots"},
        {"count": "1", "difficulty": "9"},
        {},
    ],
)
def test_bad_rules_are_a_400(trainer_client, course, make_question, criteria, data):
    quiz = quiz_authoring.create_quiz(course, title="Drawn", selection="draw")
    make_question(course, "C1-LAW")
    data = {"criterion": str(criteria["C1-LAW"].id), "difficulty": "", **data}
    response = trainer_client.post_form(f"/manage/quizzes/{quiz.id}/rules", data)
    assert response.status_code == 400
    assert "Please check the form" in response.get_data(as_text=True)
    assert _quiz(quiz.id).draw_rules == []


def test_rules_of_any_and_of_one_difficulty_do_not_mix(app, course, make_question, criteria):
    quiz = quiz_authoring.create_quiz(course, title="Drawn", selection="draw")
    for difficulty in (1, 1, 2):
        make_question(course, "C1-LAW", difficulty=difficulty)
    quiz_authoring.add_rule(quiz, criteria["C1-LAW"], 1, 1)
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.add_rule(quiz, criteria["C1-LAW"], 1, None)
    assert refused.value.field == "difficulty"
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.add_rule(quiz, criteria["C1-LAW"], 1, 1)
    assert refused.value.field == "criterion"
    quiz_authoring.add_rule(quiz, criteria["C1-LAW"], 1, 2)
    assert sorted(r.difficulty for r in _quiz(quiz.id).draw_rules) == [1, 2]


def test_remove_a_rule(trainer_client, make_quiz, add_draw_rule, criteria, make_course):
    quiz = make_quiz(questions=2)
    quiz.published = False
    db.session.commit()
    add_draw_rule(quiz, criteria["C1-LAW"], 1)
    rule = _quiz(quiz.id).draw_rules[0]
    other = make_quiz(questions=1, course=make_course("Another"), slug="x")
    add_draw_rule(other, criteria["C1-LAW"], 1)
    foreign_rule = _quiz(other.id).draw_rules[0]
    assert (
        trainer_client.post_form(
            f"/manage/quizzes/{quiz.id}/rules/{foreign_rule.id}/remove"
        ).status_code
        == 404
    )
    assert (
        trainer_client.post_form(f"/manage/quizzes/{quiz.id}/rules/{rule.id}/remove").status_code
        == 302
    )
    assert _quiz(quiz.id).draw_rules == []
    assert len(_quiz(other.id).draw_rules) == 1


def test_switching_to_a_draw_the_bank_cannot_satisfy_is_refused(
    trainer_client, make_quiz, criteria
):
    quiz = make_quiz(questions=2)
    quiz.published = False
    quiz.draw_rules.append(DrawRule(criterion_id=criteria["C1-LAW"].id, count=5))
    db.session.commit()
    before = _state()
    response = trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/edit", _settings(selection="draw", slug="final")
    )
    assert response.status_code == 400
    assert "5 questions wanted, the bank has 2" in response.get_data(as_text=True)
    assert _state() == before


# --- publishing ------------------------------------------------------------------------------


def test_an_empty_quiz_cannot_be_published(trainer_client, course):
    quiz = quiz_authoring.create_quiz(course, title="Empty")
    response = trainer_client.post_form(f"/manage/quizzes/{quiz.id}/publish", {"published": "1"})
    assert response.status_code == 400
    assert "Add at least one active question first" in response.get_data(as_text=True)
    assert _quiz(quiz.id).published is False
    draw = quiz_authoring.create_quiz(course, title="Empty draw", selection="draw")
    response = trainer_client.post_form(f"/manage/quizzes/{draw.id}/publish", {"published": "1"})
    assert response.status_code == 400 and "draw rule" in response.get_data(as_text=True)
    assert _quiz(draw.id).published is False


def test_publish_and_unpublish(trainer_client, course, make_question):
    quiz = quiz_authoring.create_quiz(course, title="Ready")
    question = make_question(course)
    quiz_authoring.add_questions(quiz, [question.id], quiz.course.ownerships[0].user)
    url = f"/manage/quizzes/{quiz.id}/publish"
    assert trainer_client.post_form(url, {"published": "1"}).status_code == 302
    assert _quiz(quiz.id).published is True
    assert trainer_client.post_form(url, {"published": "0"}).status_code == 302
    assert _quiz(quiz.id).published is False
    assert trainer_client.post_form(url, {"published": "yes"}).status_code == 400


def test_a_quiz_whose_only_question_is_inactive_cannot_be_published(
    app, course, make_question, trainer
):
    quiz = quiz_authoring.create_quiz(course, title="Ready")
    question = make_question(course)
    quiz_authoring.add_questions(quiz, [question.id], trainer)
    question_authoring.set_question_active(question, False)
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.set_published(quiz, True)
    assert refused.value.field == "published"
    assert _quiz(quiz.id).published is False


# --- the My quizzes page ---------------------------------------------------------------------


def test_my_quizzes_links_to_the_builder_and_the_bank(trainer_client, make_quiz, make_course):
    quiz = make_quiz(questions=1)
    empty = make_course("No quizzes here")
    page = trainer_client.get("/manage/quizzes/").get_data(as_text=True)
    assert f"/manage/quizzes/{quiz.id}/edit" in page
    assert f"/manage/quizzes/courses/{quiz.course_id}/bank" in page
    assert f"/manage/quizzes/courses/{empty.id}/quizzes/new" in page
    assert f"/manage/quizzes/courses/{empty.id}/bank" in page


# --- who may -------------------------------------------------------------------------------


def _routes(quiz, course, rule, question_id):
    return [
        ("GET", f"/manage/quizzes/courses/{course.id}/quizzes/new", None),
        ("POST", f"/manage/quizzes/courses/{course.id}/quizzes/new", _settings(slug="new-one")),
        ("GET", f"/manage/quizzes/{quiz.id}/edit", None),
        ("POST", f"/manage/quizzes/{quiz.id}/edit", _settings(title="Hacked", slug="final")),
        ("GET", f"/manage/quizzes/{quiz.id}/questions", None),
        ("POST", f"/manage/quizzes/{quiz.id}/questions/add", {"question_ids": [str(question_id)]}),
        ("POST", f"/manage/quizzes/{quiz.id}/questions/{question_id}/move", {"direction": "up"}),
        ("POST", f"/manage/quizzes/{quiz.id}/questions/{question_id}/remove", {}),
        (
            "POST",
            f"/manage/quizzes/{quiz.id}/rules",
            {"criterion": str(rule.criterion_id), "count": "1"},
        ),
        ("POST", f"/manage/quizzes/{quiz.id}/rules/{rule.id}/remove", {}),
        ("POST", f"/manage/quizzes/{quiz.id}/publish", {"published": "0"}),
    ]


@pytest.fixture
def built(make_quiz, add_draw_rule, criteria):
    quiz = make_quiz(questions=3)
    add_draw_rule(quiz, criteria["C1-LAW"], 1)
    quiz.selection = "fixed"
    db.session.commit()
    return quiz


@pytest.mark.parametrize("who", ["other_trainer", "trainee"])
def test_only_owners_and_admins_reach_the_builder(app, who, built, make_user, login, trainee):
    user = make_user("trainer") if who == "other_trainer" else trainee
    client = login(user)
    before = _state()
    rule = built.draw_rules[0]
    question_id = built.fixed_questions[1].question_id
    for method, url, data in _routes(built, built.course, rule, question_id):
        response = client.get(url) if method == "GET" else client.post_form(url, data)
        assert response.status_code == 403, (method, url)
    assert _state() == before


def test_an_admin_may_build_any_quiz(admin_client, built):
    rule = built.draw_rules[0]
    question_id = built.fixed_questions[1].question_id
    for method, url, data in _routes(built, built.course, rule, question_id):
        response = admin_client.get(url) if method == "GET" else admin_client.post_form(url, data)
        assert response.status_code in (200, 302, 400), (method, url)


def test_unknown_ids_are_404(trainer_client, built):
    for url in [
        "/manage/quizzes/424242/edit",
        "/manage/quizzes/424242/questions",
        "/manage/quizzes/courses/424242/quizzes/new",
        "/manage/quizzes/99999999999/edit",
    ]:
        assert trainer_client.get(url).status_code == 404, url
    for url in [
        "/manage/quizzes/424242/publish",
        "/manage/quizzes/424242/rules",
        f"/manage/quizzes/{built.id}/rules/424242/remove",
        f"/manage/quizzes/{built.id}/questions/424242/move",
        f"/manage/quizzes/{built.id}/questions/424242/remove",
    ]:
        assert trainer_client.post_form(url, {"direction": "up"}).status_code == 404, url


# --- the services directly -------------------------------------------------------------------


def test_quiz_services_refuse_and_leave_nothing_behind(
    app, course, make_question, criteria, trainer
):
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.create_quiz(course, title="  ")
    assert refused.value.field == "title"
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.create_quiz(course, title="Naive", opens_at=datetime(2026, 1, 1))
    assert refused.value.field == "opens_at"  # a time without its zone is a programming error
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.create_quiz(course, title="T", wait_minutes=True)
    assert refused.value.field == "wait_minutes"
    assert db.session.scalar(select(func.count(Quiz.id))) == 0
    quiz = quiz_authoring.create_quiz(course, title="Fixed one")
    assert quiz.slug == "fixed-one" and quiz.published is False
    with pytest.raises(ServiceError):
        quiz_authoring.create_quiz(course, title="Fixed one")  # the same slug
    # A rule on a quiz that still gives a fixed list is checked all the same.
    before = _state()
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.add_rule(_quiz(quiz.id), criteria["C2-PROC"], 1)
    assert refused.value.field == "count" and "the bank has 0" in refused.value.message
    assert _state() == before
    question = make_question(course)
    quiz_authoring.add_questions(_quiz(quiz.id), [question.id], trainer)
    quiz_authoring.set_published(_quiz(quiz.id), True)
    # Switching a published quiz to a draw without rules would leave trainees nothing.
    before = _state()
    settings = {name: getattr(_quiz(quiz.id), name) for name in quiz_authoring.SETTINGS}
    with pytest.raises(ServiceError) as refused:
        quiz_authoring.update_quiz(_quiz(quiz.id), **{**settings, "selection": "draw"})
    assert refused.value.field == "selection"
    assert _state() == before
    with pytest.raises(ServiceError):
        quiz_authoring.move_question(_quiz(quiz.id), _quiz(quiz.id).fixed_questions[0], 2)
