"""Finders of user-visible text that is not marked for translation.

``template_findings`` reads a Jinja template with Jinja's own lexer: text outside every tag,
expression and ``{% trans %}`` block is the template's literal text. It is parsed as HTML
(``.txt`` templates as plain text); a text node, or a visible attribute (``title``,
``placeholder``, ``alt``, ``aria-label``), that holds a letter is a finding unless it is in
``ALLOWED_TEMPLATE_TEXT`` (symbols, codes, the brand). ``<script>`` and ``<style>`` bodies
are not text.

``python_findings`` walks a module's syntax tree for the calls whose string reaches a user:
``flash``, ``ServiceError`` (and its subclasses named ``*Error`` of the project), ``abort``'s
``description``, and WTForms fields' ``label`` (first argument or keyword) and validators'
``message``. A plain string literal (or f-string) there is a finding; ``_("…")`` / ``_l("…")``
is not.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lms", "courses", "seminars", "quizzes", "assessments", "certificates")

# Text that is not a word of any language: the brand, codes, units and markup-like tokens.
ALLOWED_TEMPLATE_TEXT = {
    "LMS",
    "PDF",
    "CSV",
    "ZIP",
    "JSON",
    "YAML",
    "QR",
    "SHA-256",
    "UTC",
    "ID",
    "OK",
    "Markdown",
    "English",
    "Русский",
    "Қазақша",
}
VISIBLE_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
_LETTER = re.compile(r"[^\W\d_]")
_HOLE = " "  # where an expression stood (also inside a tag: `<span{{ attrs }}>`)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _environment() -> Environment:
    return Environment(  # only its lexer is used: nothing is rendered
        autoescape=True, extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"]
    )


def _literal_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of the template's literal text, a hole where anything else stood."""
    pieces: list[tuple[int, str]] = []
    depth = 0  # inside {% trans %} … {% endtrans %} (or {% pluralize %} parts of one)
    in_block = False
    block_words: list[str] = []
    for line, kind, value in _environment().lex(source):
        if kind == "block_begin":
            in_block, block_words = True, []
            continue
        if kind == "block_end":
            in_block = False
            if block_words[:1] == ["trans"]:
                depth += 1
            elif block_words[:1] == ["endtrans"]:
                depth -= 1
            continue
        if in_block:
            if kind == "name":
                block_words.append(value)
            continue
        if kind == "data" and depth == 0:
            pieces.append((line, value))
        elif kind in {"variable_begin", "comment_begin", "raw_begin"}:
            pieces.append((line, _HOLE))
    return pieces


# Attributes a macro writes into the tag it is called in (``aria-invalid="true"``).
_ATTRIBUTE = re.compile(r'[\w-]+="[^"]*"')
# A placeholder showing a code's shape ("-XXXX-XXXX-X").
_CODE_SHAPE = re.compile(r"-?X+(?:-X+)*-?")


def _is_word(word: str) -> bool:
    word = word.strip(".,:;()[]|·•—–-*#>!")
    return bool(
        len(word) > 1  # a cell "a", an option "b"
        and _LETTER.search(word)
        and word not in ALLOWED_TEMPLATE_TEXT
        and "/" not in word  # a path or an address
        and not _CODE_SHAPE.fullmatch(word)
    )


def _meaningful(text: str) -> str | None:
    text = " ".join(_ATTRIBUTE.sub(" ", text.replace(_HOLE, " ")).split())
    if not any(_is_word(word) for word in text.split()):
        return None
    return text


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and (text := _meaningful(value)):
                self.found.append((self.getpos()[0], text))

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and (text := _meaningful(data)):
            leading = data[: len(data) - len(data.lstrip())]
            self.found.append((self.getpos()[0] + leading.count("\n"), text))


def template_findings(source: str, path: str = "<template>", *, html: bool = True) -> list:
    pieces = _literal_text(source)
    # Join the pieces, remembering the line each output line came from.
    joined = "".join(value for _, value in pieces)
    if not html:
        return [
            Finding(path, number, text)
            for number, line in enumerate(joined.splitlines(), 1)
            if (text := _meaningful(line))
        ]
    lines = _source_lines(pieces)
    collector = _TextCollector()
    collector.feed(joined)
    collector.close()
    return [Finding(path, lines.get(line, line), text) for line, text in collector.found]


def _source_lines(pieces: list[tuple[int, str]]) -> dict[int, int]:
    """Line of the joined text -> line of the template (for messages only)."""
    mapping, current = {}, 1
    for line, value in pieces:
        for offset in range(value.count("\n") + 1):
            mapping.setdefault(current + offset, line + offset)
        current += value.count("\n")
    return mapping


def template_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("templates/**/*")
        if path.suffix in {".html", ".txt"}
    )


# --- Python ------------------------------------------------------------------------------

MARKERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"}
MESSAGE_CALLS = {"flash", "ServiceError", "AnswerError", "AccountError", "ValidationError"}
FIELD_CALLS = {
    "StringField",
    "TextAreaField",
    "PasswordField",
    "EmailField",
    "IntegerField",
    "DecimalField",
    "FloatField",
    "BooleanField",
    "SelectField",
    "SelectMultipleField",
    "RadioField",
    "FileField",
    "MultipleFileField",
    "DateField",
    "DateTimeField",
    "DateTimeLocalField",
    "TimeField",
    "SubmitField",
    "HiddenField",
    "URLField",
    "TelField",
    "SearchField",
    "FieldList",
}
VALIDATOR_CALLS = {
    "DataRequired",
    "InputRequired",
    "Optional",
    "Length",
    "Email",
    "EqualTo",
    "NumberRange",
    "Regexp",
    "URL",
    "AnyOf",
    "NoneOf",
    "FileAllowed",
    "FileRequired",
    "FileSize",
}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _plain_text(node: ast.expr | None) -> str | None:
    """The text of a plain string literal or f-string with letters, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    else:
        return None
    return text if _LETTER.search(text) else None


def python_findings(source: str, path: str = "<module>") -> list[Finding]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = _name(node.func)
        candidates: list[ast.expr | None] = []
        if called in MESSAGE_CALLS:
            candidates.append(node.args[0] if node.args else None)
            candidates += [k.value for k in node.keywords if k.arg == "message"]
        elif called == "abort":
            candidates += [k.value for k in node.keywords if k.arg == "description"]
            candidates += node.args[1:2]
        elif called in FIELD_CALLS:
            candidates.append(node.args[0] if node.args else None)
            candidates += [k.value for k in node.keywords if k.arg in {"label", "description"}]
        elif called in VALIDATOR_CALLS:
            candidates += [k.value for k in node.keywords if k.arg == "message"]
        for candidate in candidates:
            if (text := _plain_text(candidate)) is not None:
                found.append(Finding(path, candidate.lineno, text))
    return found


def python_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "translations" not in path.parts
    )
