"""Catalog completeness: every msgid the code marks (and every msgid of messages.pot) has a
non-empty, non-fuzzy msgstr in Russian and Kazakh; the catalogs hold no obsolete entry and no
entry the code no longer marks; placeholders agree between msgid and msgstr."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog, Message

from tests.i18n.catalogs import (
    LANGUAGES,
    ROOT,
    TRANSLATIONS,
    catalog_problems,
    extracted_msgids,
    msgid_key,
    placeholders,
    read_catalog,
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_in_sync(language):
    catalog = read_catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    template = read_catalog(TRANSLATIONS / "messages.pot")
    assert catalog_problems(catalog, template, extracted_msgids()) == []


def test_extraction_reads_templates_python_and_lazy_strings():
    marked = extracted_msgids()
    assert len(marked) > 1000
    assert "Glossary of legal terms" in marked  # a template
    assert "Statutory term" in marked  # _l in lms/views/glossary.py
    assert "%(folder)s exists and is not empty" in marked  # gettext in a service


def test_obsolete_entries_are_dropped_when_messages_are_extracted():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    update = next(line for line in makefile.splitlines() if "pybabel update" in line)
    assert "--ignore-obsolete" in update


def _catalog(*messages: Message) -> Catalog:
    catalog = Catalog(locale="ru")
    for message in messages:
        catalog[message.id] = message
    return catalog


def test_planted_catalog_problems_are_each_reported():
    template = _catalog(
        Message("Saved"),
        Message("Missing"),
        Message("Blank"),
        Message("Fuzzy"),
        Message("%(num)d left"),
        Message(("%(num)d module", "%(num)d modules")),
        Message(("%(num)d try", "%(num)d tries")),
    )
    catalog = _catalog(
        Message("Saved", "Сохранено"),
        Message("Blank", ""),
        Message("Fuzzy", "Нечто", flags=["fuzzy"]),
        Message("%(num)d left", "Осталось %(count)d"),
        Message(("%(num)d module", "%(num)d modules"), ("%(num)d модуль", "", "%(num)d модулей")),
        Message(
            ("%(num)d try", "%(num)d tries"), ("одна попытка", "%(num)d попытки", "%(num)d попыток")
        ),
        Message("Gone from the code", "Удалено"),
    )
    catalog.obsolete["Old"] = Message("Old", "Старое")
    marked = frozenset(msgid_key(message.id) for message in template if message.id)
    assert catalog_problems(catalog, template, marked) == [
        "untranslated: '%(num)d module'",
        "untranslated: 'Blank'",
        "fuzzy: 'Fuzzy'",
        "missing: 'Missing'",
        "obsolete entry: 'Old'",
        "no longer marked in the code: 'Gone from the code'",
        "placeholders ['%(count)d'] instead of ['%(num)d']: '%(num)d left'",
    ]


def test_a_msgid_marked_in_the_code_but_absent_from_the_template_is_missing():
    template = _catalog(Message("Saved"))
    catalog = _catalog(Message("Saved", "Сохранено"))
    assert catalog_problems(catalog, template, frozenset({"Saved", "New"})) == ["missing: 'New'"]


def test_placeholders_are_read_as_python_formats():
    assert placeholders("%(name)s has %(num)d of %(total).1f%%") == [
        "%(name)s",
        "%(num)d",
        "%(total).1f",
    ]
    assert placeholders("100% sure, 50 %") == []
