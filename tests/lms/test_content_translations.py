"""Translations of content linked to one original (lms.content_translations), through the
courses' registered kinds: reading with fallback, out-of-date detection, validation, one query
per list, export/import and deletion with the object."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import event, func, select

from courses.models import Course, Module
from lms import content_translations as ct
from lms.extensions import db
from lms.service_error import ServiceError


@pytest.fixture
def course(app):
    course = Course(slug="tr-course", title="Ethics", summary="Duties", language="en")
    db.session.add(course)
    db.session.flush()
    modules = [
        Module(
            course_id=course.id,
            position=i,
            title=f"Module {i}",
            slug=f"m{i}",
            source=f"## Part {i}\n\nText {i}.",
            html=f"<h2>Part {i}</h2><p>Text {i}.</p>",
        )
        for i in range(1, 4)
    ]
    db.session.add_all(modules)
    db.session.commit()
    return course


def _statements(app):
    seen = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_the_reader_sees_a_translation_where_one_exists_else_the_original(app, course):
    ct.save(course, "ru", {"title": "Этика", "summary": ""})
    db.session.commit()
    with force_locale("ru"):
        assert ct.text(course, "title") == "Этика"
        assert ct.text(course, "summary") == "Duties"  # not translated: the original
        assert ct.shown_language(course, "summary") == "en"
    with force_locale("kk"):
        assert ct.text(course, "title") == "Ethics"
    assert ct.text(course, "title", "en") == "Ethics"


def test_markdown_is_rendered_sanitised_on_save_with_its_contents(app, course):
    module = course.modules[0]
    ct.save(module, "kk", {"source": "## Бөлім\n\n<script>alert(1)</script> мәтін"})
    db.session.commit()
    html = ct.html(module, "source", "kk")
    assert "<h2" in html and "Бөлім" in html and "<script" not in html
    assert ct.toc(module, "source", "kk")[0]["name"] == "Бөлім"
    assert ct.html(module, "source", "ru") == module.html  # falls back to the original's HTML
    assert ct.toc(module, "source", "ru") is None


def test_a_translation_is_out_of_date_once_the_original_changes(app, course):
    ct.save(course, "ru", {"title": "Этика"})
    db.session.commit()
    assert [s.outdated for s in ct.states(course, "ru") if s.field.name == "title"] == [False]
    course.title = "Professional ethics"
    db.session.commit()
    state = next(s for s in ct.states(course, "ru") if s.field.name == "title")
    assert (
        state.outdated and state.translation == "Этика" and state.original == "Professional ethics"
    )
    assert ct.coverage([course])["ru"].outdated == 1
    ct.save(course, "ru", {"title": "Профессиональная этика"})
    db.session.commit()
    assert ct.coverage([course])["ru"].outdated == 0


def test_coverage_counts_fields_with_an_original_per_language(app, course):
    course.cover_source = ""
    ct.save(course, "ru", {"title": "Этика", "summary": "Обязанности"})
    ct.save(course, "kk", {"title": "Этика"})
    db.session.commit()
    coverage = ct.coverage([course])
    assert (coverage["ru"].translated, coverage["ru"].total, coverage["ru"].complete) == (
        2,
        2,
        True,
    )
    assert (coverage["kk"].translated, coverage["kk"].total, coverage["kk"].complete) == (
        1,
        2,
        False,
    )
    assert "en" not in coverage  # the original's language


@pytest.mark.parametrize(
    ("locale", "values", "field"),
    [
        ("en", {"title": "x"}, "locale"),  # the original's own language
        ("de", {"title": "x"}, "locale"),  # not offered
        ("ru", {"title": "x" * 201}, "title"),
        ("ru", {"summary": "x" * 501}, "summary"),
    ],
)
def test_bad_translations_are_refused_with_the_field_named(app, course, locale, values, field):
    with pytest.raises(ServiceError) as refused:
        ct.save(course, locale, values)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(ct.ContentTranslation)) == 0


def test_an_unknown_field_is_a_programming_error_and_an_import_error(app, course):
    with pytest.raises(KeyError):
        ct.save(course, "ru", {"slug": "x"})
    with pytest.raises(ServiceError):
        ct.import_values(course, {"ru": {"slug": "x"}})
    with pytest.raises(ServiceError):
        ct.import_values(course, {"ru": ["not", "a", "mapping"]})


def test_a_blank_value_removes_the_translation(app, course):
    ct.save(course, "ru", {"title": "Этика"})
    db.session.commit()
    assert ct.save(course, "ru", {"title": "   "}) == ["title"]
    db.session.commit()
    with force_locale("ru"):
        assert ct.text(course, "title") == "Ethics"


def test_saving_the_same_text_again_changes_nothing(app, course):
    ct.save(course, "ru", {"title": "Этика"})
    db.session.commit()
    assert ct.save(course, "ru", {"title": "Этика"}) == []


def test_a_list_is_read_with_one_query_after_preload(app, course):
    for module in course.modules:
        ct.save(module, "ru", {"title": f"Модуль {module.position}"})
    db.session.commit()
    modules = list(course.modules)
    with app.test_request_context(), force_locale("ru"):
        seen = _statements(app)
        ct.preload(modules)
        titles = [ct.text(m, "title") for m in modules]
        sources = [ct.text(m, "source") for m in modules]
    assert titles == ["Модуль 1", "Модуль 2", "Модуль 3"]
    assert sources == [m.source for m in modules]
    assert len(seen) == 1


def test_the_original_language_costs_no_query(app, course):
    modules = list(course.modules)
    with app.test_request_context(), force_locale("en"):
        seen = _statements(app)
        assert [ct.text(m, "title") for m in modules] == ["Module 1", "Module 2", "Module 3"]
    assert seen == []


def test_export_and_import_carry_every_language(app, course):
    ct.import_values(
        course, {"ru": {"title": "Этика"}, "kk": {"title": "Әдеп", "summary": "Міндеттер"}}
    )
    db.session.commit()
    assert ct.export(course) == {
        "kk": {"summary": "Міндеттер", "title": "Әдеп"},
        "ru": {"title": "Этика"},
    }


def test_deleting_an_object_deletes_its_translations(app, course):
    module = course.modules[0]
    ct.save(module, "ru", {"title": "Модуль"})
    ct.save(course, "ru", {"title": "Этика"})
    db.session.commit()
    db.session.delete(module)
    db.session.commit()
    kinds = db.session.scalars(select(ct.ContentTranslation.kind)).all()
    assert kinds == ["course"]


def test_deleting_a_course_deletes_its_modules_translations(app, course):
    ct.save(course.modules[0], "ru", {"title": "Модуль"})
    ct.save(course, "kk", {"title": "Әдеп"})
    db.session.commit()
    db.session.delete(course)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ct.ContentTranslation)) == 0


def test_an_import_of_the_same_text_keeps_the_out_of_date_mark(app, course):
    ct.save(course, "ru", {"title": "Этика"})
    db.session.commit()
    course.title = "Professional ethics"
    db.session.commit()
    ct.import_values(course, {"ru": {"title": "Этика"}}, refresh=False)
    db.session.commit()
    assert ct.states(course, "ru")[0].outdated  # nobody checked it against the new original
    ct.import_values(course, {"ru": {"title": "Профессиональная этика"}}, refresh=False)
    db.session.commit()
    assert not ct.states(course, "ru")[0].outdated  # a new text, made from the original now
    course.title = "Ethics again"
    ct.save(course, "ru", {"title": "Профессиональная этика"})  # a translator saving: refreshed
    db.session.commit()
    assert not ct.states(course, "ru")[0].outdated


def test_current_only_reads_ignore_a_translation_whose_original_changed(app, course):
    ct.save(course, "ru", {"title": "Этика"})
    db.session.commit()
    assert ct.text(course, "title", "ru", current_only=True) == "Этика"
    course.title = "Professional ethics"
    db.session.commit()
    assert ct.text(course, "title", "ru") == "Этика"  # pages of reading material: still shown
    assert ct.text(course, "title", "ru", current_only=True) == "Professional ethics"
    assert ct.shown_language(course, "title", "ru", current_only=True) == "en"


def test_a_fields_check_validates_and_normalises_before_storing(app, course):
    kind = ct.kind_of(course)

    def check(obj, text):
        if not text.isupper():
            raise ServiceError("upper case only", field="title")
        return text.lower()

    def register(fields):
        ct.register_kind(
            kind.name,
            Course,
            fields,
            original_language=kind.original_language,
            render=kind.render,
            original_html=kind.original_html,
        )

    register(
        tuple(
            ct.Field(f.name, f.label, f.limit, check=check) if f.name == "title" else f
            for f in kind.fields
        )
    )
    try:
        with pytest.raises(ServiceError):
            ct.save(course, "kk", {"title": "этика"})
        ct.save(course, "kk", {"title": "ЭТИКА"})
        db.session.commit()
        assert ct.text(course, "title", "kk") == "этика"
    finally:
        register(kind.fields)


def test_objects_of_several_kinds_are_read_with_one_query(app, course):
    """A course and its modules (two kinds): one query, and a module's translation is not
    taken for the course of the same id."""
    ct.save(course, "ru", {"title": "Этика"})
    for module in course.modules:
        ct.save(module, "ru", {"title": f"Модуль {module.position}"})
    db.session.commit()
    modules = list(course.modules)
    with app.test_request_context(), force_locale("ru"):
        seen = _statements(app)
        ct.preload([course, *modules])
        assert ct.text(course, "title") == "Этика"
        assert [ct.text(m, "title") for m in modules] == ["Модуль 1", "Модуль 2", "Модуль 3"]
        assert ct.text(course, "summary") == "Duties"
    assert len(seen) == 1
