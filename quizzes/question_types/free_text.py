"""A written answer (e.g. a settlement clause or an ethics scenario) that a trainer scores
against the rubric lines; the attempt's result waits for that score."""

from __future__ import annotations

from quizzes.question_types.base import (
    Problems,
    check_text,
    plain_form_values,
    same_presentation,
    too_long,
)

MAX_ANSWER = 10_000


class FreeText:
    name = "free_text"
    label = "Written answer (graded by a trainer)"
    manual = True

    def validate(self, definition: dict) -> list[str]:
        problems = Problems()
        rubric = definition.get("rubric")
        if not isinstance(rubric, list) or not rubric:
            problems.add("rubric", "needs at least one line")
            return problems.items
        for number, line in enumerate(rubric, start=1):
            if not isinstance(line, dict):
                problems.add(f"rubric[{number}]", "must have criterion and points")
                continue
            check_text(problems, f"rubric[{number}].criterion", line.get("criterion"), 300)
            points = line.get("points")
            if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 20:
                problems.add(f"rubric[{number}].points", "must be a whole number from 1 to 20")
        return problems.items

    def present(self, definition, rng, shuffle):
        return {"key": {}}

    def parse(self, presentation, values):
        text = "\n".join(value for value in values if value).strip()
        if len(text) > MAX_ANSWER:
            raise too_long(text, MAX_ANSWER)
        return text or None

    def grade(self, definition, presentation, answer):
        return None  # a trainer scores it with the rubric

    form_values = staticmethod(plain_form_values)

    def max_points(self, definition, points):
        return sum(line["points"] for line in definition["rubric"])

    def regradable(self, old_definition, new_definition):
        """Rubric wording and the model answer may change; not the points of its lines, or a
        trainer's marks (points per line) would no longer mean what they meant."""
        return _line_points(old_definition) == _line_points(new_definition)

    rekey = staticmethod(same_presentation)


def _line_points(definition: dict) -> list:
    return [line.get("points") for line in definition.get("rubric") or [] if isinstance(line, dict)]


TYPE = FreeText()
