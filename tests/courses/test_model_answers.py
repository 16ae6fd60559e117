"""Module exercises keep their model answer behind a "show" step, labelled in the text's own
language, and the demo modules link the official text of the acts they rely on (issue 19)."""

from __future__ import annotations

import re

import pytest
import yaml
from flask_babel import force_locale

from courses import authoring, learning
from courses.demo import DEMO_CONTENT
from courses.models import Course
from lms import content_translations as ct
from lms.extensions import db
from lms.markdown_rendering import render_markdown

LABELS = {
    "en": "Show the model answer",
    "ru": "Показать образец ответа",
    "kk": "Үлгі жауапты көрсету",
}
ADILET = {"en": "eng", "ru": "rus", "kk": "kaz"}
LAW = "https://adilet.zan.kz/{}/docs/Z1100000401_"
# Documents whose address shared/domain gives (the Law, the Supreme Court's normative decision
# No. 14 of 2016, Decree No. 770 of 2011), and the four codes the modules cite, whose addresses
# were read on the stored copies of adilet.zan.kz's own pages (title, date and number checked in
# each language; docs/legal-sources.md): no other adilet document id may appear.
CODES = {
    # Civil Procedure Code, 31 October 2015 No. 377-V
    "K1500000377": {
        "en": r"\bCPC\b|Civil Procedure Code",
        "ru": r"ГПК|Гражданск\w* процессуальн",
        "kk": r"\bАПК\b|Азаматтық процестік",
    },
    # Administrative Procedural and Process Code, 29 June 2020 No. 350-VI
    "K2000000350": {
        "en": r"\bAPPC\b|Administrative Procedural",
        "ru": r"АППК|Административн\w* процедурно",
        "kk": r"ӘРПК|Әкімшілік рәсімдік",
    },
    # Criminal Code, 3 July 2014 No. 226-V
    "K1400000226": {
        "en": r"Criminal Code",
        "ru": r"\bУК\b|Уголовн\w+ кодекс",
        "kk": r"Қылмыстық кодекс",
    },
    # Criminal Procedure Code, 4 July 2014 No. 231-V
    "K1400000231": {
        "en": r"Criminal Procedure Code|\bCrPC\b",
        "ru": r"УПК|Уголовно-процессуальн",
        "kk": r"ҚПК|Қылмыстық-процестік",
    },
}
KNOWN_DOCUMENTS = {"Z1100000401_", "P160000014S", "P1100000770", *CODES}
OLD_HEADINGS = ("### Model answer", "### Образец ответа", "### Үлгі жауап")
OPENING = '<details class="model-answer">\n<summary>{}</summary>'


def _demo_modules() -> list[tuple[str, str, str]]:
    """(name, language, Markdown body) of every demo module file in every language."""
    found = []
    for course in sorted(p for p in DEMO_CONTENT.iterdir() if p.is_dir()):
        for language, folder in (("en", course), ("ru", course / "ru"), ("kk", course / "kk")):
            for path in sorted(folder.glob("*.md")):
                body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
                found.append((str(path.relative_to(DEMO_CONTENT)), language, body))
    return found


DEMO_MODULES = _demo_modules()


def test_the_demo_has_every_module_in_three_languages():
    by_language = {lang: sum(1 for _, lg, _ in DEMO_MODULES if lg == lang) for lang in LABELS}
    assert by_language["en"] >= 14 and by_language["ru"] == by_language["kk"] == by_language["en"]


