"""Catalog renderings corrected by the December 2026 language review (review-2026-12.md,
section 5): the Kazakh and Russian wording of a few labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "lms" / "translations"

REVIEWED = [
    ("kk", "S – from a secondary source", "S – қайталама (екінші реттік) дереккөзден алынған"),
    (
        "kk",
        "practice – agreed mediation practice, no legal fact",
        "практика – медиацияның жалпы қабылданған практикасы, құқықтық факт емес",
    ),
    ("kk", "Possibly amended", "Өзгертілген болуы мүмкін"),
    ("kk", "possibly amended", "өзгертілген болуы мүмкін"),
    ("ru", "Possibly amended", "Норма могла измениться"),
    ("ru", "possibly amended", "норма могла измениться"),
    ("kk", "Drafting task", "Келісім жобасын әзірлеу тапсырмасы"),
    (
        "kk",
        "This trainer already edits the course.",
        "Бұл тренер курстың өңдеушілері қатарында бар.",
    ),
    ("kk", "Check-in code", "Келуді белгілеу коды"),
    ("kk", "Valid until", "Мына күнге дейін жарамды"),
    ("kk", "Trainee mediators", "Болашақ медиатор-тыңдаушылар"),
    ("ru", "Trainee mediators", "Слушатели (будущие медиаторы)"),
]


def _catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize(("language", "msgid", "expected"), REVIEWED)
def test_reviewed_renderings(language, msgid, expected):
    message = _catalog(language).get(msgid)
    assert message is not None and message.string == expected


def test_no_russian_sentence_ends_right_after_a_date():
    """A Russian long date ends in "г." ("6 декабря 2026 г."): a full stop written after
    ``%(date)s`` prints "г..". Russian messages put the date in brackets or last instead."""
    doubled = [
        message.id
        for message in _catalog("ru")
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        if "%(date)s." in text
    ]
    assert doubled == []
