"""The site search (/search): grouped hits from each feature's searcher, case-insensitive in
Kazakh and Russian, originals and translations, only what the reader may see."""

from __future__ import annotations

from lms import content_translations as ct
from lms.extensions import db
from tests.courses.conftest import count_queries  # noqa: F401
from tests.quizzes.conftest import criteria, make_question  # noqa: F401


def _search(client, words: str, **args) -> str:
    response = client.get("/search", query_string={"q": words, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_kazakh_and_russian_words_are_found_whatever_their_case(make_course, make_seminar, client):
    course = make_course("Медиация негіздері", language="kk")
    course.summary = "Дауларды бітімгершілікпен шешу"
    ct.save(course, "ru", {"title": "Основы медиации", "summary": "Примирение сторон"})
    module = course.modules[0]
    ct.save(module, "ru", {"title": "Переговоры и ЭТИКА"})
    db.session.commit()
    seminar = make_seminar("Семинар по Медиации", course=course)

    page = _search(client, "НЕГІЗДЕРІ")  # upper case Kazakh letters
    assert f'href="/courses/{course.slug}"' in page
    page = _search(client, "бітімгершілік")
    assert f'href="/courses/{course.slug}"' in page
    page = _search(client, "основы МЕДИАЦИИ")  # a Russian translation, any case
    assert f'href="/courses/{course.slug}"' in page
    assert f'href="/seminars/{seminar.id}"' in _search(client, "семинар ПО медиации")
    page = _search(client, "этика")  # a module's translated title
    assert f'href="/courses/{course.slug}/{module.slug}"' in page
    assert "Nothing found" in _search(client, "жоқ-сөз")
    assert "Nothing found" in _search(client, "%_")  # % and _ is a character, not a wildcard


def test_drafts_are_hidden_but_from_their_editors(
    make_course, client, trainee_client, login, trainer, make_user
):
    draft = make_course("Hidden draft course", status="draft")
    for browser in (client, trainee_client, login(make_user("trainer"))):
        assert f'href="/courses/{draft.slug}"' not in _search(browser, "hidden draft")
    assert f'href="/courses/{draft.slug}"' in _search(login(trainer), "hidden draft")


def test_module_text_is_searched_only_for_those_who_may_read_it(
    make_course, client, trainee, trainee_client
):
    course = make_course("Reading course")
    module = course.modules[0]
    module.source = "The secret word is қазына."
    db.session.commit()
    assert "/reading-course/" not in _search(client, "ҚАЗЫНА")
    assert "/reading-course/" not in _search(trainee_client, "қазына")
    trainee_client.post_form(f"/courses/{course.slug}/enrol")
    assert f'href="/courses/{course.slug}/{module.slug}"' in _search(trainee_client, "қазына")


def test_trainees_never_get_questions(
    make_course,
    make_question,  # noqa: F811
    trainer,
    login,
    client,
    trainee_client,
    admin_client,
    make_user,
):
    course = make_course("Quiz course")
    question = make_question(course)
    stem = question.current.stem_source  # "Question N?"
    ct.save(question.current, "kk", {"stem_source": "Медиатор кім?"})
    db.session.commit()

    for browser in (client, trainee_client, login(make_user("trainer"))):
        for words in (stem, question.key, "медиатор кім"):
            page = _search(browser, words)
            assert 'id="search-questions"' not in page  # not even a count
            assert "/manage/quizzes/bank/" not in page and "Медиатор кім?" not in page
        # Asking for the group by name gives nothing either.
        assert "/manage/quizzes/bank/" not in _search(browser, stem, group="questions")
    for browser in (login(trainer), admin_client):
        page = _search(browser, "МЕДИАТОР КІМ")
        assert f'href="/manage/quizzes/bank/{question.id}"' in page
        assert f'href="/manage/quizzes/bank/{question.id}"' in _search(browser, question.key)


def test_results_are_paginated_in_a_fixed_number_of_queries(
    make_course,
    client,
    count_queries,  # noqa: F811
):
    for number in range(12):
        make_course(f"Paged course {number:02d}", modules=1)
    page = _search(client, "paged course")
    assert page.count('href="/courses/paged-course-') == 5  # the group's first hits
    assert "All 12 results" in page
    with count_queries() as few:
        _search(client, "paged course", group="courses")
    for number in range(12, 30):
        make_course(f"Paged course {number:02d}", modules=1)
    with count_queries() as many:
        page = _search(client, "paged course", group="courses")
    assert many.n == few.n
    assert page.count('href="/courses/paged-course-') == 20
    assert "page=2" in page
    page = _search(client, "paged course", group="courses", page=2)
    assert page.count('href="/courses/paged-course-') == 10


def test_bad_input_is_answered_not_crashed(client):
    assert "at least two characters" in _search(client, "a")
    _search(client, "x" * 5000)
    _search(client, "курс", group="nonsense")
    _search(client, "")
    assert client.get("/search?q=%00abc").status_code == 400  # NUL: refused by the core