@pytest.mark.parametrize("name, language, body", DEMO_MODULES, ids=[m[0] for m in DEMO_MODULES])
def test_every_demo_module_hides_its_model_answer_and_links_the_law_in_its_language(
    app, name, language, body
):
    for heading in OLD_HEADINGS:
        assert heading not in body
    html = render_markdown(body, language=language).html
    assert html.count("<details") == 1 and not re.search(r"<details[^>]*\bopen\b", html)
    before, opening, rest = html.partition(OPENING.format(LABELS[language]))
    assert opening, name
    answer, _, after = rest.partition("</details>")
    # The exercise is above, visible; the answer has content; the key points follow it.
    assert re.search(r"<h2 [^>]*>[^<]+</h2>(?!.*<h2)", before, re.S), name
    assert re.search(r"<(p|ol|ul|table|div)[ >]", answer), name
    assert "<h2" in after
    # The Law's official text in the module's own language, and no other language's.
    links = re.findall(r'href="(https://adilet\.zan\.kz/[^"]+)"', html)
    assert LAW.format(ADILET[language]) in links, name
    for link in links:
        if "/docs/" in link:
            lang_part, _, document = link.removeprefix("https://adilet.zan.kz/").split("/")[:3]
            assert lang_part == ADILET[language], (name, link)
            assert document in KNOWN_DOCUMENTS, (name, link)
    # Every code the module cites links to its official text in the module's language.
    for document, patterns in CODES.items():
        if re.search(patterns[language], body):
            assert f"https://adilet.zan.kz/{ADILET[language]}/docs/{document}" in links, (
                name,
                document,
            )


def test_a_module_is_saved_with_the_label_in_its_own_language(app, make_course, trainer):
    course = make_course("Answers", modules=1, language="kk", status="draft")
    module = course.modules[0]
    source = "## Жаттығу\n\nСұрақ?\n\n::: model-answer\nЖауап.\n:::"
    with force_locale("ru"):  # a trainer whose pages are in Russian saves it
        authoring.update_module(module, trainer, title="1", slug=module.slug, source=source)
        ct.save(module, "en", {"title": "1", "source": source.replace("Жауап", "Answer")})
    # Rendered on save in the text's language, whatever the saving request's language.
    assert OPENING.format(LABELS["kk"]) in module.html
    ct.save(module, "ru", {"title": "1", "source": source.replace("Жауап", "Ответ")})
    db.session.commit()
    assert OPENING.format(LABELS["ru"]) in ct.html(module, "source", "ru")
    assert OPENING.format(LABELS["en"]) in ct.html(module, "source", "en")


def test_the_translation_editor_previews_each_side_with_its_own_label(trainer_client, make_course):
    course = make_course("Answers", modules=1, status="draft")
    module = course.modules[0]
    authoring.update_module(
        module, None, title="1", slug=module.slug, source="Task?\n\n::: model-answer\nYes.\n:::"
    )
    ct.save(module, "kk", {"title": "1", "source": "Сұрақ?\n\n::: model-answer\nИә.\n:::"})
    db.session.commit()
    url = f"/manage/courses/{course.slug}/translations/kk/modules/{module.id}"
    page = trainer_client.get(url, headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert OPENING.format(LABELS["en"]) in page and OPENING.format(LABELS["kk"]) in page


def test_a_russian_trainee_sees_the_exercise_and_a_collapsed_russian_answer(
    app, seed_demo, make_user, login
):
    seed_demo()
    meta = yaml.safe_load((DEMO_CONTENT / "mediation-procedure-kz" / "course.yml").read_text())
    course = Course.by_slug(meta["slug"])
    reader = make_user("trainee", language="ru")
    learning.enrol(reader, course)
    module = course.modules[0]
    response = login(reader).get(f"/courses/{course.slug}/{module.slug}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    body = page.split('<div class="module-body"', 1)[1].split('<div class="module-actions', 1)[0]
    before, opening, rest = body.partition(OPENING.format(LABELS["ru"]))
    assert opening and not re.search(r"<details[^>]*\bopen\b", page)
    answer = rest.partition("</details>")[0]
    assert '<h2 id="упражнение">Упражнение</h2>' in before
    assert "Соседи Болат и Марат" in before  # the exercise, visible
    assert "<strong>Да</strong>" in answer  # the first case's answer, inside the box
    assert "<strong>Да</strong>" not in before
    assert f'href="{LAW.format("rus")}"' in body
    # The Kazakh translation stored its own label.
    assert OPENING.format(LABELS["kk"]) in ct.html(module, "source", "kk")
