"""How ``markdown_rendering`` keeps a rendering's cost linear in the text's length.

Rendering costs at most a fixed multiple of the text's length. Python-Markdown finds the end
of a link's ``[text]`` and ``(destination "title")`` by walking forward from every ``[`` it
meets, to the end of the paragraph when nothing closes it, and does so once per link pattern
(six of them); ``'[' * 20000`` thus took minutes (upstream issue Python-Markdown#798). Here
those walks share one budget per rendering (``SCAN_STEPS_PER_CHARACTER`` steps for each
character of the source): every text a person writes stays far inside it and renders exactly
as with stock Python-Markdown; once a hostile text has spent it, the brackets left are shown
as the characters they are. The tables extension's test also split the whole remaining block
on every line it looked at; it now reads the two lines it needs. And block processors that
look for their line anywhere in a block (quotes, # headings, rules, definitions,
abbreviations) searched the rest of a long block again after every line another processor
took; each now remembers the blocks it searched in vain, so a rest of one is not searched
again (same answer: a line start in the rest is one in the block).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown import blockprocessors, inlinepatterns
from markdown.extensions.abbr import AbbrBlockprocessor
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.tables import TableProcessor

# Scan steps a rendering may spend finding the ends of links: per character of the source,
# plus a floor for short texts. The demo courses use under two per character.
SCAN_STEPS_PER_CHARACTER = 20
SCAN_STEPS_FLOOR = 100_000


class ScanBudget:
    """The link-scanning steps one rendering may still spend."""

    def __init__(self, steps: int) -> None:
        self.remaining = steps
        self.spent = 0

    def allow(self, wanted: int) -> int:
        return max(0, min(wanted, self.remaining))

    def spend(self, steps: int) -> None:
        self.remaining -= steps
        self.spent += steps


class _BoundedScan:
    """``getText``/``getLink`` of Python-Markdown 3.x's link patterns, walking at most what the
    rendering's budget allows; a walk the budget stops is "not a link" (the text stays as
    written). Within the budget the result is exactly upstream's (same code, plus a stop)."""

    md: markdown.Markdown

    def _budget(self) -> ScanBudget:
        budget = getattr(self.md, "scan_budget", None)
        if budget is None:  # a Markdown object made elsewhere: give it a budget of its own
            budget = self.md.scan_budget = ScanBudget(SCAN_STEPS_FLOOR)
        return budget

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        budget = self._budget()
        stop = index + budget.allow(len(data) - index)
        start = index
        bracket_count = 1
        text = []
        for pos in range(index, stop):
            c = data[pos]
            if c == "]":
                bracket_count -= 1
            elif c == "[":
                bracket_count += 1
            index += 1
            if bracket_count == 0:
                break
            text.append(c)
        budget.spend(index - start)
        return "".join(text), index, bracket_count == 0

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        href = ""
        title: str | None = None
        handled = False

        m = self.RE_LINK.match(data, pos=index)
        if m and m.group(1):
            href = m.group(1)[1:-1].strip()
            if m.group(2):
                title = m.group(2)[1:-1]
            index = m.end(0)
            handled = True
        elif m:
            budget = self._budget()
            bracket_count = 1
            backtrack_count = 1
            start_index = m.end()
            index = start_index
            stop = index + budget.allow(len(data) - index)
            last_bracket = -1
            quote: str | None = None
            start_quote = -1
            exit_quote = -1
            ignore_matches = False
            alt_quote = None
            start_alt_quote = -1
            exit_alt_quote = -1
            last = ""

            for pos in range(index, stop):
                c = data[pos]
                if c == "(":
                    if not ignore_matches:
                        bracket_count += 1
                    elif backtrack_count > 0:
                        backtrack_count -= 1
                elif c == ")":
                    if (exit_quote != -1 and quote == last) or (
                        exit_alt_quote != -1 and alt_quote == last
                    ):
                        bracket_count = 0
                    elif not ignore_matches:
                        bracket_count -= 1
                    elif backtrack_count > 0:
                        backtrack_count -= 1
                        if backtrack_count == 0:
                            last_bracket = index + 1
                elif c in ("'", '"'):
                    if not quote:
                        ignore_matches = True
                        backtrack_count = bracket_count
                        bracket_count = 1
                        start_quote = index + 1
                        quote = c
                    elif c != quote and not alt_quote:
                        start_alt_quote = index + 1
                        alt_quote = c
                    elif c == quote:
                        exit_quote = index + 1
                    elif alt_quote and c == alt_quote:
                        exit_alt_quote = index + 1
                index += 1
                if bracket_count == 0:
                    if exit_quote >= 0 and quote == last:
                        href = data[start_index : start_quote - 1]
                        title = "".join(data[start_quote : exit_quote - 1])
                    elif exit_alt_quote >= 0 and alt_quote == last:
                        href = data[start_index : start_alt_quote - 1]
                        title = "".join(data[start_alt_quote : exit_alt_quote - 1])
                    else:
                        href = data[start_index : index - 1]
                    break
                if c != " ":
                    last = c
            budget.spend(index - start_index)
            if index < len(data) and bracket_count != 0:
                # The budget stopped the walk before the text's end: not a link.
                return "", None, index, False

            if bracket_count != 0 and backtrack_count == 0:
                href = data[start_index : last_bracket - 1]
                index = last_bracket
                bracket_count = 0

            handled = bracket_count == 0

        if title is not None:
            title = self.RE_TITLE_CLEAN.sub(
                " ", inlinepatterns.dequote(self.unescape(title.strip()))
            )

        href = self.unescape(href).strip()

        return href, title, index, handled


