"""Courses and modules in several languages (issue 19): the learner pages in the reader's
language with the original as fallback, the catalogue's languages, the trainers' side-by-side
editor, and translations in course files (import/export)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from courses import (
    authoring,
    content_archive,
    content_bundle,
    content_io,
    editions,
    learning,
    translations,
)
from courses.content_archive import ImportFailed
from courses.models import Course
from lms import content_translations as ct
from lms.extensions import db

RU = {"Accept-Language": "ru"}
KK = {"Accept-Language": "kk"}


def _translate(course: Course, locale: str = "ru", *, modules: bool = True) -> None:
    """Translate the course (made by ``make_course``) and, if ``modules``, every module."""
    ct.save(
        course,
        locale,
        {"title": f"Курс {course.title}", "summary": "Краткое описание", "cover_source": ""},
    )
    if modules:
        for module in course.modules:
            ct.save(
                module,
                locale,
                {
                    "title": f"Модуль {module.position}",
                    "source": f"## Раздел {module.position}\n\nТекст модуля.\n\n## Итоги\n\nВсё.",
                },
            )
    db.session.commit()


def _page(client, url: str, headers=None) -> str:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- learner pages -------------------------------------------------------------------------


def test_a_russian_reader_sees_the_course_and_module_in_russian(client, make_course):
    course = make_course("Ethics")
    _translate(course)
    page = _page(client, "/courses/", RU)
    assert "Курс Ethics" in page and "Краткое описание" in page
    page = _page(client, f"/courses/{course.slug}", RU)
    assert '<h1 class="h2">Курс Ethics</h1>' in page
    assert "Модуль 1" in page and "Модуль 2" in page
    assert "translation-note" not in page  # everything shown is translated


def test_an_enrolled_russian_trainee_reads_the_module_text_and_contents_in_russian(
    make_course, trainee, login
):
    course = make_course("Ethics")
    _translate(course)
    trainee.language = "ru"
    db.session.commit()
    learning.enrol(trainee, course)
    browser = login(trainee)
    page = _page(browser, f"/courses/{course.slug}/{course.modules[0].slug}")
    assert "Текст модуля." in page and "Text of module 1." not in page
    assert re.search(r'<a href="#[^"]+">Раздел 1</a>', page)  # the translation's contents
    assert "Part 1" not in page
    assert "Модуль 2" in page  # the "next" button
    dashboard = _page(browser, "/dashboard")
    assert "Курс Ethics" in dashboard and "Модуль 1" in dashboard


def test_untranslated_text_shows_the_original_with_a_note_and_its_language(
    make_course, trainee, login
):
    course = make_course("Ethics")
    _translate(course, modules=False)  # Russian course page, modules still only in English
    trainee.language = "ru"
    db.session.commit()
    learning.enrol(trainee, course)
    browser = login(trainee)
    page = _page(browser, f"/courses/{course.slug}/{course.modules[0].slug}")
    assert "Text of module 1." in page
    assert '<div class="module-body" lang="en">' in page
    assert 'module-title" lang="en">Module 1</h1>' in page
    assert "translation-note" in page and "English" in page
    page = _page(browser, "/courses/", KK)  # the saved language (ru) wins over the browser's
    assert '<h2 class="h5 card-title"><a' in page and "Курс Ethics" in page
    # In Kazakh nothing is translated: the original everywhere, marked as English.
    anonymous_kk = _page(browser.application.test_client(), f"/courses/{course.slug}", KK)
    assert '<h1 class="h2" lang="en">Ethics</h1>' in anonymous_kk
    assert "translation-note" in anonymous_kk


def test_the_cover_page_is_shown_in_the_readers_language(client, make_course):
    course = make_course("Ethics")
    authoring.update_course(
        course,
        title=course.title,
        slug=course.slug,
        summary=course.summary,
        language="en",
        cover_source="**Welcome** to the course.",
    )
    ct.save(course, "kk", {"cover_source": "Курсқа **қош келдіңіз**."})
    db.session.commit()
    assert "<strong>қош келдіңіз</strong>" in _page(client, f"/courses/{course.slug}", KK)
    assert "<strong>Welcome</strong>" in _page(client, f"/courses/{course.slug}", RU)


# --- which languages a course is available in -----------------------------------------------


def test_a_course_is_available_in_its_original_and_complete_translations(app, make_course):
    course = make_course("Ethics")
    assert translations.available_languages([course]) == {course.id: ["en"]}
    _translate(course, modules=False)
    assert translations.available_languages([course]) == {course.id: ["en"]}  # modules missing
    _translate(course)
    assert translations.available_languages([course]) == {course.id: ["en", "ru"]}
    kazakh = make_course("Заң", language="kk")
    assert translations.available_languages([kazakh])[kazakh.id] == ["kk"]


def test_the_catalogue_lists_and_filters_by_the_languages_a_course_is_available_in(
    client, make_course
):
    translated = make_course("Translated ethics")
    _translate(translated)
    make_course("Only English")
    page = _page(client, "/courses/?language=ru")
    assert "Translated ethics" in page and "Only English" not in page
    page = _page(client, "/courses/?language=en")
    assert "Translated ethics" in page and "Only English" in page
    assert '<span lang="ru">Русский</span>' in page
    assert "Translated ethics" not in _page(client, "/courses/?language=kk")
    # A search finds a course by its translated title too.
    page = _page(client, "/courses/?q=" + "Курс Translated")
    assert "Translated ethics" in page and "Only English" not in page


def _build(make_course, trainee, courses: int, modules: int, start: int = 0):
    for number in range(start, start + courses):
        course = make_course(f"Course {number}", modules=modules)
        _translate(course)
        learning.enrol(trainee, course)
        learning.complete_module(trainee, course.modules[0])


@pytest.mark.parametrize("url", ["/courses/", "/dashboard", "COURSE", "MODULE"])
def test_translated_pages_run_a_constant_number_of_queries(
    app, make_course, trainee, login, count_queries, url
):
    trainee.language = "ru"
    db.session.commit()
    browser = login(trainee)

    def measure() -> int:
        target = url
        if url in ("COURSE", "MODULE"):
            course = db.session.scalar(select(Course).order_by(Course.id))
            target = f"/courses/{course.slug}"
            if url == "MODULE":
                target += f"/{course.modules[0].slug}"
        with count_queries() as counted:
            page = _page(browser, target)
        assert "Курс Course 0" in page or "Модуль" in page
        return counted.n

    _build(make_course, trainee, courses=2, modules=2)
    small = measure()
    _build(make_course, trainee, courses=6, modules=5, start=10)
    large = measure()
    assert small == large, f"{url}: {small} queries with little data, {large} with more"


# --- the trainers' side-by-side editor --------------------------------------------------------


def test_the_course_page_links_the_overview_which_shows_each_languages_state(
    trainer_client, make_course
):
    course = make_course("Ethics")
    page = _page(trainer_client, f"/manage/courses/{course.slug}")
    assert f"/manage/courses/{course.slug}/translations" in page
    _translate(course)
    authoring.update_module(
        course.modules[0],
        None,
        title="Module 1",
        slug=course.modules[0].slug,
        source="A new original text.",
    )
    editions.publish_edition(course)  # translations follow the published original
    page = _page(trainer_client, f"/manage/courses/{course.slug}/translations")
    assert "1 field out of date" in page
    assert "Not translated" in page  # nothing in Kazakh
    module = course.modules[0]
    assert f"/manage/courses/{course.slug}/translations/kk/modules/{module.id}" in page
    assert f"/manage/courses/{course.slug}/translations/ru" in page


def test_the_editor_shows_the_original_saves_removes_and_marks_out_of_date(
    trainer_client, make_course
):
    course = make_course("Ethics")
    module = course.modules[0]
    url = f"/manage/courses/{course.slug}/translations/kk/modules/{module.id}"
    page = _page(trainer_client, url)
    assert "<h2>Part 1</h2>" in page or 'id="part-1"' in page  # the original, rendered
    assert "Text of module 1." in page and "translation-outdated" not in page
    response = trainer_client.post_form(
        url, {"title": "1-модуль", "source": "## Бөлім\n\nМодуль мәтіні."}
    )
    assert response.status_code == 302
    with_translation = ct.states(module, "kk")
    assert [s.translation for s in with_translation] == ["1-модуль", "## Бөлім\n\nМодуль мәтіні."]
    assert "Модуль мәтіні." in _page(trainer_client, url)  # the rendered preview
    authoring.update_module(
        module, None, title="Module 1", slug=module.slug, source="Changed original."
    )
    editions.publish_edition(course)  # translations follow the published original
    page = _page(trainer_client, url)
    assert "translation-outdated" in page and "Changed original." in page
    # Saving again says it matches the original now; blank removes the title's translation.
    trainer_client.post_form(url, {"title": "", "source": "Өзгерген мәтін."})
    states = {s.field.name: s for s in ct.states(module, "kk")}
    assert states["title"].translation is None
    assert states["source"].translation == "Өзгерген мәтін." and not states["source"].outdated


def test_the_editor_refuses_bad_input_with_a_translated_message(trainer, login, make_course):
    course = make_course("Ethics")
    trainer.language = "ru"
    db.session.commit()
    browser = login(trainer)
    url = f"/manage/courses/{course.slug}/translations/kk"
    response = browser.post_form(url, {"title": "Т" * 201, "summary": "", "cover_source": ""})
    assert response.status_code == 400
    assert "Максимальное количество символов: 200." in response.get_data(as_text=True)
    assert ct.states(course, "kk")[0].translation is None
    response = browser.post(url, data={"title": "Без токена"})
    assert response.status_code == 400
    assert ct.states(course, "kk")[0].translation is None


@pytest.mark.parametrize("lang", ["en", "de", "xx"])
def test_the_editor_has_no_page_for_the_original_or_an_unknown_language(
    trainer_client, make_course, lang
):
    course = make_course("Ethics")
    assert trainer_client.get(f"/manage/courses/{course.slug}/translations/{lang}").status_code == (
        404
    )


def test_only_who_may_edit_the_course_opens_its_translations(
    make_course, make_user, login, trainee_client
):
    course = make_course("Ethics")
    other = login(make_user("trainer"))
    for url in (
        f"/manage/courses/{course.slug}/translations",
        f"/manage/courses/{course.slug}/translations/ru",
        f"/manage/courses/{course.slug}/translations/ru/modules/{course.modules[0].id}",
    ):
        assert other.get(url).status_code == 403
        assert trainee_client.get(url).status_code == 403
        if "/translations/" in url:
            assert other.post_form(url, {"title": "Чужой"}).status_code == 403
    assert ct.states(course, "ru")[0].translation is None


# --- translations in course files -------------------------------------------------------------


def test_export_and_import_carry_every_language(app, make_course, trainer):
    course = make_course("Ethics")
    _translate(course)
    ct.save(course.modules[1], "kk", {"title": "2-модуль"})
    db.session.commit()
    files = content_io.export_files(course)
    assert "ru/course.yml" in files and "ru/01-module-1.md" in files
    assert "kk/02-module-2.md" in files and "kk/course.yml" not in files
    assert "title: Курс Ethics" in files["ru/course.yml"].decode()
    db.session.delete(course)
    db.session.commit()
    assert db.session.scalar(select(func.count(ct.ContentTranslation.id))) == 0  # went with it
    result = content_io.import_bundle(content_bundle.parse_bundle(files), owner=trainer)
    assert content_io.export_files(result.course) == files
    assert ct.text(result.course.modules[1], "title", "kk") == "2-модуль"
    assert ct.text(result.course.modules[1], "source", "kk").startswith("## Part 2")  # original


def test_reimporting_an_unchanged_translation_keeps_its_out_of_date_mark(app, make_course, trainer):
    course = make_course("Ethics")
    _translate(course)
    files = content_io.export_files(course)
    module = course.modules[0]
    text = files["01-module-1.md"].decode().replace("Text of module 1.", "Rewritten.")
    files["01-module-1.md"] = text.encode()
    content_io.import_bundle(content_bundle.parse_bundle(files), owner=trainer, update=True)
    states = {s.field.name: s for s in ct.states(module, "ru")}
    assert states["source"].outdated and not states["title"].outdated
    # A new text in the archive is a new translation, made from the original as it is now.
    translated = files["ru/01-module-1.md"].decode().replace("Всё.", "Готово.")
    files["ru/01-module-1.md"] = translated.encode()
    content_io.import_bundle(content_bundle.parse_bundle(files), owner=trainer, update=True)
    assert not {s.field.name: s for s in ct.states(module, "ru")}["source"].outdated


def _problems(files: dict[str, bytes]) -> str:
    with pytest.raises(ImportFailed) as caught:
        content_bundle.parse_bundle(files)
    return str(caught.value)


def test_import_refuses_an_unknown_language_field_or_file_with_a_clear_message(app, make_course):
    files = content_io.export_files(make_course("Ethics"))
    bad = dict(files, **{"de/course.yml": b"title: Ethik\n"})
    assert "de/course.yml: unknown language “de”: translations may be in ru, kk" in _problems(bad)
    bad = dict(files, **{"en/course.yml": b"title: Ethics\n"})
    assert "en/course.yml: the course is written in “en”" in _problems(bad)
    bad = dict(files, **{"ru/course.yml": "title: Этика\nslug: etika\n".encode()})
    assert "ru/course.yml:2: unknown key “slug”" in _problems(bad)
    bad = dict(files, **{"ru/01-module-1.md": b"---\ntitle: M\nminutes: 3\n---\n\nText\n"})
    assert "ru/01-module-1.md:3: unknown key “minutes”" in _problems(bad)
    bad = dict(files, **{"ru/09-nothing.md": b"---\ntitle: M\n---\n\nText\n"})
    assert "ru/09-nothing.md: has no module of that name" in _problems(bad)
    bad = dict(files, **{"ru/01-module-1.md": b"---\ntitle: M\n---\n\n![x](images/none.png)\n"})
    assert "ru/01-module-1.md:5: uses images/none.png" in _problems(bad)
    bad = dict(files, **{"ru/course.yml": b"title: " + "Т".encode() * 201 + b"\n"})
    assert "“title” has 201 characters; at most 200" in _problems(bad)
    bad = dict(files, **{"ru/course.yml": b"title: [1, 2]\n"})
    assert "“title” must be a str" in _problems(bad)


def test_translated_text_counts_towards_the_web_imports_text_limit(app, make_course):
    course = make_course("Ethics")
    ct.save(course.modules[0], "ru", {"source": "Текст. " * 400})
    db.session.commit()
    archive = content_io.export_zip(course)
    assert content_archive.check_import_size(archive, max_modules=5, max_text_kb=100) is None
    too_large = content_archive.check_import_size(archive, max_modules=5, max_text_kb=3)
    assert too_large is not None and too_large.modules == 2 and too_large.text_kb > 3


def test_a_zip_with_translations_imports_through_the_web(trainer_client, make_course):
    course = make_course("Ethics", slug="ethics-zip")
    _translate(course)
    archive = content_io.export_zip(course)
    entries = content_archive.read_zip(archive)
    assert "ru/course.yml" in entries
    db.session.delete(course)
    db.session.commit()
    response = trainer_client.post_form(
        "/manage/courses/import",
        {"file": (io.BytesIO(archive), "ethics.zip"), "update": "no"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    imported = Course.by_slug("ethics-zip")
    assert ct.text(imported, "title", "ru") == "Курс Ethics"
