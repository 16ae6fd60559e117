"""The glossary of legal terms (``lms/glossary.yml``): the one rendering of each term in
English, Russian and Kazakh, where it comes from, and the variants that must not be used.

``glossary()`` loads the file once; ``find_avoided(text)`` finds the variants in a text
(case-insensitive, each word a stem, so inflected forms match too). The page ``/glossary``
shows it, and ``tests/i18n/test_glossary.py`` scans the catalogs and the demo content with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

PATH = Path(__file__).with_name("glossary.yml")
LANGUAGES = ("en", "ru", "kk")
# The languages a statutory text exists in: a status is given for each.
LAW_LANGUAGES = ("ru", "kk")
STATUSES = ("verified", "secondary", "unverified", "platform")
# The letter the domain files tag each status with ("[V L1]", "[S]", "[U]").
STATUS_LETTERS = {"verified": "V", "secondary": "S", "unverified": "U"}
# Between the words of a variant: spaces, quotes, brackets, dashes; never a sentence's end.
_BETWEEN = r"[\s\u00a0«»\"'()\-–—]{1,4}"


class GlossaryError(ValueError):
    """The glossary file is not as this module expects (said with the entry's key)."""


@dataclass(frozen=True)
class Avoid:
    """A rendering that must not appear, and why."""

    lang: str
    text: str
    reason: dict[str, str]
    allowed_in: dict[str, str] = field(default_factory=dict)
    match: str = ""  # the stems to look for, when the text's own words inflect

    @property
    def pattern(self) -> re.Pattern:
        return _pattern(self.match or self.text)

    def found_in(self, text: str) -> list[str]:
        return [match.group(0) for match in self.pattern.finditer(text)]


@dataclass(frozen=True)
class Entry:
    key: str
    terms: dict[str, str]
    tag: str
    statuses: dict[str, str]  # ru, kk -> a status
    note: dict[str, str]
    avoid: tuple[Avoid, ...] = ()

    def statutory(self, lang: str) -> bool:
        """Whether the term may be presented as the Law's own in that language."""
        return self.statuses.get(lang) == "verified"

    @property
    def status(self) -> str | None:
        """The one status of both languages, or None when they differ."""
        values = set(self.statuses.values())
        return values.pop() if len(values) == 1 else None


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...]
    sources: dict[str, dict[str, str]]

    def entry(self, key: str) -> Entry:
        for entry in self.entries:
            if entry.key == key:
                return entry
        raise KeyError(key)

    def avoided(self) -> list[tuple[Entry, Avoid]]:
        return [(entry, avoid) for entry in self.entries for avoid in entry.avoid]

    def sources_of(self, entry: Entry) -> list[str]:
        """The source codes the entry's tag names ("L1", "CPC"), in the order of ``sources``."""
        words = set(re.findall(r"[A-Z]+\d*", entry.tag))
        return [code for code in self.sources if code in words]


@dataclass(frozen=True)
class Hit:
    entry: Entry
    avoid: Avoid
    found: str


@cache
def _pattern(text: str) -> re.Pattern:
    stems = text.split()
    return re.compile(
        r"(?<!\w)" + _BETWEEN.join(re.escape(stem) + r"\w*" for stem in stems),
        re.IGNORECASE,
    )


def _texts(value, key: str, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(lang), str) or not value[lang].strip() for lang in LANGUAGES
    ):
        raise GlossaryError(f"{key}: {what} needs a text in each of {', '.join(LANGUAGES)}")
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _statuses(value, key: str) -> dict[str, str]:
    if isinstance(value, str):
        value = dict.fromkeys(LAW_LANGUAGES, value)
    if not isinstance(value, dict) or set(value) != set(LAW_LANGUAGES):
        raise GlossaryError(f"{key}: status is one word or one per language (ru, kk)")
    for status in value.values():
        if status not in STATUSES:
            raise GlossaryError(f"{key}: unknown status {status!r} (one of {', '.join(STATUSES)})")
    return dict(value)


def _entry(item: dict) -> Entry:
    key = item.get("key")
    if not isinstance(key, str) or not key:
        raise GlossaryError(f"an entry has no key: {item!r}")
    terms = _texts(item, key, "the term")
    tag = str(item.get("tag") or "")
    statuses = _statuses(item.get("status"), key)
    for status in set(statuses.values()):
        letter = STATUS_LETTERS.get(status)
        if letter and not re.search(rf"\b{letter}\b", tag):
            raise GlossaryError(f"{key}: status {status} needs [{letter} …] in its tag {tag!r}")
    avoid = []
    for variant in item.get("avoid") or ():
        lang = variant.get("lang")
        if lang not in LANGUAGES or not str(variant.get("text") or "").strip():
            raise GlossaryError(f"{key}: an avoid variant needs lang (en, ru, kk) and text")
        avoid.append(
            Avoid(
                lang=lang,
                text=variant["text"].strip(),
                reason=_texts(variant.get("reason"), key, f"the reason to avoid {variant['text']}"),
                allowed_in=dict(variant.get("allowed_in") or {}),
                match=str(variant.get("match") or "").strip(),
            )
        )
        if not avoid[-1].found_in(variant["text"]):
            raise GlossaryError(f"{key}: match {avoid[-1].match!r} does not find its own text")
        if avoid[-1].found_in(terms[lang]):
            raise GlossaryError(f"{key}: the term itself contains {variant['text']!r}")
    return Entry(
        key=key,
        terms=terms,
        tag=tag,
        statuses=statuses,
        note=_texts(item.get("note"), key, "the note"),
        avoid=tuple(avoid),
    )


def parse(data: dict) -> Glossary:
    """A glossary from the file's structure; ``GlossaryError`` names what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise GlossaryError("the glossary needs a list of entries")
    entries = tuple(_entry(item) for item in data["entries"])
    keys = [entry.key for entry in entries]
    if duplicates := sorted({key for key in keys if keys.count(key) > 1}):
        raise GlossaryError(f"keys used twice: {', '.join(duplicates)}")
    sources = {
        code: _texts(text, code, "the source") for code, text in (data.get("sources") or {}).items()
    }
    return Glossary(entries=entries, sources=sources)


@cache
def glossary() -> Glossary:
    """The glossary of ``lms/glossary.yml``, read once per process."""
    return parse(yaml.safe_load(PATH.read_text(encoding="utf-8")))


def find_avoided(text: str, path: str | None = None, book: Glossary | None = None) -> list[Hit]:
    """Every avoided variant in ``text``; ``path`` (relative to the project) leaves out the
    variants that file may quote on purpose."""
    book = book or glossary()
    hits, seen = [], set()
    for entry, avoid in book.avoided():
        if path in avoid.allowed_in:
            continue
        for match in avoid.pattern.finditer(text):
            if match.span() not in seen:  # one variant may be avoided in two languages
                seen.add(match.span())
                hits.append((match.start(), Hit(entry, avoid, match.group(0))))
    return [hit for _start, hit in sorted(hits, key=lambda pair: pair[0])]
