"""One correct option among several."""

from __future__ import annotations

from fractions import Fraction

from flask_babel import lazy_gettext as _l

from quizzes.question_types.base import (
    AnswerError,
    Problems,
    check_text,
    moved,
    opaque_ids,
    plain_form_values,
)


def _texts(definition: dict) -> list:
    return [option.get("text") for option in definition.get("options") or []]


class SingleChoice:
    name = "single_choice"
    label = "Single choice"
    manual = False

    def validate(self, definition: dict) -> list[str]:
        problems = Problems()
        options = definition.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= 10:
            problems.add("options", "needs 2 to 10 options")
            return problems.items
        for number, option in enumerate(options, start=1):
            if not isinstance(option, dict):
                problems.add(f"options[{number}]", "must have text and correct")
                continue
            check_text(problems, f"options[{number}].text", option.get("text"), 500)
            if not isinstance(option.get("correct", False), bool):
                problems.add(f"options[{number}].correct", "must be true or false")
        correct = [o for o in options if isinstance(o, dict) and o.get("correct") is True]
        self._check_correct_count(problems, len(correct))
        return problems.items

    def _check_correct_count(self, problems: Problems, count: int) -> None:
        if count != 1:
            problems.add("options", "exactly one option must be correct")

    def present(self, definition, rng, shuffle):
        options = definition["options"]
        order = list(range(len(options)))
        if shuffle:
            rng.shuffle(order)
        ids = opaque_ids(len(order))
        return {
            "options": [
                {"id": ids[i], "text": options[index]["text"]} for i, index in enumerate(order)
            ],
            "key": {ids[i]: index for i, index in enumerate(order)},
        }

    def parse(self, presentation, values):
        chosen = [value for value in values if value]
        if not chosen:
            return None
        if len(chosen) > 1 or chosen[0] not in presentation["key"]:
            raise AnswerError(_l("Choose one of the options shown."))
        return chosen[0]

    def grade(self, definition, presentation, answer):
        if answer is None:
            return Fraction(0)
        index = presentation["key"].get(answer)
        if index is None:
            raise AnswerError(_l("Choose one of the options shown."))
        return Fraction(1 if definition["options"][index].get("correct") else 0)

    form_values = staticmethod(plain_form_values)

    def max_points(self, definition, points):
        return points

    def regradable(self, old_definition, new_definition):
        """The same option texts (perhaps reordered); which of them are correct may change."""
        return moved(_texts(old_definition), _texts(new_definition)) is not None

    def rekey(self, old_definition, new_definition, presentation):
        where = moved(_texts(old_definition), _texts(new_definition))
        key = {option_id: where[index] for option_id, index in presentation["key"].items()}
        return {**presentation, "key": key}


TYPE = SingleChoice()
