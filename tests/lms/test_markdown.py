"""The one Markdown renderer: ordinary Markdown works, hostile input never survives."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms import markdown_answers
from lms.markdown_rendering import ALLOWED_TAGS, render_markdown, sanitise_html

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example.com/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="https://evil.example.com"></iframe>',
    '<div style="position:fixed;top:0">overlay</div>',
    "<object data=x></object><embed src=x>",
    '<form action="https://evil.example.com"><input name=p></form>',
    "[x](vbscript:msgbox(1))",
    "<style>body{display:none}</style>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example.com">',
    '<a href="https://ok.example.com" style="color:red" onmouseover="x()">ok</a>',
    '<details open ontoggle="alert(1)"><summary onclick="x()">x</summary></details>',
]
ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Elements(HTMLParser):
    """Collects the elements and attributes a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def active_content(html: str) -> list[str]:
    """Everything in ``html`` that could run script, load foreign content or restyle the page."""
    parser = _Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.elements:
        if tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                problems.append(f"{tag}[{name}]")
            if name in {"href", "src"}:
                compact = "".join((value or "").split()).lower()
                if compact.startswith(ACTIVE_SCHEMES):
                    problems.append(f"{tag}[{name}={value}]")
    return problems


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_never_survives(source):
    html = render_markdown(f"Intro\n\n{source}\n\nOutro {source}").html
    assert active_content(html) == []
    for tag in ("script", "svg", "iframe", "object", "embed", "form", "input", "style", "meta"):
        assert f"<{tag}" not in html.lower()


def test_raw_html_is_shown_as_text_not_interpreted():
    html = render_markdown("<b>bold?</b>").html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "<b>" not in html


def test_ordinary_markdown_renders():
    source = """# Медиация туралы

Some **bold**, *italic* and `code`, a [link](https://adilet.zan.kz/) and [mail](mailto:a@b.kz).

| Principle | Article |
|-----------|---------|
| Voluntariness | 5 |

```python
print("ok")
```

1. First
2. Second

## Principles & ethics
"""
    result = render_markdown(source)
    html = result.html
    assert '<h1 id="медиация-туралы">Медиация туралы</h1>' in html
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<code>code</code>" in html
    assert 'href="https://adilet.zan.kz/"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert 'href="mailto:a@b.kz"' in html
    assert "<table>" in html and "<td>Voluntariness</td>" in html
    assert '<code class="language-python">' in html
    assert "<ol>" in html
    assert result.toc == [
        {
            "level": 1,
            "id": "медиация-туралы",
            "name": "Медиация туралы",
            "children": [
                {
                    "level": 2,
                    "id": "principles-ethics",
                    "name": "Principles & ethics",
                    "children": [],
                }
            ],
        }
    ]


def test_relative_images_and_links_are_kept():
    html = render_markdown("![Diagram](images/stages.png) [next](../a-2/)").html
    assert '<img alt="Diagram" src="images/stages.png">' in html
    assert 'href="../a-2/"' in html


def test_empty_source():
    assert render_markdown("").html == ""


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("<>\"'=:/ ajvscriptonerdlgfm()[]!#`*-\n")), max_size=80)
)
def test_no_generated_input_produces_active_content(source):
    assert active_content(render_markdown(source).html) == []


def test_the_checker_itself_spots_active_content():
    assert active_content('<a href=" javascript:x()">a</a><p onclick="x()">b</p>') == [
        "a[href= javascript:x()]",
        "p[onclick]",
    ]
    assert active_content("<script>x</script>") == ["<script>"]


def test_tables_scroll_inside_their_own_box():
    html = render_markdown("Intro\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\nOutro `<table>`").html
    assert html.count('<div class="table-scroll" tabindex="0"><table>') == 1
    assert html.count("</table></div>") == 1
    # A table typed as raw HTML stays text and gets no box.
    assert "table-scroll" not in render_markdown("<table><tr><td>x</td></tr></table>").html


def test_relative_links_resolve_against_a_base_only_when_one_is_given():
    source = (
        "![a](images/x.png) [m](materials/h.pdf) [t](#top) [q](?page=2) "
        "[e](https://example.kz/x) ![r](/static/r.png) [j](javascript:alert(1)) "
        "![p](//evil.example.com/y.png)"
    )
    relative = render_markdown(source).html
    assert 'src="images/x.png"' in relative and 'href="materials/h.pdf"' in relative
    html = render_markdown(source, base_url="/courses/law/").html
    assert 'src="/courses/law/images/x.png"' in html
    assert 'href="/courses/law/materials/h.pdf"' in html
    for kept in ('href="#top"', 'href="?page=2"', 'href="https://example.kz/x"'):
        assert kept in html
    assert 'src="/static/r.png"' in html and 'src="//evil.example.com/y.png"' in html
    assert active_content(html) == [] and "javascript" not in html


