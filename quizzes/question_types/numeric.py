"""A number, right within an absolute tolerance. Decimal comma or point; no floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from quizzes.question_types.base import (
    AnswerError,
    Problems,
    plain_form_values,
    same_presentation,
)

LIMIT = Decimal("1e15")
NOT_A_NUMBER = _l("Enter a number in digits, such as 12 or 2,5.")


def to_decimal(value) -> Decimal | None:
    """A finite number of sane size (huge exponents would overflow the arithmetic)."""
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number.adjusted()) > 15 or abs(number) >= LIMIT:
        return None
    return number


class Numeric:
    name = "numeric"
    label = "Number"
    manual = False

    def validate(self, definition: dict) -> list[str]:
        problems = Problems()
        if (
            isinstance(definition.get("answer"), bool)
            or to_decimal(definition.get("answer")) is None
        ):
            problems.add("answer", "must be a number")
        tolerance = to_decimal(definition.get("tolerance", 0))
        if isinstance(definition.get("tolerance"), bool) or tolerance is None or tolerance < 0:
            problems.add("tolerance", "must be a number of at least 0")
        return problems.items

    def present(self, definition, rng, shuffle):
        return {"key": {}, "unit": definition.get("unit", "")}

    def parse(self, presentation, values):
        text = " ".join(value for value in values if value).strip()
        if not text:
            return None
        number = to_decimal(text)
        if number is None or len(text) > 40:
            raise AnswerError(NOT_A_NUMBER)
        return str(number)

    def grade(self, definition, presentation, answer):
        if answer is None:
            return Fraction(0)
        given = to_decimal(answer)
        if given is None:
            raise AnswerError(NOT_A_NUMBER)
        expected = to_decimal(definition["answer"])
        tolerance = to_decimal(definition.get("tolerance", 0))
        return Fraction(1 if abs(given - expected) <= tolerance else 0)

    form_values = staticmethod(plain_form_values)

    def max_points(self, definition, points):
        return points

    def regradable(self, old_definition, new_definition):
        """The answer and tolerance may change; not the unit the trainee was shown."""
        return old_definition.get("unit", "") == new_definition.get("unit", "")

    rekey = staticmethod(same_presentation)


TYPE = Numeric()
