"""The one place trainer Markdown becomes HTML: Python-Markdown, then nh3 with an allowlist.

Raw HTML in the source is shown as text, never interpreted; nh3 then removes anything the
allowlist does not name, so scripts, event handlers, ``javascript:``/``data:`` links, SVG and
iframes cannot reach a page even if a Markdown extension let them through.

Rendering costs at most a fixed multiple of the text's length: ``markdown_limits`` bounds the
Python-Markdown scanners that could take quadratic time.
"""

from __future__ import annotations

import html
from contextlib import nullcontext
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import markdown
import nh3
from flask import has_app_context
from flask_babel import force_locale, gettext
from markdown.extensions.toc import slugify_unicode

from lms.markdown_answers import CSS_CLASS as MODEL_ANSWER_CLASS
from lms.markdown_answers import ModelAnswerExtension
from lms.markdown_limits import SCAN_STEPS_FLOOR, SCAN_STEPS_PER_CHARACTER, ScanBudget, bound

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol",
    "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
# <details> keeps only the model-answer class (never ``open``: an answer starts collapsed).
ALLOWED_CLASSES = {"details": {MODEL_ANSWER_CLASS}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "toc", "abbr", "def_list"]
# The words on the "show" step of a hidden model answer (lms.markdown_answers) where no
# catalog is at hand; ``model_answer_label`` marks the same msgid for translation.
MODEL_ANSWER_LABEL = "Show the model answer"
# Tables scroll sideways inside this box on a narrow screen instead of widening the page;
# tabindex lets a keyboard user focus it and scroll with the arrow keys.
TABLE_WRAPPER = '<div class="table-scroll" tabindex="0">'


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: list[dict] = field(default_factory=list)  # [{"level", "id", "name", "children"}]


def model_answer_label(language: str | None = None) -> str:
    """The summary of a hidden model answer, in ``language`` (else the current locale; the
    English words outside an application)."""
    if not has_app_context():
        return MODEL_ANSWER_LABEL
    with force_locale(language) if language else nullcontext():
        return gettext("Show the model answer")


def _markdown(*, bounded: bool = True, answer_label: str | None = None) -> markdown.Markdown:
    """A fresh converter; ``bounded=False`` is stock Python-Markdown (tests compare the two)."""
    md = markdown.Markdown(
        extensions=[*EXTENSIONS, ModelAnswerExtension(answer_label or MODEL_ANSWER_LABEL)],
        extension_configs={"toc": {"slugify": slugify_unicode, "permalink": False}},
        output_format="html",
    )
    # Raw HTML is escaped into text instead of passed through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    if bounded:
        bound(md)
    return md


def resolve_url(value: str, base_url: str | None) -> str:
    """``value`` as written in Markdown, resolved against ``base_url`` when it is a relative
    path (``images/x.png``); absolute URLs, root paths, ``#anchors`` and ``?queries`` stay."""
    if not base_url or not value or value.startswith(("/", "#", "?")):
        return value
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return value
    return urljoin(base_url, value)


def sanitise_html(fragment: str, *, base_url: str | None = None) -> str:
    def resolve(tag: str, attribute: str, value: str) -> str:
        if (tag, attribute) in (("img", "src"), ("a", "href")):
            return resolve_url(value, base_url)
        return value

    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=resolve if base_url else None,
    )


def _wrap_tables(fragment: str) -> str:
    """Put each table of sanitised HTML into its scrolling box.

    Runs after nh3, which leaves ``<table>`` without attributes; raw HTML in the source was
    escaped into text, so only tables built by Markdown itself match.
    """
    return fragment.replace("<table>", TABLE_WRAPPER + "<table>").replace(
        "</table>", "</table></div>"
    )


def _clean_toc(tokens: list[dict]) -> list[dict]:
    return [
        {
            "level": int(token["level"]),
            "id": token["id"],
            # Plain text: templates escape it when they print it.
            "name": html.unescape(nh3.clean(token["name"], tags=set())),
            "children": _clean_toc(token.get("children", [])),
        }
        for token in tokens
    ]


def render_markdown(
    source: str, *, base_url: str | None = None, language: str | None = None
) -> RenderedMarkdown:
    """Render trainer Markdown to sanitised HTML plus its table of contents.

    Relative links and images are left relative, unless ``base_url`` is given: then they are
    resolved against it, for a page whose own address is not the folder they are relative to.
    ``language`` is the text's own: the label of a hidden model answer is written in it (the
    current locale when not given).
    """
    source = source or ""
    md = _markdown(answer_label=model_answer_label(language))
    md.scan_budget = ScanBudget(SCAN_STEPS_FLOOR + SCAN_STEPS_PER_CHARACTER * len(source))
    body = md.convert(source)
    return RenderedMarkdown(
        html=_wrap_tables(sanitise_html(body, base_url=base_url)), toc=_clean_toc(md.toc_tokens)
    )
