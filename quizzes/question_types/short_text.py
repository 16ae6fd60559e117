"""A few words typed in, compared with accepted variants (no user-supplied patterns).

Comparison ignores case, surrounding and repeated spaces, brackets, quotes and final
punctuation; ё counts as е."""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from quizzes.question_types.base import (
    Problems,
    always_regradable,
    check_text,
    plain_form_values,
    same_presentation,
    too_long,
)

MAX_ANSWER = 300
_STRIP = re.compile(r"[()\[\]{}«»\"“”„'‘’]")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")
    text = _STRIP.sub(" ", text)
    text = " ".join(text.split())
    return text.rstrip(".!?;:, ")


class ShortText:
    name = "short_text"
    label = "Short text"
    manual = False

    def validate(self, definition: dict) -> list[str]:
        problems = Problems()
        accepted = definition.get("accepted")
        if not isinstance(accepted, list) or not accepted:
            problems.add("accepted", "needs at least one accepted answer")
            return problems.items
        for number, value in enumerate(accepted, start=1):
            check_text(problems, f"accepted[{number}]", value, MAX_ANSWER)
            if isinstance(value, str) and value.strip() and not normalise(value):
                problems.add(f"accepted[{number}]", "has nothing left once punctuation is ignored")
        return problems.items

    def present(self, definition, rng, shuffle):
        return {"key": {}}

    def parse(self, presentation, values):
        text = " ".join(value for value in values if value).strip()
        if len(text) > MAX_ANSWER:
            raise too_long(text, MAX_ANSWER)
        return text or None

    def grade(self, definition, presentation, answer):
        if not answer:
            return Fraction(0)
        accepted = {normalise(value) for value in definition["accepted"]}
        return Fraction(1 if normalise(answer) in accepted else 0)

    form_values = staticmethod(plain_form_values)

    def max_points(self, definition, points):
        return points

    # Nothing is shown but the stem: new accepted answers always regrade the typed ones.
    regradable = staticmethod(always_regradable)
    rekey = staticmethod(same_presentation)


TYPE = ShortText()