# --- model answers behind a "show" step (lms.markdown_answers) -----------------------------

EXERCISE = """## Exercise

1. Can Bolat mediate?
2. Can Marat?
::: model-answer
1. **Yes** - a civil dispute.
2. **No** - see [Law Art. 1](https://adilet.zan.kz/eng/docs/Z1100000401_).

```
:::
```
:::

## Key points

- Done.
"""


def test_a_fenced_model_answer_is_hidden_behind_a_show_step():
    html = render_markdown(EXERCISE).html
    before, opening, rest = html.partition(
        '<details class="model-answer">\n<summary>Show the model answer</summary>'
    )
    assert opening, html
    answer, closing, after = rest.partition("</details>")
    assert closing
    # The exercise stays visible above; the answer (Markdown inside) is in the box.
    assert "Can Bolat mediate?" in before and "Can Marat?" in before
    assert "<strong>Yes</strong>" in answer and "Law Art. 1</a>" in answer
    assert "<pre><code>:::" in answer  # a fence inside code is code
    assert '<h2 id="key-points">Key points</h2>' in after
    assert " open" not in html and ":::" not in before + after
    toc = render_markdown(EXERCISE).toc
    assert [item["name"] for item in toc] == ["Exercise", "Key points"]


@pytest.mark.parametrize(
    "source",
    [
        "::: model-answer\nNo closing fence.",  # unpaired opener
        ":::\nA closing fence alone.",
        "::: note\nAnother kind.\n:::",
        "    ::: model-answer\n    indented code\n    :::",
        "> ::: model-answer\n> quoted\n> :::",
    ],
)
def test_what_is_not_a_paired_fence_stays_as_written(source):
    html = render_markdown(source).html
    assert "<details" not in html and "<summary" not in html
    assert ":::" in html


def test_an_opener_inside_an_answer_is_text_and_the_first_closing_fence_ends_it():
    html = render_markdown("::: model-answer\n::: model-answer\nx\n:::\nafter\n:::").html
    assert html.count("<details") == 1
    answer, _, after = html.partition("</details>")
    assert "::: model-answer\nx" in answer
    assert "<p>after\n:::</p>" in after  # the unpaired fence left is text


def test_opener_like_text_is_never_searched_for_a_closing_fence(monkeypatch):
    """Linear cost: only paired openers look for their end (unpaired ones after the last pair
    or inside an answer would each scan the rest of the text)."""
    runs = []
    original = markdown_answers._ModelAnswer.run

    def counted(self, parent, blocks):
        runs.append(len(blocks))
        return original(self, parent, blocks)

    monkeypatch.setattr(markdown_answers._ModelAnswer, "run", counted)
    source = "::: model-answer\nfirst\n:::\n\n" + "::: model-answer\n\n" * 300
    html = render_markdown(source).html
    assert html.count("<details") == 1 and len(runs) == 1
    runs.clear()
    inside = "::: model-answer\n\n" + "::: model-answer\n\n" * 300 + ":::\n"
    assert render_markdown(inside).html.count("<details") == 1 and len(runs) == 1


def test_the_sanitiser_keeps_details_and_summary_but_nothing_unsafe():
    dirty = (
        '<details open class="model-answer x" ontoggle="alert(1)" style="display:block">'
        '<summary onclick="x()" class="y">Show</summary><p>Answer</p>'
        "<script>alert(1)</script></details>"
        '<details class="other"><summary>S</summary></details>'
    )
    clean = sanitise_html(dirty)
    assert clean.startswith('<details class="model-answer"><summary>Show</summary><p>Answer</p>')
    assert "<summary>S</summary></details>" in clean
    for gone in ("open", "ontoggle", "onclick", "style", "script", '"x"', '"y"', "other"):
        assert gone not in clean
    # Typed in Markdown, the same elements are text.
    typed = render_markdown("<details open><summary>x</summary>y</details>").html
    assert "<details" not in typed and "&lt;details open&gt;" in typed


def test_the_label_is_in_the_texts_language_or_the_current_one(app):
    from flask_babel import force_locale

    source = "::: model-answer\nx\n:::"
    assert "<summary>Show the model answer</summary>" in render_markdown(source).html
    assert (
        "<summary>Показать образец ответа</summary>" in render_markdown(source, language="ru").html
    )
    assert "<summary>Үлгі жауапты көрсету</summary>" in render_markdown(source, language="kk").html
    with force_locale("ru"):
        assert "Показать образец ответа" in render_markdown(source).html
        assert "Show the model answer" in render_markdown(source, language="en").html


def test_the_label_is_english_without_an_application():
    html = render_markdown("::: model-answer\nx\n:::").html
    assert "<summary>Show the model answer</summary>" in html
