"""The glossary of legal terms (``lms/glossary.yml``): its data, the page ``/glossary``, and the
check that no avoided rendering of a term appears in the catalogs or the demo content.

The demo content is found by glob, so translations added later (``courses/demo_content/<course>/
{ru,kk}/…``, ``quizzes/demo_content/questions.{ru,kk}.yml``, any ``*.{ru,kk}.yml``) are
checked as soon as they exist. Each scan has a planted-violation test of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from lms.glossary import GlossaryError, find_avoided, glossary, parse

ROOT = Path(__file__).resolve().parents[2]
DEMO_FOLDERS = (
    "courses/demo_content",
    "quizzes/demo_content",
    "certificates/demo_content",
    "assessments/demo_content",
    "seminars/demo_content",
)
DEMO_MODULE_PATTERNS = ("*/demo.py", "*/demo_*.py")
CATALOGS = ("ru", "kk")


# --- what is scanned ---------------------------------------------------------------------


def demo_files(root: Path) -> list[Path]:
    """Every Markdown and YAML file of the demo content, in any language."""
    return sorted(
        path
        for folder in DEMO_FOLDERS
        for pattern in ("**/*.md", "**/*.yml", "**/*.yaml")
        for path in (root / folder).glob(pattern)
    )


def demo_modules(root: Path) -> list[Path]:
    return sorted(
        path
        for pattern in DEMO_MODULE_PATTERNS
        for path in root.glob(pattern)
        if path.parent.name != "tests"
    )


def python_strings(source: str) -> list[tuple[int, str]]:
    """The string literals of a module (the text parts of f-strings too), with their lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def catalog_texts(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every msgid and msgstr (each plural form) of a catalog."""
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id:
            continue
        for value in (message.id, message.string):
            for text in value if isinstance(value, tuple | list) else (value,):
                if text:
                    found.append((message.lineno, text))
    return found


def _findings(relative: str, texts: list[tuple[int, str]]) -> list[str]:
    return [
        f"{relative}:{line}: «{hit.found}» "
        f"({hit.entry.key}: write «{hit.entry.terms[hit.avoid.lang]}»)"
        for line, text in texts
        for hit in find_avoided(text, relative)
    ]


def avoided_in_demo(root: Path) -> list[str]:
    findings = []
    for path in demo_files(root):
        relative = path.relative_to(root).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        findings += _findings(relative, list(enumerate(lines, 1)))
    for path in demo_modules(root):
        relative = path.relative_to(root).as_posix()
        findings += _findings(relative, python_strings(path.read_text(encoding="utf-8")))
    return findings


def avoided_in_catalogs(root: Path) -> list[str]:
    findings = []
    for language in CATALOGS:
        path = root / "lms" / "translations" / language / "LC_MESSAGES" / "messages.po"
        findings += _findings(path.relative_to(root).as_posix(), catalog_texts(path))
    return findings


# --- the real files ------------------------------------------------------------------------


def test_the_scan_sees_the_demo_content():
    files = {path.relative_to(ROOT).as_posix() for path in demo_files(ROOT)}
    modules = {path.relative_to(ROOT).as_posix() for path in demo_modules(ROOT)}
    assert "quizzes/demo_content/questions.yml" in files
    assert "certificates/demo_content/qualifications.yml" in files
    assert sum(name.endswith(".md") for name in files) >= 14
    assert {"courses/demo.py", "quizzes/demo.py", "certificates/demo.py"} <= modules


def test_no_avoided_rendering_in_the_demo_content():
    assert avoided_in_demo(ROOT) == []


def test_no_avoided_rendering_in_the_catalogs():
    assert avoided_in_catalogs(ROOT) == []


# --- planted violations ----------------------------------------------------------------------


def _plant(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_planted_variants_in_translated_demo_files_are_found(tmp_path):
    _plant(tmp_path, "courses/demo_content/c/01-a.md", "## Fine\n\nA mediator.\n")
    _plant(tmp_path, "courses/demo_content/c/kk/01-a.md", "## Жақсы\n\nКәсіби медиаторлар.\n")
    _plant(tmp_path, "courses/demo_content/c/ru/course.yml", "title: Посредник и стороны\n")
    _plant(tmp_path, "quizzes/demo_content/questions.kk.yml", "stem: бітімгершілік келісімге\n")
    _plant(tmp_path, "seminars/demo_content/seminars.kk.yml", "title: Делдалдың жұмысы\n")
    _plant(tmp_path, "assessments/demo_content/rubrics.ru.yml", "a: КВАЛИФИКАЦИОННЫЙ СЕРТИФИКАТ\n")
    _plant(tmp_path, "certificates/demo_content/texts.kk.yml", "a: медиация туралы келісімнің\n")
    found = avoided_in_demo(tmp_path)
    assert [line.split(":")[0] for line in found] == [
        "assessments/demo_content/rubrics.ru.yml",
        "certificates/demo_content/texts.kk.yml",
        "courses/demo_content/c/kk/01-a.md",
        "courses/demo_content/c/ru/course.yml",
        "quizzes/demo_content/questions.kk.yml",
        "seminars/demo_content/seminars.kk.yml",
    ]
    assert "courses/demo_content/c/kk/01-a.md:3: «Кәсіби медиаторлар»" in found[2]
    assert "write «кәсіпқой медиатор»" in found[2]


def test_planted_variant_in_a_demo_module_string_is_found(tmp_path):
    _plant(tmp_path, "seminars/demo.py", 'TITLE = "ok"\nTOPIC = f"Делдал {1}"\n')
    _plant(tmp_path, "quizzes/tests/demo.py", 'X = "делдал"\n')  # not a demo module
    assert avoided_in_demo(tmp_path) == [
        "seminars/demo.py:2: «Делдал» (mediator: write «медиатор»)"
    ]


def test_planted_variant_in_a_catalog_is_found(tmp_path):
    for language in CATALOGS:
        _plant(
            tmp_path,
            f"lms/translations/{language}/LC_MESSAGES/messages.po",
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            'msgid "Certificate"\nmsgstr "Сертификат"\n',
        )
    _plant(
        tmp_path,
        "lms/translations/ru/LC_MESSAGES/messages.po",
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Training certificate"\nmsgstr "Квалификационного сертификата"\n\n'
        'msgid "%(num)d mediator"\nmsgid_plural "%(num)d mediators"\n'
        'msgstr[0] "%(num)d медиатор"\nmsgstr[1] "%(num)d посредника"\n'
        'msgstr[2] "%(num)d медиаторов"\n',
    )
    found = avoided_in_catalogs(tmp_path)
    assert len(found) == 2
    assert found[0].startswith("lms/translations/ru/LC_MESSAGES/messages.po:5: «Квалификационного")
    assert "«посредника»" in found[1]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Кәсіби медиаторлардың тізілімі", ["Кәсіби медиаторлардың"]),
        ("КӘСІБИ  МЕДИАТОР", ["КӘСІБИ  МЕДИАТОР"]),
        ("кәсіби «медиатор»", ["кәсіби «медиатор"]),
        ("кәсіби емес медиаторлар", ["кәсіби емес медиаторлар"]),
        ("бітімгершілік келісімі", ["бітімгершілік келісімі"]),
        ("медиация туралы келісімге қол қойды", ["медиация туралы келісімге"]),
        ("услуги посредника", ["посредника"]),
        ("a Certificate of Qualification", ["Certificate of Qualification"]),
        ("квалификационного сертификата", ["квалификационного сертификата"]),
        ("Біліктілік сертификатын алды", ["Біліктілік сертификатын"]),
        # The Law's own wording and the right terms are not matched.
        ("кәсіби негізде (кәсіпқой медиатор)", []),
        ("кәсіби емес негізде (қоғамдық медиатор)", []),
        ("кәсіпқой емес медиаторлар тізілімі", []),
        ("медиация туралы шарт", []),
        ("дауды (дау-шарды) реттеу туралы келісім", []),
        ("татуласу келісімі", []),
        ("Квалификационные критерии выполнены", []),
        ("Медиаторлардың кәсіптік этикасы кодексі", []),
        # Not across a sentence's end.
        ("Ол кәсіби. Медиатор келді.", []),
    ],
)
def test_variants_match_inflected_forms_and_nothing_else(text, found):
    assert [hit.found for hit in find_avoided(text)] == found


def test_a_file_may_quote_a_variant_it_is_allowed_to():
    text = "Certified public mediator (basic training)"
    assert find_avoided(text, "certificates/demo.py") == []
    assert [hit.found for hit in find_avoided(text, "courses/demo.py")] == [
        "Certified public mediator"
    ]


# --- the data ------------------------------------------------------------------------------


def test_the_laws_own_terms_named_by_the_issue():
    book = glossary()
    assert book.entry("professional-mediator").terms["kk"] == "кәсіпқой медиатор"
    assert (
        book.entry("settlement-agreement").terms["kk"] == "дауды (дау-шарды) реттеу туралы келісім"
    )
    assert book.entry("court-settlement").terms["kk"] == "татуласу келісімі"
    assert book.entry("court-settlement").terms["ru"] == "мировое соглашение"
    for key in ("professional-mediator", "settlement-agreement", "court-settlement"):
        assert book.entry(key).statutory("kk")


def test_only_terms_tagged_verified_are_statutory():
    for entry in glossary().entries:
        for language, status in entry.statuses.items():
            assert entry.statutory(language) == (status == "verified")
            if status == "verified":
                assert "V" in entry.tag.replace("[", " ").split(), entry.key
    book = glossary()
    assert not book.entry("mediative-agreement").statutory("ru")
    assert book.entry("public-mediator").statuses == {"ru": "secondary", "kk": "verified"}


def test_the_glossary_follows_itself():
    """No term or note of the glossary uses a rendering the glossary avoids."""
    book = glossary()
    for entry in book.entries:
        for text in [*entry.terms.values(), *entry.note.values()]:
            assert find_avoided(text, book=book) == [], (entry.key, text)


def test_files_allowed_to_quote_a_variant_exist():
    for _entry, avoid in glossary().avoided():
        for path, why in avoid.allowed_in.items():
            assert (ROOT / path).is_file() and why


def test_every_source_code_of_a_tag_is_explained():
    book = glossary()
    for entry in book.entries:
        if entry.status != "platform" and entry.tag:
            codes = book.sources_of(entry)
            named = entry.tag.strip("[]").replace(";", " ").split()
            assert codes or named in (["S"], ["U"]), entry.key


_TEXTS = {"en": "x", "ru": "х", "kk": "х"}


def _valid() -> dict:
    texts = _TEXTS
    return {
        "key": "term",
        "en": "term",
        "ru": "термин",
        "kk": "термин",
        "tag": "[V L1]",
        "status": "verified",
        "note": texts,
        "avoid": [{"lang": "kk", "text": "сөз", "reason": texts}],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tag": "[S]"}, r"status verified needs \[V"),
        ({"status": "official"}, "unknown status"),
        ({"status": {"ru": "verified"}}, "one per language"),
        ({"kk": ""}, "the term needs a text"),
        ({"note": {"en": "x", "ru": "х"}}, "the note needs a text"),
        ({"avoid": [{"lang": "kk", "text": "термин", "reason": {}}]}, "reason to avoid"),
        ({"avoid": [{"lang": "de", "text": "x"}]}, "needs lang"),
        (
            {"avoid": [{"lang": "kk", "text": "сөз", "match": "басқа", "reason": _TEXTS}]},
            "does not find its own text",
        ),
    ],
)
def test_a_malformed_entry_is_refused_with_its_key(change, message):
    with pytest.raises(GlossaryError, match=message):
        parse({"entries": [{**_valid(), **change}]})


def test_an_avoided_variant_that_is_the_term_itself_is_refused():
    entry = _valid()
    entry["avoid"] = [{"lang": "kk", "text": "термин", "reason": entry["note"]}]
    with pytest.raises(GlossaryError, match="the term itself"):
        parse({"entries": [entry]})


def test_a_key_used_twice_is_refused():
    with pytest.raises(GlossaryError, match="keys used twice: term"):
        parse({"entries": [_valid(), _valid()]})


# --- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "heading", "statutory"),
    [
        ("en", "Glossary of legal terms", "Statutory term"),
        ("ru", "Глоссарий юридических терминов", "Термин закона"),
        ("kk", "Заң терминдерінің сөздігі", "Заңдағы термин"),
    ],
)
def test_the_page_shows_every_term_in_three_languages(client, language, heading, statutory):
    response = client.get("/glossary", headers={"Accept-Language": language})
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.h1.get_text(strip=True) == heading
    assert [th.get("lang") for th in page.select("table.glossary-table thead th")][:3] == [
        "en",
        "ru",
        "kk",
    ]
    book = glossary()
    rows = page.select("tr.glossary-term")
    assert [row["id"] for row in rows] == [entry.key for entry in book.entries]
    for row, entry in zip(rows, book.entries, strict=True):
        assert row.find("th", lang="en").get_text(strip=True) == entry.terms["en"]
        for code in ("ru", "kk"):
            cell = row.find("td", lang=code)
            assert cell.select_one(".glossary-text").get_text(strip=True) == entry.terms[code]
            badge = cell.select_one(".badge")
            # Only a verified term is called the statutory one.
            assert (badge.get_text(strip=True) == statutory) == entry.statutory(code)
            assert f"glossary-status-{entry.statuses[code]}" in badge["class"]
        note = row.find_next_sibling("tr")
        assert entry.note[language] in note.get_text(" ", strip=True)
        for avoid in entry.avoid:
            assert avoid.text in [s.get_text() for s in note.select("s.glossary-avoid")]
            assert avoid.reason[language] in note.get_text(" ", strip=True)


def test_the_page_explains_every_mark(client):
    page = BeautifulSoup(client.get("/glossary").get_data(as_text=True), "html.parser")
    marks = [dt.get_text(strip=True) for dt in page.select(".glossary-marks dt")]
    assert marks == ["Statutory term", "Secondary source", "Not verified", "Platform's wording"]
    text = page.select_one(".glossary-marks").get_text(" ", strip=True)
    assert "V – verified in the text of the Law" in text
    assert "S – from a secondary source" in text
    assert "U – not verified" in text
    sources = [dt.get_text(strip=True) for dt in page.select(".glossary-sources dt")]
    assert {"L1", "L2", "CPC"} <= set(sources)


def test_the_footer_the_course_and_the_module_pages_link_to_the_glossary(client, make_course):
    course = make_course()
    course_page = f"/courses/{course.slug}"
    module_page = f"{course_page}/{course.modules[0].slug}"
    for path in ("/", course_page):
        page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        assert page.select_one('footer a[href="/glossary"]') is not None, path
    for path in (course_page, module_page):
        page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        assert page.select_one('aside a[href="/glossary"]') is not None, path
