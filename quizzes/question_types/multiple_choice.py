"""Several correct options. Partial credit: (correct chosen - wrong chosen) / all correct,
never below zero, so guessing every option earns nothing."""

from __future__ import annotations

from fractions import Fraction

from flask_babel import lazy_gettext as _l

from quizzes.question_types.base import AnswerError, Problems, clamp
from quizzes.question_types.single_choice import SingleChoice


class MultipleChoice(SingleChoice):
    name = "multiple_choice"
    label = "Multiple choice"

    def _check_correct_count(self, problems: Problems, count: int) -> None:
        if count < 1:
            problems.add("options", "at least one option must be correct")

    def parse(self, presentation, values):
        chosen = sorted({value for value in values if value})
        if any(value not in presentation["key"] for value in chosen):
            raise AnswerError(_l("Choose only among the options shown."))
        return chosen

    def grade(self, definition, presentation, answer):
        options = definition["options"]
        correct_total = sum(1 for option in options if option.get("correct"))
        right = wrong = 0
        for value in answer or []:
            index = presentation["key"].get(value)
            if index is None:
                raise AnswerError(_l("Choose only among the options shown."))
            if options[index].get("correct"):
                right += 1
            else:
                wrong += 1
        return clamp(Fraction(right - wrong, correct_total))


TYPE = MultipleChoice()
