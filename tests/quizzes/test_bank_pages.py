"""The question bank pages through the HTTP client, and the question services under them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.service_error import ServiceError
from quizzes import attempts, question_authoring
from quizzes.models import Attempt, Question, QuestionVersion
from quizzes.question_forms import question_data

# One valid form per type: the type-specific fields as a trainer types them.
TYPE_FIELDS = {
    "single_choice": (
        {"options": "* Law No. 401-IV\nLaw No. 193-FZ\nCivil Procedure Code"},
        {
            "options": [
                {"text": "Law No. 401-IV", "correct": True},
                {"text": "Law No. 193-FZ", "correct": False},
                {"text": "Civil Procedure Code", "correct": False},
            ]
        },
    ),
    "multiple_choice": (
        {"options": "* Voluntariness\n* Confidentiality\nPublicity"},
        {
            "options": [
                {"text": "Voluntariness", "correct": True},
                {"text": "Confidentiality", "correct": True},
                {"text": "Publicity", "correct": False},
            ]
        },
    ),
    "true_false": ({"answer": "false"}, {"answer": False}),
    "short_text": (
        {"accepted": "mediation contract\nдоговор о медиации"},
        {"accepted": ["mediation contract", "договор о медиации"]},
    ),
    "numeric": (
        {"answer": "10", "tolerance": "0", "unit": "working days"},
        {"answer": 10, "tolerance": 0, "unit": "working days"},
    ),
    "matching": (
        {"pairs": "добровольность = Voluntariness\nконфиденциальность = Confidentiality"},
        {
            "pairs": [
                {"left": "добровольность", "right": "Voluntariness"},
                {"left": "конфиденциальность", "right": "Confidentiality"},
            ]
        },
    ),
    "ordering": (
        {"items": "Opening\nExploring interests\nAgreement"},
        {"items": ["Opening", "Exploring interests", "Agreement"]},
    ),
    "free_text": (
        {"rubric": "1 | Refuses the hint\n2 | Cites Law Art. 8", "model_answer": "I refuse."},
        {
            "rubric": [
                {"criterion": "Refuses the hint", "points": 1},
                {"criterion": "Cites Law Art. 8", "points": 2},
            ],
            "model_answer": "I refuse.",
        },
    ),
}


@pytest.fixture
def course(make_course, criteria):
    return make_course("Bank course")


def _common(criteria, **overrides) -> dict:
    data = {
        "key": "new-question",
        "criterion": str(criteria["C1-LAW"].id),
        "stem": "Which **act** is the main law?",
        "points": "2",
        "difficulty": "2",
        "feedback": "See *Art. 1*.",
        "source": "Law Art. 1",
        "fact_tag": "V",
        "verified_on": "2026-11-01",
        "possibly_amended": "y",
        "submit": "Save question",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(Question.id))),
        db.session.scalar(select(func.count(QuestionVersion.id))),
    )


def _error_beside(page: str, field: str) -> str:
    match = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', page)
    assert match, f"no error beside {field}"
    return match.group(1)


# --- creating each type ----------------------------------------------------------------------


@pytest.mark.parametrize("type_name", list(TYPE_FIELDS))
def test_each_type_is_created_through_its_form(trainer_client, course, criteria, type_name):
    fields, definition = TYPE_FIELDS[type_name]
    page = trainer_client.get(f"/manage/quizzes/courses/{course.id}/bank/new/{type_name}")
    assert page.status_code == 200
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/{type_name}",
        {**_common(criteria), **fields},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    question = db.session.scalar(select(Question))
    assert response.headers["Location"].endswith(f"/manage/quizzes/bank/{question.id}")
    assert question.type == type_name and question.key == "new-question"
    version = question.current
    assert version.definition == definition
    assert version.stem_html == "<p>Which <strong>act</strong> is the main law?</p>"
    assert (version.points, version.difficulty, version.fact_tag) == (2, 2, "V")
    assert (version.verified_on, version.possibly_amended) == ("2026-11-01", True)
    assert version.author_id is not None
    # The question page renders the trainee view and the answer key.
    page = trainer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>act</strong>" in page and "Answer key" in page
    assert "<fieldset disabled" in page


def test_choose_type_lists_every_type(trainer_client, course):
    page = trainer_client.get(f"/manage/quizzes/courses/{course.id}/bank/new").get_data(
        as_text=True
    )
    for type_name in TYPE_FIELDS:
        assert f"/bank/new/{type_name}" in page


def test_two_correct_options_of_a_single_choice_are_refused_beside_the_options(
    trainer_client, course, criteria
):
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/single_choice",
        {**_common(criteria), "options": "* one\n* two\nthree"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "exactly one option must be correct" in _error_beside(page, "options")
    assert _counts() == (0, 0)


def test_an_empty_option_is_named_by_its_number(trainer_client, course, criteria):
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/single_choice",
        {**_common(criteria), "options": "* one\n*\nthree"},
    )
    assert response.status_code == 400
    assert "Option 2: must not be empty" in _error_beside(
        response.get_data(as_text=True), "options"
    )


def test_a_numeric_answer_that_is_not_a_number_is_refused_beside_it(
    trainer_client, course, criteria
):
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/numeric",
        {**_common(criteria), "answer": "ten", "tolerance": "0"},
    )
    assert response.status_code == 400
    assert "Enter a number" in _error_beside(response.get_data(as_text=True), "answer")
    assert _counts() == (0, 0)


def test_an_unverified_fact_is_refused(trainer_client, course, criteria):
    fields, _definition = TYPE_FIELDS["true_false"]
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/true_false",
        {**_common(criteria, fact_tag="U"), **fields},
    )
    assert response.status_code == 400
    assert "unverified [U] fact" in _error_beside(response.get_data(as_text=True), "fact_tag")
    assert _counts() == (0, 0)


def test_a_key_used_in_the_bank_is_refused(trainer_client, course, criteria, make_question):
    existing = make_question(course)
    fields, _definition = TYPE_FIELDS["true_false"]
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/true_false",
        {**_common(criteria, key=existing.key), **fields},
    )
    assert response.status_code == 400
    assert "already has this key" in _error_beside(response.get_data(as_text=True), "key")
    assert _counts() == (1, 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"points": "many"}, "points"),
        ({"points": "99999999999999999999999"}, "points"),
        ({"points": "1" * 5000}, "points"),
        ({"points": "0"}, "points"),
        ({"difficulty": "7"}, "difficulty"),
        ({"difficulty": "x"}, "difficulty"),
        ({"criterion": "abc"}, "criterion"),
        ({"criterion": "99999999999999999999"}, "criterion"),
        ({"criterion": "2147483647"}, "criterion"),
        ({"verified_on": "31.12.2026"}, "verified_on"),
        ({"verified_on": "2999-01-01"}, "verified_on"),
        ({"key": "has spaces and ü"}, "key"),
        ({"key": ""}, "key"),
        ({"stem": ""}, "stem"),
        ({"stem": "x" * 20_001}, "stem"),
        ({"source": "s" * 301}, "source"),
        ({"fact_tag": "maybe"}, "fact_tag"),
        ({"key": None, "criterion": None, "stem": None, "points": None}, "points"),
    ],
)
def test_garbage_is_a_400_beside_its_field_never_a_500(
    trainer_client, course, criteria, overrides, field
):
    fields, _definition = TYPE_FIELDS["single_choice"]
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/single_choice",
        {**_common(criteria, **overrides), **fields},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please check the form" in page
    assert _error_beside(page, field)
    assert _counts() == (0, 0)


def test_an_inactive_criterion_cannot_be_chosen(trainer_client, course, criteria):
    criteria["C7-CULT"].active = False
    db.session.commit()
    fields, _definition = TYPE_FIELDS["true_false"]
    page = trainer_client.get(f"/manage/quizzes/courses/{course.id}/bank/new/true_false")
    assert "C7-CULT" not in page.get_data(as_text=True)
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/true_false",
        {**_common(criteria, criterion=str(criteria["C7-CULT"].id)), **fields},
    )
    assert response.status_code == 400
    assert _counts() == (0, 0)


def test_unknown_type_and_unknown_ids_are_404(trainer_client, course):
    assert (
        trainer_client.get(f"/manage/quizzes/courses/{course.id}/bank/new/essay").status_code == 404
    )
    assert trainer_client.get("/manage/quizzes/courses/99999/bank").status_code == 404
    assert trainer_client.get("/manage/quizzes/courses/99999999999/bank").status_code == 404
    assert trainer_client.get("/manage/quizzes/bank/424242").status_code == 404
    assert trainer_client.get("/manage/quizzes/bank/424242/edit").status_code == 404
    assert (
        trainer_client.post_form("/manage/quizzes/bank/424242/active", {"active": "0"}).status_code
        == 404
    )
    assert trainer_client.get("/manage/quizzes/bank/-1").status_code == 404


# --- preview ---------------------------------------------------------------------------------


def test_preview_renders_without_saving(trainer_client, course, criteria):
    fields, _definition = TYPE_FIELDS["single_choice"]
    data = {**_common(criteria, stem="A **bold** <script>x</script> stem"), **fields}
    data.pop("submit")
    data["preview"] = "Preview"
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/single_choice", data
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "A <strong>bold</strong> &lt;script&gt;x&lt;/script&gt; stem" in page
    assert "<script>x</script>" not in page
    assert "Law No. 401-IV" in page and "correct:" in page  # trainee view and answer key
    assert _counts() == (0, 0)


def test_preview_shows_definition_problems_but_saves_nothing(trainer_client, course, criteria):
    response = trainer_client.post_form(
        f"/manage/quizzes/courses/{course.id}/bank/new/ordering",
        {**_common(criteria), "items": "only one", "preview": "Preview"},
    )
    assert response.status_code == 200
    assert "needs 3 to 10 items" in _error_beside(response.get_data(as_text=True), "items")
    assert _counts() == (0, 0)


def test_preview_of_an_edit_makes_no_version(trainer_client, course, make_question):
    question = make_question(course)
    data = _form_of(question)
    data["stem"] = "Changed *stem*"
    data["preview"] = "Preview"
    response = trainer_client.post_form(f"/manage/quizzes/bank/{question.id}/edit", data)
    assert response.status_code == 200
    assert "Changed <em>stem</em>" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, question.id).current_version == 1


# --- editing ---------------------------------------------------------------------------------


def _form_of(question: Question) -> dict:
    """What the edit page's form sends when the trainer changes nothing."""
    data = question_data(question)
    sent = {}
    for name, value in data.items():
        if value is None or value is False:
            continue
        if value is True:
            value = "y"
        sent[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    sent["submit"] = "Save question"
    return sent


def test_the_edit_form_shows_the_current_version(trainer_client, course, make_question):
    question = make_question(course)
    page = trainer_client.get(f"/manage/quizzes/bank/{question.id}/edit").get_data(as_text=True)
    assert "* Law No. 401-IV" in page and f'value="{question.key}"' in page
    assert 'value="2026-11-25"' in page


def test_saving_unchanged_makes_no_new_version(trainer_client, course, make_question):
    question = make_question(course)  # its wrong options have no "correct": the form adds it
    response = trainer_client.post_form(
        f"/manage/quizzes/bank/{question.id}/edit", _form_of(question)
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question.id).current_version == 1
    assert _counts() == (1, 1)
    page = trainer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "no new version was made" in page
    # CRLF line ends and surrounding spaces from a browser are no change either.
    data = _form_of(question)
    data["options"] = data["options"].replace("\n", "\r\n") + "\r\n"
    data["stem"] = f"  {data['stem']}\r\n"
    trainer_client.post_form(f"/manage/quizzes/bank/{question.id}/edit", data)
    assert _counts() == (1, 1)


def test_a_change_makes_a_new_version_and_old_attempts_keep_theirs(
    trainer_client, make_quiz, trainer, trainee
):
    quiz = make_quiz(questions=1)
    question = quiz.fixed_questions[0].question
    attempt = attempts.start(quiz, trainee)
    old_version_id = attempt.questions[0].question_version_id
    data = _form_of(question)
    data["options"] = "Law No. 401-IV\n* Wrong 1a\nWrong 1b"  # the key changes
    data["points"] = "3"
    response = trainer_client.post_form(f"/manage/quizzes/bank/{question.id}/edit", data)
    assert response.status_code == 302
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.current_version == 2
    assert question.current.points == 3 and question.current.author_id == trainer.id
    assert question.current.definition["options"][1] == {"text": "Wrong 1a", "correct": True}
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.questions[0].question_version_id == old_version_id
    assert attempt.questions[0].version.version == 1
    # The history says who changed what.
    page = trainer_client.get(f"/manage/quizzes/bank/{question.id}").get_data(as_text=True)
    assert "points 1 → 3" in page and "answer" in page and trainer.display_name in page


def test_the_criterion_is_kept_once_attempts_used_the_question(
    trainer_client, make_quiz, trainee, criteria
):
    quiz = make_quiz(questions=1)
    question = quiz.fixed_questions[0].question
    data = _form_of(question)
    data["criterion"] = str(criteria["C2-PROC"].id)
    attempts.start(quiz, trainee)
    response = trainer_client.post_form(f"/manage/quizzes/bank/{question.id}/edit", data)
    assert response.status_code == 400
    assert "keeps its criterion" in _error_beside(response.get_data(as_text=True), "criterion")
    db.session.expire_all()
    assert db.session.get(Question, question.id).criterion_id == criteria["C1-LAW"].id


def test_the_criterion_may_change_before_any_attempt(
    trainer_client, course, make_question, criteria
):
    question = make_question(course)
    data = _form_of(question)
    data["criterion"] = str(criteria["C2-PROC"].id)
    assert (
        trainer_client.post_form(f"/manage/quizzes/bank/{question.id}/edit", data).status_code
        == 302
    )
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.criterion_id == criteria["C2-PROC"].id and question.current_version == 1


def test_a_bad_edit_changes_nothing(trainer_client, course, make_question):
    question = make_question(course)
    data = _form_of(question)
    data["options"] = "* a\n* b"
    data["key"] = "renamed"
    response = trainer_client.post_form(f"/manage/quizzes/bank/{question.id}/edit", data)
    assert response.status_code == 400
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.key != "renamed" and question.current_version == 1


# --- the services directly -------------------------------------------------------------------


def test_services_refuse_with_the_field_named(app, course, criteria, trainer):
    content = {
        "stem": "Q?",
        "definition": {"answer": True},
        "points": 1,
        "difficulty": 1,
        "feedback": "",
        "source": "",
        "fact_tag": "V",
        "verified_on": "",
        "possibly_amended": False,
    }
    create = question_authoring.create_question
    for changes, field in [
        ({"fact_tag": "[U]"}, "fact_tag"),
        ({"points": True}, "points"),
        ({"points": 101}, "points"),
        ({"difficulty": 0}, "difficulty"),
        ({"definition": {"answer": "yes"}}, "definition"),
        ({"definition": "not a dict"}, "definition"),
        ({"verified_on": "yesterday"}, "verified_on"),
    ]:
        with pytest.raises(ServiceError) as refused:
            create(
                course,
                trainer,
                key="k",
                criterion=criteria["C1-LAW"],
                type="true_false",
                **{**content, **changes},
            )
        assert refused.value.field == field
    with pytest.raises(ServiceError) as refused:
        create(course, trainer, key="k", criterion=None, type="true_false", **content)
    assert refused.value.field == "criterion"
    with pytest.raises(ServiceError) as refused:
        create(course, trainer, key="k", criterion=criteria["C1-LAW"], type="essay", **content)
    assert refused.value.field == "type"
    assert _counts() == (0, 0)
    question = create(
        course, trainer, key="k", criterion=criteria["C1-LAW"], type="true_false", **content
    )
    assert (
        question_authoring.update_question(
            question, trainer, key="k", criterion=criteria["C1-LAW"], **content
        )
        is None
    )
    version = question_authoring.update_question(
        question,
        trainer,
        key="k",
        criterion=criteria["C1-LAW"],
        **{**content, "definition": {"answer": False}},
    )
    assert version.version == 2 and _counts() == (1, 2)


# --- activating ------------------------------------------------------------------------------


def test_deactivate_and_activate(trainer_client, course, make_question):
    question = make_question(course)
    url = f"/manage/quizzes/bank/{question.id}/active"
    assert trainer_client.post_form(url, {"active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question.id).active is False
    page = trainer_client.get(f"/manage/quizzes/bank/{question.id}").get_data(as_text=True)
    assert "inactive" in page and ">Activate<" in page
    assert trainer_client.post_form(url, {"active": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question.id).active is True
    assert trainer_client.post_form(url, {"active": "maybe"}).status_code == 400


def test_deactivating_a_question_a_published_draw_needs_is_refused(
    trainer_client, make_quiz, add_draw_rule, criteria
):
    quiz = make_quiz(questions=2)
    add_draw_rule(quiz, criteria["C1-LAW"], 2)
    question = quiz.fixed_questions[0].question
    response = trainer_client.post_form(
        f"/manage/quizzes/bank/{question.id}/active", {"active": "0"}
    )
    assert response.status_code == 400
    assert "the bank has 1" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, question.id).active is True


# --- the list --------------------------------------------------------------------------------


def test_the_bank_lists_filters_and_pages(trainer_client, course, make_question, criteria):
    for _ in range(27):
        make_question(course)
    ethics = make_question(course, "C3-ETH", difficulty=3)
    ethics.active = False
    ethics.versions[0].possibly_amended = True
    db.session.commit()
    page = trainer_client.get(f"/manage/quizzes/courses/{course.id}/bank").get_data(as_text=True)
    assert "28 questions" in page and "page=2" in page
    second = trainer_client.get(f"/manage/quizzes/courses/{course.id}/bank?page=2").get_data(
        as_text=True
    )
    assert second.count("/manage/quizzes/bank/") == 3
    filtered = trainer_client.get(
        f"/manage/quizzes/courses/{course.id}/bank?criterion={criteria['C3-ETH'].id}"
    ).get_data(as_text=True)
    assert "1 question" in filtered and ethics.key in filtered
    assert "possibly amended" in filtered and "inactive" in filtered
    assert "1 question" in trainer_client.get(
        f"/manage/quizzes/courses/{course.id}/bank?state=inactive&type=single_choice"
    ).get_data(as_text=True)
    assert "1 question" in trainer_client.get(
        f"/manage/quizzes/courses/{course.id}/bank?q={ethics.key}"
    ).get_data(as_text=True)
    # Junk in the query string is ignored, never a 500.
    junk = trainer_client.get(
        f"/manage/quizzes/courses/{course.id}/bank?criterion=x&type=%00&state=1&page=-5&q=%25_"
    )
    assert junk.status_code in (200, 400)


# --- who may -------------------------------------------------------------------------------


def _routes(course, question):
    fields, _definition = TYPE_FIELDS["true_false"]
    return [
        ("GET", f"/manage/quizzes/courses/{course.id}/bank", None),
        ("GET", f"/manage/quizzes/courses/{course.id}/bank/new", None),
        ("GET", f"/manage/quizzes/courses/{course.id}/bank/new/true_false", None),
        (
            "POST",
            f"/manage/quizzes/courses/{course.id}/bank/new/true_false",
            {"key": "x", **fields},
        ),
        ("GET", f"/manage/quizzes/bank/{question.id}", None),
        ("GET", f"/manage/quizzes/bank/{question.id}/edit", None),
        (
            "POST",
            f"/manage/quizzes/bank/{question.id}/edit",
            {**_form_of(question), "stem": "Hacked"},
        ),
        ("POST", f"/manage/quizzes/bank/{question.id}/edit", {"preview": "Preview", "stem": "x"}),
        ("POST", f"/manage/quizzes/bank/{question.id}/active", {"active": "0"}),
    ]


@pytest.mark.parametrize("who", ["other_trainer", "trainee"])
def test_only_owners_and_admins_reach_the_bank(
    app, who, course, make_question, make_user, login, trainee
):
    question = make_question(course)
    user = make_user("trainer") if who == "other_trainer" else trainee
    client = login(user)
    before = _counts()
    for method, url, data in _routes(course, question):
        response = client.get(url) if method == "GET" else client.post_form(url, data)
        assert response.status_code == 403, (method, url)
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert _counts() == before and question.active and question.current.stem_source != "Hacked"


def test_an_admin_may_edit_any_bank(admin_client, course, make_question):
    question = make_question(course)
    for method, url, data in _routes(course, question):
        response = admin_client.get(url) if method == "GET" else admin_client.post_form(url, data)
        assert response.status_code in (200, 302, 400), (method, url)
    assert admin_client.get(f"/manage/quizzes/courses/{course.id}/bank").status_code == 200
