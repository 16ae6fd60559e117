"""Every demo text in Russian and Kazakh as well as English: for each English course
(``courses/demo_content/<course>/course.yml``) and module (``<course>/*.md``) a ``ru/`` and a
``kk/`` file of the same name with the same fields and the same headings (number, order and
level); for each question of ``quizzes/demo_content/questions.yml`` an entry in
``questions.ru.yml`` and ``questions.kk.yml`` with the same text fields and list lengths.
The layout is the one the content translators write (`<course>/<lang>/course.yml` with title,
summary and cover; `<course>/<lang>/<module>.md` with only a title in its front matter)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("ru", "kk")
COURSE_FIELDS = ("title", "summary", "cover")
# Text fields of a question (by type) that a translation carries; lists keep their length.
QUESTION_TEXTS = ("stem", "feedback", "model_answer", "unit")
QUESTION_LISTS = ("options", "pairs", "items", "rubric")
# Accepted short answers: the forms a trainee types in that language, as many as there are.
QUESTION_ANSWERS = ("accepted",)
_HEADING = re.compile(r"^(#{1,6})\s+\S")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        return {}, text
    head, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(head) or {}, body


def heading_levels(markdown: str) -> list[int]:
    """The level of each heading, in order (lines inside code fences are not headings)."""
    levels, fenced = [], False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line)):
            levels.append(len(match.group(1)))
    return levels


def _filled(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _course_problems(course: Path, language: str) -> list[str]:
    problems = []
    folder = course / language
    where = f"{course.name}/{language}"
    original = yaml.safe_load((course / "course.yml").read_text(encoding="utf-8"))
    translated_file = folder / "course.yml"
    if not translated_file.is_file():
        problems.append(f"{where}/course.yml is missing")
    else:
        translated = yaml.safe_load(translated_file.read_text(encoding="utf-8")) or {}
        wanted = [field for field in COURSE_FIELDS if original.get(field)]
        for field in wanted:
            if not _filled(translated.get(field)):
                problems.append(f"{where}/course.yml has no {field}")
        if extra := sorted(set(translated) - set(wanted)):
            problems.append(f"{where}/course.yml has fields to leave out: {', '.join(extra)}")
    for module in sorted(course.glob("*.md")):
        target = folder / module.name
        if not target.is_file():
            problems.append(f"{where}/{module.name} is missing")
            continue
        _meta, body = _front_matter(module.read_text(encoding="utf-8"))
        meta, translated_body = _front_matter(target.read_text(encoding="utf-8"))
        if not _filled(meta.get("title")):
            problems.append(f"{where}/{module.name} has no title in its front matter")
        if extra := sorted(set(meta) - {"title"}):
            problems.append(f"{where}/{module.name} front matter has more than title: {extra}")
        if heading_levels(body) != heading_levels(translated_body):
            problems.append(
                f"{where}/{module.name} headings {heading_levels(translated_body)} "
                f"instead of {heading_levels(body)}"
            )
    return problems


def _question_problems(folder: Path, language: str) -> list[str]:
    original = yaml.safe_load((folder / "questions.yml").read_text(encoding="utf-8"))
    items = {item["key"]: item for item in original["questions"]}
    name = f"questions.{language}.yml"
    if not (folder / name).is_file():
        return [f"{name} is missing"]
    translated = (yaml.safe_load((folder / name).read_text(encoding="utf-8")) or {}).get(
        "questions"
    ) or {}
    problems = [f"{name}: {key} is missing" for key in items if key not in translated]
    problems += [
        f"{name}: {key} is not a question of questions.yml"
        for key in translated
        if key not in items
    ]
    for key, item in items.items():
        entry = translated.get(key)
        if not isinstance(entry, dict):
            continue
        for field in QUESTION_TEXTS:
            if _filled(item.get(field)) and not _filled(entry.get(field)):
                problems.append(f"{name}: {key} has no {field}")
        for field in QUESTION_ANSWERS:
            if item.get(field) and not entry.get(field):
                problems.append(f"{name}: {key} has no {field}")
        for field in QUESTION_LISTS:
            if field in item:
                have, want = len(entry.get(field) or ()), len(item[field] or ())
                if have != want:
                    problems.append(f"{name}: {key} has {have} {field} instead of {want}")
    return problems


def missing_translations(root: Path) -> list[str]:
    """Every demo text of ``root`` without its Russian or Kazakh version, or whose version
    does not match the original's shape."""
    problems = []
    courses = root / "courses" / "demo_content"
    for course in sorted(path.parent for path in courses.glob("*/course.yml")):
        for language in LANGUAGES:
            problems += _course_problems(course, language)
    questions = root / "quizzes" / "demo_content"
    if (questions / "questions.yml").is_file():
        for language in LANGUAGES:
            problems += _question_problems(questions, language)
    return problems


def test_every_demo_text_exists_in_russian_and_kazakh():
    assert missing_translations(ROOT) == []


