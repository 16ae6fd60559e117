"""The demo modules: the exporter's own output, and free of the statements the December 2026
review (shared/domain/review-2026-12.md) found wrong."""

from __future__ import annotations

import re

import pytest
import yaml

from courses import content_archive, content_bundle, content_io
from courses.demo import DEMO_CONTENT
from quizzes.demo import QUESTIONS_FILE

FOLDERS = sorted(p for p in DEMO_CONTENT.iterdir() if p.is_dir())


def _module_texts() -> dict[str, str]:
    return {
        f"{folder.name}/{path.name}": path.read_text(encoding="utf-8")
        for folder in FOLDERS
        for path in sorted(folder.glob("*.md"))
    }


def _demo_texts() -> dict[str, str]:
    """Every text of the demo that teaches or assesses: modules and the question bank."""
    texts = _module_texts()
    texts["questions.yml"] = QUESTIONS_FILE.read_text(encoding="utf-8")
    return texts


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_each_demo_course_is_the_exporters_own_output(app, trainer, folder):
    files = content_archive.read_folder(folder)
    result = content_io.import_bundle(content_bundle.parse_bundle(files), owner=trainer)
    assert content_io.export_files(result.course) == files


def test_the_court_settlement_is_never_called_bitimgershilik_kelisim():
    # CPC-KZ Arts 178, 180(4), 194: мировое соглашение = «татуласу келісімі».
    for name, text in _demo_texts().items():
        assert "бітімгершілік" not in text.lower(), name
    modules = _module_texts()
    for name in (
        "mediation-procedure-kz/05-court-conciliation-and-cross-border-settlements.md",
        "mediation-agreements/01-two-documents.md",
    ):
        assert "татуласу келісімі" in modules[name], name


def test_the_court_settlement_question_accepts_the_statutory_kazakh_term(app):
    from quizzes.question_types import REGISTRY

    items = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]
    item = next(q for q in items if q["key"] == "law-court-settlement-name")
    definition = {"accepted": item["accepted"]}
    short_text = REGISTRY["short_text"]
    assert not short_text.validate(definition)
    for answer, right in (
        ("татуласу келісімі", True),
        ("Татуласу  келісімі", True),
        ("мировое соглашение", True),
        ("бітімгершілік келісім", False),
    ):
        assert short_text.grade(definition, {}, answer) == (1 if right else 0), answer
    assert "татуласу келісімі" in item["feedback"]


@pytest.mark.parametrize(
    "pattern",
    [
        r"It has 28 articles",  # W2: Art. 8-1 was added later
        r"colloquial|everyday speech",  # W3: the APPC uses «медиативное соглашение»
        r"Government-set procedure",  # W4: the 2025 rules came as a ministerial order
        r"new rules of 30\.12\.2025",  # W4: the order restated existing Rules
        r"Law Art\. 4; Art\. 20\(3\)",  # I1: non-interference is Art. 7(3)
        r"introduced both court-connected mediation",  # I2: possible since 2011
        r"where the case is in court the parties also notify",  # I3: that is for extensions
        r"he could go to court|Marat may\s+go to court",  # I4: no precondition to suing
        r"show no other express reporting duty",  # I5: CC Art. 434
        r"state fee (paid )?is refunded",  # I8: refund in principle only
    ],
)
def test_the_reviewed_wrong_statements_are_gone(pattern):
    for name, text in _demo_texts().items():
        assert not re.search(pattern, text), (pattern, name)


def test_the_reviewed_missing_rules_are_taught():
    modules = _module_texts()
    procedure = "mediation-procedure-kz/"
    principles = modules[procedure + "02-principles-and-confidentiality.md"]
    assert "Law Art. 7(3)" in principles  # I1
    court = modules[procedure + "05-court-conciliation-and-cross-border-settlements.md"]
    assert "Law Art. 23(4)" in court and "Law Art. 24(6)" in court  # I3: termination notice
    assert "would not have entered into the settlement" in court  # I7
    framework = modules[procedure + "01-legal-framework.md"]
    assert "Art. 8-1" in framework  # W2
    assert "APPC Arts 120–121" in framework  # I6: the administrative route
    assert "APPC Arts 120–121" in modules["mediation-agreements/04-quality-review-cross-border.md"]
    ethics = modules["mediator-ethics/03-confidentiality-dilemmas.md"]
    assert "CPC Art. 80(3)" in ethics and "Criminal Code Art. 434" in ethics  # I5


def test_every_demo_course_and_module_is_loaded_in_each_language_it_has_files_for(
    app, seed_demo, make_user, login
):
    """ru for every course and module; kk (and any other language) wherever its files exist."""
    from courses import learning, translations
    from courses.models import Course
    from lms import content_translations as ct

    seed_demo()
    reader = make_user("trainee", language="ru")
    browser = login(reader)
    for folder in FOLDERS:
        meta = yaml.safe_load((folder / "course.yml").read_text(encoding="utf-8"))
        course = Course.by_slug(meta["slug"])
        files = dict(zip(meta["modules"], course.modules, strict=True))
        folders = [p for p in folder.iterdir() if p.is_dir() and p.name in app.config["LANGUAGES"]]
        assert "ru" in {p.name for p in folders}, folder.name
        assert all((folder / "ru" / name).is_file() for name in files), folder.name
        for language_folder in folders:
            locale = language_folder.name
            if (language_folder / "course.yml").is_file():
                wanted = yaml.safe_load((language_folder / "course.yml").read_text("utf-8"))
                assert ct.text(course, "title", locale) == wanted["title"]
            for name, module in files.items():
                path = language_folder / name
                if path.is_file():
                    head = yaml.safe_load(path.read_text("utf-8").split("---")[1])
                    assert ct.text(module, "title", locale) == head["title"], path
                    assert ct.shown_language(module, "source", locale) == locale, path
        assert "ru" in translations.available_languages([course])[course.id]
        # A Russian trainee reads the Russian text.
        learning.enrol(reader, course)
        module = course.modules[0]
        page = browser.get(f"/courses/{course.slug}/{module.slug}").get_data(as_text=True)
        assert ct.text(module, "title", "ru") in page.replace("&#39;", "'")
        first_line = ct.text(module, "source", "ru").strip().splitlines()[0].lstrip("# ")
        assert first_line in page
        assert "translation-note" not in page
