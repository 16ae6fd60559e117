"""Model answers kept behind a "show" step: one Markdown convention, any language.

An author fences the answer with a line ``::: model-answer`` and a line ``:::``, each on its
own line at the start of the line (the fenced-div form of Pandoc and markdown-it)::

    ## Exercise
    ...the task, shown as usual...

    ::: model-answer
    1. **Yes** - ...
    :::

The renderer turns it into ``<details class="model-answer"><summary>LABEL</summary>...
</details>``: collapsed until the reader opens it, keyboard operable, no script. The keyword is
the same in every language; LABEL ("Show the model answer") is translated into the language
the rendering runs in (``render_markdown(..., language=)``; content saves render in the
content's own language, see docs/architecture.md). Anything inside is ordinary Markdown.

Cost stays linear: the preprocessor pairs fences in one pass over the lines (the first ``:::``
after an opener closes it; an opener inside an open answer and a fence without its partner
stay text) and puts each paired fence alone in its block; the block processor looks for the
closing block of paired openers only (counted, in order), once per answer.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.util import AtomicString

KEYWORD = "model-answer"
CSS_CLASS = "model-answer"
OPEN = f"::: {KEYWORD}"
CLOSE = ":::"
_OPEN_RE = re.compile(rf"^:::[ \t]*{re.escape(KEYWORD)}[ \t]*$")
_CLOSE_RE = re.compile(r"^:::[ \t]*$")


class _Pairs:
    """What the preprocessor found, for the block processor of the same rendering."""

    def __init__(self) -> None:
        self.left = 0  # paired answers not yet built
        self.inside = 0  # > 0 while an answer's own blocks are parsed


class _PairFences(Preprocessor):
    """Paired fences become blocks of their own (blank lines around them), written canonically."""

    def __init__(self, md, pairs: _Pairs) -> None:
        super().__init__(md)
        self.pairs = pairs

    def run(self, lines: list[str]) -> list[str]:
        opened: int | None = None
        pairs: list[tuple[int, int]] = []
        for number, line in enumerate(lines):
            if opened is None:
                if _OPEN_RE.match(line):
                    opened = number
            elif _CLOSE_RE.match(line):
                pairs.append((opened, number))
                opened = None
        self.pairs.left = len(pairs)
        self.pairs.inside = 0
        if not pairs:
            return lines
        fences = {start: OPEN for start, _ in pairs} | {end: CLOSE for _, end in pairs}
        result: list[str] = []
        for number, line in enumerate(lines):
            fence = fences.get(number)
            if fence is None:
                result.append(line)
                continue
            if result and result[-1].strip():
                result.append("")
            result.append(fence)
            if number + 1 < len(lines) and lines[number + 1].strip():
                result.append("")
        return result


class _ModelAnswer(BlockProcessor):
    """Paired openers come in order, all outside answers; an opener-like block after the last
    pair or inside an answer is text, and is not searched for a closing fence."""

    def __init__(self, parser, label: str, pairs: _Pairs) -> None:
        super().__init__(parser)
        self.label = label
        self.pairs = pairs

    def test(self, parent, block: str) -> bool:
        return block == OPEN and self.pairs.left > 0 and not self.pairs.inside

    def run(self, parent, blocks: list[str]) -> bool | None:
        # The preprocessor paired this fence, so its closing block is there (a run of blank
        # lines before it leaves line breaks at the block's start).
        end = next((i for i in range(1, len(blocks)) if blocks[i].strip("\n") == CLOSE), None)
        if end is None:  # not paired: stays text
            return False
        inner = blocks[1:end]
        del blocks[: end + 1]
        self.pairs.left -= 1
        details = etree.SubElement(parent, "details", {"class": CSS_CLASS})
        summary = etree.SubElement(details, "summary")
        summary.text = AtomicString(self.label)
        self.pairs.inside += 1
        try:
            self.parser.parseBlocks(details, inner)
        finally:
            self.pairs.inside -= 1
        return None


class ModelAnswerExtension(Extension):
    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        pairs = _Pairs()
        # After fenced code (25) has put code blocks aside, so a fence in code stays code.
        md.preprocessors.register(_PairFences(md, pairs), "model_answer_fences", 19)
        md.parser.blockprocessors.register(
            _ModelAnswer(md.parser, self.label, pairs), "model_answer", 95
        )
