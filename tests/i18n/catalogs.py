"""The message catalogs as the checks read them: the msgids the code marks (extracted the way
``make extract-messages`` does, from ``babel.cfg``), ``messages.pot``, and each language's
``messages.po``; and ``catalog_problems``, every reason a catalog is not complete."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "lms" / "translations"
LANGUAGES = ("ru", "kk")
# The packages and keywords of `make extract-messages` (Makefile).
PACKAGES = ("lms", "courses", "seminars", "quizzes", "assessments", "certificates")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# %(name)s, %(num)d, %s … as Python's %-formatting reads them ("%%" is a literal percent).
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0+]*\d*(?:\.\d+)?[sdifr%]")


def msgid_key(message_id) -> str:
    """A message's singular msgid (plural messages have a tuple)."""
    return message_id[0] if isinstance(message_id, tuple | list) else message_id


@cache
def extracted_msgids() -> frozenset[str]:
    """What the code marks for translation today."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return frozenset(
        msgid_key(message)
        for package in PACKAGES
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / package), method_map, options_map, keywords=KEYWORDS
        )
    )


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def placeholders(text: str) -> list[str]:
    """The format placeholders of a text, sorted (``%%`` left out)."""
    return sorted(match.group(0) for match in _PLACEHOLDER.finditer(text) if match.group(0) != "%%")


def _strings(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def catalog_problems(catalog: Catalog, template: Catalog, marked: frozenset[str]) -> list[str]:
    """Every reason ``catalog`` (a language's .po) is not complete and in sync:

    - a msgid of the template (messages.pot) or marked in the code has no entry, an empty
      msgstr (any plural form), or a fuzzy one;
    - an obsolete (``#~``) entry, or an entry the code no longer marks (``make
      extract-messages`` would make it obsolete);
    - a msgstr whose placeholders differ from its msgid's (for plurals: from the plural msgid,
      the one forms other than the first are built from).
    """
    problems = []
    entries = {msgid_key(message.id): message for message in catalog if message.id}
    wanted = {msgid_key(message.id) for message in template if message.id} | set(marked)
    for msgid in sorted(wanted):
        message = entries.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
        elif any(not text for text in _strings(message.string)):
            problems.append(f"untranslated: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
    for message in catalog.obsolete.values():
        problems.append(f"obsolete entry: {msgid_key(message.id)!r}")
    for msgid in sorted(set(entries) - set(marked)):
        problems.append(f"no longer marked in the code: {msgid!r}")
    for msgid, message in sorted(entries.items()):
        if not message.python_format:  # formatted only when the msgid has placeholders
            continue
        ids = _strings(message.id)
        expected = placeholders(ids[-1])
        for text in _strings(message.string):
            found = placeholders(text)
            # A plural form may leave the number out ("одна попытка"), never add one.
            if found != expected and not (len(ids) > 1 and set(found) <= set(expected)):
                problems.append(f"placeholders {found} instead of {expected}: {msgid!r}")
    return problems
