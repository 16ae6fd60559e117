"""A statement that is true or false."""

from __future__ import annotations

from fractions import Fraction

from flask_babel import lazy_gettext as _l

from quizzes.question_types.base import (
    AnswerError,
    Problems,
    always_regradable,
    plain_form_values,
    same_presentation,
)


class TrueFalse:
    name = "true_false"
    label = "True or false"
    manual = False

    def validate(self, definition: dict) -> list[str]:
        problems = Problems()
        if not isinstance(definition.get("answer"), bool):
            problems.add("answer", "must be true or false")
        return problems.items

    def present(self, definition, rng, shuffle):
        return {"options": [{"id": "true"}, {"id": "false"}], "key": {}}

    def parse(self, presentation, values):
        chosen = [value for value in values if value]
        if not chosen:
            return None
        if len(chosen) > 1 or chosen[0] not in ("true", "false"):
            raise AnswerError(_l("Choose True or False."))
        return chosen[0] == "true"

    def grade(self, definition, presentation, answer):
        return Fraction(1 if answer is not None and answer == definition["answer"] else 0)

    form_values = staticmethod(plain_form_values)

    def max_points(self, definition, points):
        return points

    # The statement's truth is the whole key: a corrected answer always regrades.
    regradable = staticmethod(always_regradable)
    rekey = staticmethod(same_presentation)


TYPE = TrueFalse()