def test_the_check_reads_the_real_originals():
    """Not vacuous: the originals it compares against are where it looks."""
    courses = sorted((ROOT / "courses" / "demo_content").glob("*/course.yml"))
    assert len(courses) >= 3
    assert sum(len(list(course.parent.glob("*.md"))) for course in courses) >= 14
    questions = yaml.safe_load((ROOT / "quizzes/demo_content/questions.yml").read_text("utf-8"))
    assert len(questions["questions"]) >= 65


# --- planted ---------------------------------------------------------------------------------

MODULE = (
    "---\ntitle: Two documents\nslug: two-documents\nminutes: 5\n---\n\n"
    "## Goals\n\n### One\n\n```\n# not a heading\n```\n\n## Exercise\n"
)
MODULE_RU = "---\ntitle: Два документа\n---\n\n## Цели\n\n### Один\n\n## Упражнение\n"
QUESTIONS = """questions:
  - key: q-choice
    type: single_choice
    stem: Which?
    options: [{text: A, correct: true}, {text: B, correct: false}]
    feedback: Because.
  - key: q-free
    type: free_text
    stem: Explain.
    rubric: [{criterion: One, points: 1}]
    model_answer: This.
    feedback: Fine.
"""
QUESTIONS_RU = """questions:
  q-choice:
    stem: Какой?
    options: [А, Б]
    feedback: Потому что.
  q-free:
    stem: Объясните.
    rubric: [{criterion: Один}]
    model_answer: Это.
    feedback: Хорошо.
"""


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _complete(root: Path) -> None:
    course = "courses/demo_content/c"
    _write(
        root,
        f"{course}/course.yml",
        "slug: c\ntitle: C\nsummary: S\ncover: |-\n  **C**\nlanguage: en\n",
    )
    _write(root, f"{course}/01-two.md", MODULE)
    for language in LANGUAGES:
        _write(
            root, f"{course}/{language}/course.yml", "title: Т\nsummary: К\ncover: |-\n  **Т**\n"
        )
        _write(root, f"{course}/{language}/01-two.md", MODULE_RU)
        _write(root, f"quizzes/demo_content/questions.{language}.yml", QUESTIONS_RU)
    _write(root, "quizzes/demo_content/questions.yml", QUESTIONS)


def test_planted_complete_translations_pass(tmp_path):
    _complete(tmp_path)
    assert missing_translations(tmp_path) == []


def test_planted_missing_files_are_reported(tmp_path):
    _complete(tmp_path)
    (tmp_path / "courses/demo_content/c/kk/01-two.md").unlink()
    (tmp_path / "courses/demo_content/c/ru/course.yml").unlink()
    (tmp_path / "quizzes/demo_content/questions.kk.yml").unlink()
    _write(tmp_path, "courses/demo_content/c/02-new.md", MODULE)
    assert missing_translations(tmp_path) == [
        "c/ru/course.yml is missing",
        "c/ru/02-new.md is missing",
        "c/kk/01-two.md is missing",
        "c/kk/02-new.md is missing",
        "questions.kk.yml is missing",
    ]


def test_planted_mismatches_are_reported(tmp_path):
    _complete(tmp_path)
    _write(
        tmp_path, "courses/demo_content/c/ru/01-two.md", MODULE_RU.replace("### Один", "## Один")
    )
    _write(tmp_path, "courses/demo_content/c/kk/course.yml", "title: Т\nslug: c\ncover: ''\n")
    _write(
        tmp_path,
        "courses/demo_content/c/kk/01-two.md",
        "---\nslug: x\n---\n\n## Мақсат\n\n### Бір\n\n## Жаттығу\n",
    )
    broken = QUESTIONS_RU.replace("options: [А, Б]", "options: [А]").replace(
        "    model_answer: Это.\n", ""
    )
    _write(
        tmp_path, "quizzes/demo_content/questions.ru.yml", broken + "  q-extra:\n    stem: Что?\n"
    )
    kk = QUESTIONS_RU.split("  q-free:")[0]
    _write(tmp_path, "quizzes/demo_content/questions.kk.yml", kk)
    assert missing_translations(tmp_path) == [
        "c/ru/01-two.md headings [2, 2, 2] instead of [2, 3, 2]",
        "c/kk/course.yml has no summary",
        "c/kk/course.yml has no cover",
        "c/kk/course.yml has fields to leave out: slug",
        "c/kk/01-two.md has no title in its front matter",
        "c/kk/01-two.md front matter has more than title: ['slug']",
        "questions.ru.yml: q-extra is not a question of questions.yml",
        "questions.ru.yml: q-choice has 1 options instead of 2",
        "questions.ru.yml: q-free has no model_answer",
        "questions.kk.yml: q-free is missing",
    ]


def test_headings_in_code_fences_do_not_count():
    assert heading_levels("# A\n```\n# no\n```\n## B\n#no heading\n") == [1, 2]
