"""Criteria, quizzes and questions in several languages (issue 19): the definition's words
validated against the original, attempts taken and shown in the trainee's language, grading
and statistics the same in every language, translations carried to a new version and marked
out of date, the side-by-side editors, and the import/export format."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from flask_babel import force_locale
from sqlalchemy import event, select

from courses import learning
from lms import content_translations as ct
from lms.extensions import db
from lms.service_error import ServiceError
from quizzes import attempt_results, attempts, bank, content_io, gradebook, question_texts
from quizzes import translations as qt
from quizzes.models import Attempt, Question, QuizQuestion


def _texts(version, options):
    return json.dumps({"options": options}, ensure_ascii=False)


@pytest.fixture
def quiz(make_quiz):
    quiz = make_quiz(questions=1, review_policy="answers")
    question = quiz.fixed_questions[0].question
    version = question.current
    ct.save(
        version,
        "kk",
        {
            "stem_source": "Негізгі заң қайсы?",
            "texts_json": _texts(version, ["№ 401-IV Заң", "Қате а", "Қате б"]),
        },
    )
    ct.save(version, "ru", {"stem_source": "Какой закон основной?"})
    ct.save(quiz.course, "kk", {"title": "Медиация негіздері"})
    db.session.commit()
    return quiz


def _take(login, user, quiz):
    learning.enrol(user, quiz.course)
    browser = login(user)
    browser.post_form(f"/quizzes/{quiz.id}/start")
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
    )
    return browser, attempt


def _right_option(attempt):
    item = attempt.questions[0]
    options = item.version.definition["options"]
    return next(i for i, index in item.presentation["key"].items() if options[index].get("correct"))


# ---------------------------------------------------------------- the definition's words


def test_the_words_of_a_definition_must_fit_the_original():
    definition = {"options": [{"text": "A", "correct": True}, {"text": "B"}]}
    check = question_texts.check_texts
    assert json.loads(check("single_choice", definition, '{"options": [" А ", "Б"]}')) == {
        "options": ["А", "Б"]
    }
    for bad in (
        '{"options": ["А"]}',  # one of two
        '{"options": ["А", ""]}',  # a blank among them
        '{"options": ["А", "' + "б" * 501 + '"]}',  # too long
        '{"items": ["А", "Б"]}',  # not a part of this type
        "[1, 2]",
        "not json",
    ):
        with pytest.raises(ServiceError):
            check("single_choice", definition, bad)
    pairs = {"pairs": [{"left": "a", "right": "x"}, {"left": "b", "right": "y"}]}
    same_right = '{"pairs": [{"left": "а", "right": "х"}, {"left": "б", "right": "х"}]}'
    with pytest.raises(ServiceError):
        check("matching", pairs, same_right)
    accepted = check("short_text", {"accepted": ["contract"]}, '{"accepted": ["шарт", "келісім"]}')
    assert json.loads(accepted) == {"accepted": ["шарт", "келісім"]}  # its own number of answers


def test_saving_a_translation_that_does_not_fit_is_refused(app, quiz):
    version = quiz.fixed_questions[0].question.current
    with pytest.raises(ServiceError) as refused:
        ct.save(version, "ru", {"texts_json": _texts(version, ["Один"])})
    assert "3" in str(refused.value.message)


# ---------------------------------------------------------------- examined in a language


def test_an_attempt_is_taken_and_shown_in_the_trainees_language(app, quiz, make_user, login):
    kazakh = make_user(language="kk")
    browser, attempt = _take(login, kazakh, quiz)
    assert attempt.language == "kk"
    page = browser.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert "Негізгі заң қайсы?" in page and "№ 401-IV Заң" in page and "Қате а" in page
    assert "Law No. 401-IV" not in page
    # The right option is found by its id whatever the language it was shown in.
    browser.post_form(
        f"/quizzes/attempts/{attempt.id}", {"q1": _right_option(attempt), "action": "submit"}
    )
    db.session.refresh(attempt)
    assert attempt.passed is True
    result = browser.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Негізгі заң қайсы?" in result


def test_untranslated_parts_show_the_original_with_its_language(app, quiz, make_user, login):
    russian = make_user(language="ru")
    browser, attempt = _take(login, russian, quiz)
    page = browser.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert "Какой закон основной?" in page
    assert "Law No. 401-IV" in page  # the options are not translated into Russian
    assert re.search(r'<div lang="en">\s*<fieldset>', page)


def test_results_count_across_languages(app, quiz, make_user, login):
    for language in ("ru", "kk"):
        person = make_user(language=language)
        browser, attempt = _take(login, person, quiz)
        browser.post_form(
            f"/quizzes/attempts/{attempt.id}", {"q1": _right_option(attempt), "action": "submit"}
        )
        db.session.refresh(attempt)
        assert attempt.language == language
        assert [c["code"] for c in attempt.result["criteria"]] == ["C1-LAW"]
        assert attempt.result["criteria"][0]["percent"] == "100.0"
    stats = gradebook.item_statistics(quiz)
    assert len(stats) == 1  # one question, answered in two languages
    _version, item = stats[0]
    assert item.responses == 2 and item.facility == 1


def test_a_short_answer_accepts_the_original_and_the_attempts_language(
    app, make_quiz, criteria, make_user
):
    quiz = make_quiz(questions=0)
    question = bank.create_question(
        quiz.course,
        key="contract",
        criterion=criteria["C1-LAW"],
        type="short_text",
        stem="Name the contract.",
        definition={"accepted": ["mediation contract"]},
        points=1,
        difficulty=1,
        feedback="",
        source="Law Art. 2",
        fact_tag="V",
        verified_on="2026-11-25",
        possibly_amended=False,
    )
    quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=1))
    ct.save(question.current, "kk", {"texts_json": '{"accepted": ["медиация туралы шарт"]}'})
    ct.save(question.current, "ru", {"texts_json": '{"accepted": ["договор о медиации"]}'})
    db.session.commit()

    def percent(language, answer):
        person = make_user(language=language)
        learning.enrol(person, quiz.course)
        with force_locale(language):
            attempt = attempts.start(quiz, person)
        attempts.save_answer(attempt, 1, [answer])
        attempts.submit(attempt)
        return attempt.percent

    assert percent("kk", "Медиация туралы шарт") == 100
    assert percent("kk", "mediation contract") == 100
    assert percent("kk", "договор о медиации") == 0
    assert percent("ru", "договор о медиации") == 100


def test_a_new_version_carries_translations_and_marks_changed_ones_out_of_date(app, quiz):
    question = quiz.fixed_questions[0].question
    old = question.current
    definition = old.definition
    bank.revise_question(
        question,
        stem="Which act is the main law on mediation?",
        definition=definition,
        points=1,
        difficulty=1,
        feedback="",
        source="Law Art. 4",
        fact_tag="V",
        verified_on="2026-11-25",
        possibly_amended=False,
    )
    new = question.current
    assert new.id != old.id
    stem, _, texts = ct.states(new, "kk")
    assert stem.outdated and stem.translation == "Негізгі заң қайсы?"
    assert texts.translation and not texts.outdated
    assert ct.coverage([new])["kk"].outdated == 1
    # An exam shows the original rather than a translation of other words.
    view = qt.version_view(new, "kk", None)
    assert "main law on mediation" in view.stem_html and view.stem_lang == "en"
    assert view.texts["options"][0] == "№ 401-IV Заң" and view.texts_lang is None
    # The old version (and attempts on it) keeps its translation, up to date.
    assert "Негізгі" in qt.version_view(old, "kk", None).stem_html


# ---------------------------------------------------------------- editors


def test_the_question_editor_shows_both_sides_and_saves(app, quiz, trainer_client):
    question = quiz.fixed_questions[0].question
    url = f"/manage/quizzes/bank/{question.id}/translations"
    page = trainer_client.get(url + "?lang=kk").get_data(as_text=True)
    assert "Question 1?" in page and "Негізгі заң қайсы?" in page
    assert "Law No. 401-IV" in page and "№ 401-IV Заң" in page
    response = trainer_client.post_form(
        url + "?lang=ru",
        {
            "lang": "ru",
            "stem_source": "Какой закон основной?",
            "texts-options-0": "Закон № 401-IV",
            "texts-options-1": "Неверно а",
            "texts-options-2": "Неверно б",
        },
    )
    assert response.status_code == 302
    texts = json.loads(ct.text(question.current, "texts_json", "ru"))
    assert texts == {"options": ["Закон № 401-IV", "Неверно а", "Неверно б"]}
    # Two of three options: refused, nothing saved, the typed texts kept.
    response = trainer_client.post_form(
        url, {"lang": "ru", "texts-options-0": "Один", "texts-options-1": "Два"}
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "translate all 3" in body and "Один" in body
    db.session.expire_all()
    assert ct.export(question.current)["ru"]["texts_json"].startswith('{"options": ["Закон')


def test_the_editors_refuse_the_original_language_and_unknown_ones(app, quiz, trainer_client):
    question = quiz.fixed_questions[0].question
    for lang in ("en", "de"):
        url = f"/manage/quizzes/bank/{question.id}/translations?lang={lang}"
        assert trainer_client.get(url).status_code == 404


def test_the_quiz_and_criterion_editors(app, quiz, trainer_client, admin_client, criteria):
    response = trainer_client.post_form(
        f"/manage/quizzes/{quiz.id}/translations",
        {
            "lang": "ru",
            "title": "Итоговый тест",
            "instructions": "## Правила\n\nОтвечайте **все**.",
        },
    )
    assert response.status_code == 302
    criterion = criteria["C1-LAW"]
    # Criteria are edited by administrators only: so are their translations.
    url = f"/manage/quizzes/criteria/{criterion.id}/translations"
    assert trainer_client.post_form(url, {"lang": "ru", "title": "x"}).status_code == 403
    response = admin_client.post_form(url, {"lang": "ru", "title": "Знание правовой базы"})
    assert response.status_code == 302
    db.session.expire_all()
    with force_locale("ru"):
        assert qt.criterion_titles()["C1-LAW"] == "Знание правовой базы"
        html = ct.html(quiz, "instructions")
    assert "<h2" in html and "<strong>все</strong>" in html
    page = admin_client.get("/manage/quizzes/criteria").get_data(as_text=True)
    assert "Translations:" in page


def test_a_russian_trainee_sees_russian_quiz_and_criterion_titles(
    app, quiz, make_user, login, criteria
):
    ct.save(quiz, "ru", {"title": "Итоговый тест", "instructions": "Отвечайте на все вопросы."})
    ct.save(criteria["C1-LAW"], "ru", {"title": "Знание правовой базы"})
    db.session.commit()
    person = make_user(language="ru")
    browser, attempt = _take(login, person, quiz)
    quiz_page = browser.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "Итоговый тест" in quiz_page and "Отвечайте на все вопросы." in quiz_page
    browser.post_form(f"/quizzes/attempts/{attempt.id}", {"action": "submit"})
    result = browser.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Знание правовой базы" in result and "Итоговый тест" in result


# ---------------------------------------------------------------- import and export


def test_translations_go_through_export_and_import(app, quiz, make_course):
    ct.save(quiz, "kk", {"title": "Қорытынды тест"})
    db.session.commit()
    first = content_io.export_yaml(quiz)
    data = yaml.safe_load(first)
    assert data["quiz"]["translations"] == {"kk": {"title": "Қорытынды тест"}}
    assert data["questions"][0]["translations"]["kk"] == {
        "stem": "Негізгі заң қайсы?",
        "options": ["№ 401-IV Заң", "Қате а", "Қате б"],
    }
    other = make_course("Another course")
    imported = content_io.import_yaml(other, first)
    assert content_io.export_yaml(imported) == first
    copy = db.session.scalar(select(Question).where(Question.course_id == other.id))
    assert ct.text(copy.current, "stem_source", "kk") == "Негізгі заң қайсы?"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda item: item["translations"].update(de={"stem": "Frage"}), "“de”"),
        (lambda item: item["translations"]["kk"].update(hint="x"), "hint"),
        (lambda item: item["translations"]["kk"].update(options=["бір"]), "translate all 3"),
    ],
)
def test_an_import_with_a_bad_translation_is_refused(app, quiz, make_course, change, message):
    data = yaml.safe_load(content_io.export_yaml(quiz))
    change(data["questions"][0])
    other = make_course("Another course")
    with pytest.raises(content_io.QuizImportFailed) as failed:
        content_io.import_yaml(other, yaml.safe_dump(data, allow_unicode=True))
    assert any("translations" in p and message in p for p in failed.value.problems)
    assert db.session.scalar(select(Question).where(Question.course_id == other.id)) is None


def test_a_quiz_translation_into_an_unknown_language_is_refused(app, quiz, make_course):
    data = yaml.safe_load(content_io.export_yaml(quiz))
    data["quiz"]["translations"] = {"fr": {"title": "Examen"}}
    with pytest.raises(content_io.QuizImportFailed) as failed:
        content_io.import_yaml(make_course("Other"), yaml.safe_dump(data, allow_unicode=True))
    assert any(p.startswith("quiz: translations:") and "fr" in p for p in failed.value.problems)


# ---------------------------------------------------------------- query counts


def test_the_attempt_page_loads_translations_in_one_query_however_long(
    app, make_quiz, make_user, login, make_course
):
    counts = []
    for size in (3, 12):
        quiz = make_quiz(questions=size, slug=f"t{size}", course=make_course(f"C {size}"))
        for link in quiz.fixed_questions:
            version = link.question.current
            ct.save(version, "kk", {"stem_source": f"Сауал-{version.id}?"})
        db.session.commit()
        person = make_user(language="kk")
        browser, attempt = _take(login, person, quiz)
        statements: list[str] = []

        def listener(*args, seen=statements, **kwargs):
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = browser.get(f"/quizzes/attempts/{attempt.id}?page=all").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert page.count("Сауал-") == size
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_results_of_attempts_before_languages_were_recorded(app, quiz, make_user):
    person = make_user(language="kk")
    learning.enrol(person, quiz.course)
    attempt = attempts.start(quiz, person)
    attempt.language = None  # started before the column existed
    db.session.commit()
    assert qt.attempt_language(attempt) == "en"
    assert attempt_results.result_of(attempt).possible == 1


def test_deleting_a_question_or_a_course_deletes_their_translations(app, quiz):
    question = quiz.fixed_questions[0].question
    ct.save(quiz, "ru", {"title": "Итоговый тест"})
    db.session.commit()

    def kinds():
        return sorted(set(db.session.scalars(select(ct.ContentTranslation.kind))))

    assert kinds() == ["course", "question", "quiz"]
    db.session.delete(question)
    db.session.commit()
    assert kinds() == ["course", "quiz"]
    db.session.delete(db.session.get(type(quiz.course), quiz.course_id))
    db.session.commit()
    assert kinds() == []


def test_the_editor_handles_pairs_rubric_lines_and_the_model_answer(
    app, make_course, criteria, trainer_client
):
    course = make_course("Pairs and essays")
    common = {
        "points": 2,
        "difficulty": 1,
        "feedback": "",
        "source": "Law Art. 4",
        "fact_tag": "V",
        "verified_on": "2026-11-25",
        "possibly_amended": False,
    }
    matching = bank.create_question(
        course,
        key="pairs",
        criterion=criteria["C1-LAW"],
        type="matching",
        stem="Match.",
        definition={
            "pairs": [{"left": "one", "right": "1"}, {"left": "two", "right": "2"}],
        },
        **common,
    )
    essay = bank.create_question(
        course,
        key="essay",
        criterion=criteria["C6-DRAFT"],
        type="free_text",
        stem="Draft a clause.",
        definition={
            "rubric": [{"criterion": "Parties named", "points": 2}],
            "model_answer": "Bolat pays.",
        },
        **common,
    )
    url = f"/manage/quizzes/bank/{matching.id}/translations?lang=kk"
    page = trainer_client.get(url).get_data(as_text=True)
    assert 'name="texts-pairs-1-right"' in page
    response = trainer_client.post_form(
        url,
        {
            "lang": "kk",
            "texts-pairs-0-left": "бір",
            "texts-pairs-0-right": "1",
            "texts-pairs-1-left": "екі",
            "texts-pairs-1-right": "2",
        },
    )
    assert response.status_code == 302
    assert json.loads(ct.text(matching.current, "texts_json", "kk"))["pairs"][1]["left"] == "екі"
    url = f"/manage/quizzes/bank/{essay.id}/translations?lang=ru"
    response = trainer_client.post_form(
        url,
        {"lang": "ru", "texts-rubric-0": "Стороны названы", "texts-model_answer": "Болат платит."},
    )
    assert response.status_code == 302
    view = qt.version_view(essay.current, "ru")
    assert view.texts == {"rubric": ["Стороны названы"], "model_answer": "Болат платит."}
    page = trainer_client.get(url).get_data(as_text=True)
    assert "Parties named" in page and "Стороны названы" in page