class _Link(_BoundedScan, inlinepatterns.LinkInlineProcessor):
    pass


class _Image(_BoundedScan, inlinepatterns.ImageInlineProcessor):
    pass


class _Reference(_BoundedScan, inlinepatterns.ReferenceInlineProcessor):
    pass


class _ImageReference(_BoundedScan, inlinepatterns.ImageReferenceInlineProcessor):
    pass


class _ShortReference(_BoundedScan, inlinepatterns.ShortReferenceInlineProcessor):
    pass


class _ShortImageReference(_BoundedScan, inlinepatterns.ShortImageReferenceInlineProcessor):
    pass


# Python-Markdown's own names, patterns and priorities (markdown/inlinepatterns.py).
BOUNDED_PATTERNS = (
    ("reference", _Reference, inlinepatterns.REFERENCE_RE, 170),
    ("link", _Link, inlinepatterns.LINK_RE, 160),
    ("image_link", _Image, inlinepatterns.IMAGE_LINK_RE, 150),
    ("image_reference", _ImageReference, inlinepatterns.IMAGE_REFERENCE_RE, 140),
    ("short_reference", _ShortReference, inlinepatterns.REFERENCE_RE, 130),
    ("short_image_ref", _ShortImageReference, inlinepatterns.IMAGE_REFERENCE_RE, 125),
)


class _Tables(TableProcessor):
    """The tables extension's block test, reading only the lines it needs (upstream splits
    the whole remaining block, which costs a long block once per line)."""

    def test(self, parent, block: str) -> bool:
        head = block.split("\n", 2)
        is_table = super().test(parent, "\n".join(head[:2]))
        if is_table and len(self.separator) == 1 and len(head) > 2:
            # A one-column table needs a pipe on every line: upstream checks them all.
            return super().test(parent, block)
        return is_table


class _RemembersMisses:
    """A block test that searches the whole block for its line: a block is the rest (after a
    line break) of one it already searched in vain has no such line either, so the search
    is skipped. Upstream searches it again, and a block taken one line at a time cost its
    length on every line."""

    REMEMBERED = 8
    RE: re.Pattern

    def _absent(self, block: str) -> bool:
        for searched in getattr(self, "_misses", ()):
            cut = len(searched) - len(block)
            if cut >= 0 and (cut == 0 or searched[cut - 1] == "\n") and searched.endswith(block):
                return True
        return False

    def _missed(self, block: str) -> None:
        misses = getattr(self, "_misses", None)
        if misses is None:
            misses = self._misses = []
        misses.insert(0, block)
        del misses[self.REMEMBERED :]

    def test(self, parent, block: str) -> bool:
        if self._absent(block):
            return False
        found = super().test(parent, block)
        if not found:
            self._missed(block)
        return found


class _Quote(_RemembersMisses, blockprocessors.BlockQuoteProcessor):
    pass


class _HashHeader(_RemembersMisses, blockprocessors.HashHeaderProcessor):
    pass


class _Rule(_RemembersMisses, blockprocessors.HRProcessor):
    pass


def _detab(text: str, length: int) -> tuple[str, str]:
    """``BlockProcessor.detab`` walking line by line instead of splitting the whole block (the
    rest is the text after the last line taken, exactly upstream's join of the lines left)."""
    indent = " " * length
    taken = []
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        line = text[start:] if end == -1 else text[start:end]
        if line.startswith(indent):
            taken.append(line[length:])
        elif not line.strip():
            taken.append("")
        else:
            return "\n".join(taken), text[start:]
        if end == -1:
            return "\n".join(taken), ""
        start = end + 1
    return "\n".join(taken), ""


class _DefList(_RemembersMisses, DefListProcessor):
    def detab(self, text: str, length: int | None = None) -> tuple[str, str]:
        return _detab(text, self.tab_length if length is None else length)


class _Setext(blockprocessors.SetextHeaderProcessor):
    """Upstream splits the whole block to take its first two lines."""

    def run(self, parent, blocks: list[str]) -> None:
        lines = blocks.pop(0).split("\n", 2)
        heading = etree.SubElement(parent, "h1" if lines[1].startswith("=") else "h2")
        heading.text = lines[0].strip()
        if len(lines) > 2:
            blocks.insert(0, lines[2])


class _Abbr(_RemembersMisses, AbbrBlockprocessor):
    """Upstream's test is always true and ``run`` searches; the search moves to the test."""

    def test(self, parent, block: str) -> bool:
        if self._absent(block):
            return False
        if self.RE.search(block) is None:
            self._missed(block)
            return False
        return True


def bound(md: markdown.Markdown) -> None:
    """Replace ``md``'s link patterns and block processors with the bounded ones above."""
    for name, processor, pattern, priority in BOUNDED_PATTERNS:
        md.inlinePatterns.register(processor(pattern, md), name, priority)
    blocks = md.parser.blockprocessors
    replacements = {
        "table": _Tables(md.parser, blocks["table"].config),
        "quote": _Quote(md.parser),
        "hashheader": _HashHeader(md.parser),
        "hr": _Rule(md.parser),
        "setextheader": _Setext(md.parser),
        "deflist": _DefList(md.parser),
        "abbr": _Abbr(md.parser, blocks["abbr"].abbrs),
    }
    for name, processor in replacements.items():
        blocks.register(processor, name, _priority_of(blocks, name))


def _priority_of(registry, name: str) -> float:
    return next(item.priority for item in registry._priority if item.name == name)
