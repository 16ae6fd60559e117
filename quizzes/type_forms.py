"""One small form class per question type: the fields it adds to the question form, and how
their text (one item per line: options with a ``*`` marking the correct ones, ``left = right``
pairs, rubric lines starting with their points) becomes the type's definition and back. Adding a
question type adds its class to ``FORMS``, nothing more; the frame around them is
``question_forms``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length

from lms import text_limits
from lms.forms import strip
from lms.service_error import ServiceError
from quizzes.question_types import REGISTRY
from quizzes.question_types.numeric import to_decimal

MAX_LIST = text_limits.QUESTION_LIST
# Text boxes read one item per line: no soft wrapping, so a screen line is an item.
LIST_BOX = {"rows": 7, "wrap": "off"}


def numbered_lines(text: str | None) -> list[tuple[int, str]]:
    """The non-blank lines of a text box, stripped, with their line numbers (from 1)."""
    return [
        (number, line.strip())
        for number, line in enumerate((text or "").splitlines(), start=1)
        if line.strip()
    ]


def _texts(definition: dict, key: str) -> list:
    value = definition.get(key)
    return value if isinstance(value, list) else []


# --- one class per question type ------------------------------------------------------------


class TypeForm:
    """What a question type adds to the form. Subclasses set the attributes and methods."""

    name: str
    label = _l("Question")
    description = ""

    def fields(self) -> dict:
        """The type's own (unbound) WTForms fields, by name."""
        raise NotImplementedError

    def definition(self, data: dict) -> dict:
        """Field data -> the type's definition; ServiceError(field) if the text cannot be read."""
        raise NotImplementedError

    def data(self, definition: dict) -> dict:
        """The definition as field data (what the form shows when editing)."""
        raise NotImplementedError

    def item(self, root: str, number: int):
        """How a problem about the ``number``-th entry of ``root`` names it, e.g. "Option 2"."""
        return _l("Item %(n)d", n=number)

    def field_for(self, root: str) -> str:
        """The form field a registry problem about ``root`` (e.g. ``options``) belongs beside."""
        return root


class ChoiceForm(TypeForm):
    """Options one per line; a line starting with ``*`` is a correct option (``\\*`` keeps a
    literal asterisk at the start of an option)."""

    name = "single_choice"
    label = _l("Single choice")
    description = _l("Several options, exactly one of them correct.")
    help = _l(
        "One option per line, 2 to 10 options. Start the line of the correct option with an "
        "asterisk, e.g. “* Law No. 401-IV”."
    )

    def fields(self) -> dict:
        return {
            "options": TextAreaField(
                _l("Options"),
                validators=[Length(max=MAX_LIST)],
                description=self.help,
                render_kw=LIST_BOX,
            )
        }

    def definition(self, data: dict) -> dict:
        options = []
        for _number, line in numbered_lines(data.get("options")):
            correct = line.startswith("*")
            text = line[1:].strip() if correct else line
            if text.startswith("\\*"):
                text = text[1:]
            options.append({"text": text, "correct": correct})
        return {"options": options}

    def data(self, definition: dict) -> dict:
        lines = []
        for option in _texts(definition, "options"):
            if not isinstance(option, dict):
                continue
            text = str(option.get("text", ""))
            if text.startswith("*"):
                text = "\\" + text
            lines.append(("* " if option.get("correct") is True else "") + text)
        return {"options": "\n".join(lines)}

    def item(self, root: str, number: int):
        return _l("Option %(n)d", n=number)


class MultipleChoiceForm(ChoiceForm):
    name = "multiple_choice"
    label = _l("Multiple choice")
    description = _l("Several options, one or more of them correct; partial credit.")
    help = _l(
        "One option per line, 2 to 10 options. Start the line of every correct option with an "
        "asterisk, e.g. “* Voluntariness”."
    )


class TrueFalseForm(TypeForm):
    name = "true_false"
    label = _l("True or false")
    description = _l("A statement that is true or false.")

    def fields(self) -> dict:
        return {
            "answer": RadioField(
                _l("The statement is"),
                choices=[("true", _l("True")), ("false", _l("False"))],
                validate_choice=False,
            )
        }

    def definition(self, data: dict) -> dict:
        value = data.get("answer")
        if value not in ("true", "false"):
            raise ServiceError(_l("Choose whether the statement is true or false."), "answer")
        return {"answer": value == "true"}

    def data(self, definition: dict) -> dict:
        answer = definition.get("answer")
        return {
            "answer": {True: "true", False: "false"}.get(answer)
            if isinstance(answer, bool)
            else None
        }


class ShortTextForm(TypeForm):
    name = "short_text"
    label = _l("Short text")
    description = _l("A few words typed in, compared with the accepted answers.")

    def fields(self) -> dict:
        return {
            "accepted": TextAreaField(
                _l("Accepted answers"),
                validators=[Length(max=MAX_LIST)],
                description=_l(
                    "One accepted answer per line. Case, brackets, quotes, extra spaces and "
                    "final punctuation are ignored; ё counts as е."
                ),
                render_kw=LIST_BOX,
            )
        }

    def definition(self, data: dict) -> dict:
        return {"accepted": [line for _n, line in numbered_lines(data.get("accepted"))]}

    def data(self, definition: dict) -> dict:
        return {"accepted": "\n".join(str(v) for v in _texts(definition, "accepted"))}

    def item(self, root: str, number: int):
        return _l("Accepted answer %(n)d", n=number)


def _number(value: Decimal) -> int | str:
    """A number for the JSON definition: whole numbers as int, others as exact text."""
    if value == value.to_integral_value():
        return int(value)
    return format(value.normalize(), "f")


def _shown(value) -> str:
    if value is None or isinstance(value, bool):
        return ""
    number = to_decimal(value)
    return str(value) if number is None else str(_number(number))


class NumericForm(TypeForm):
    name = "numeric"
    label = _l("Numeric answer")
    description = _l("A number, right within a tolerance.")

    def fields(self) -> dict:
        return {
            "answer": StringField(
                _l("Correct answer"),
                filters=[strip],
                validators=[Length(max=40)],
                description=_l("A number; a decimal comma or point, e.g. 10 or 2,5."),
                render_kw={"inputmode": "decimal", "autocomplete": "off"},
            ),
            "tolerance": StringField(
                _l("Tolerance"),
                filters=[strip],
                default="0",
                validators=[Length(max=40)],
                description=_l("How far from the answer still counts as right; 0 means exactly."),
                render_kw={"inputmode": "decimal", "autocomplete": "off"},
            ),
            "unit": StringField(
                _l("Unit (optional)"),
                filters=[strip],
                validators=[Length(max=40)],
                description=_l("Shown after the answer box, e.g. “working days”."),
            ),
        }

    def definition(self, data: dict) -> dict:
        answer = to_decimal(data.get("answer") or "")
        if not (data.get("answer") or "").strip() or answer is None:
            raise ServiceError(_l("Enter a number, e.g. 10 or 2,5."), "answer")
        tolerance_text = (data.get("tolerance") or "").strip() or "0"
        tolerance = to_decimal(tolerance_text)
        if tolerance is None:
            raise ServiceError(_l("Enter a number, e.g. 0 or 0,5."), "tolerance")
        definition = {"answer": _number(answer), "tolerance": _number(tolerance)}
        unit = (data.get("unit") or "").strip()
        if unit:
            definition["unit"] = unit
        return definition

    def data(self, definition: dict) -> dict:
        return {
            "answer": _shown(definition.get("answer")),
            "tolerance": _shown(definition.get("tolerance", 0)),
            "unit": str(definition.get("unit") or ""),
        }


class MatchingForm(TypeForm):
    name = "matching"
    label = _l("Matching pairs")
    description = _l("Match each item on the left with one on the right.")

    def fields(self) -> dict:
        return {
            "pairs": TextAreaField(
                _l("Pairs"),
                validators=[Length(max=MAX_LIST)],
                description=_l(
                    "One pair per line, 2 to 10 pairs, written “left = right”, e.g. "
                    "“добровольность = Voluntariness”. Trainees see the right-hand items shuffled."
                ),
                render_kw=LIST_BOX,
            )
        }

    def definition(self, data: dict) -> dict:
        pairs = []
        for number, line in numbered_lines(data.get("pairs")):
            left, separator, right = line.partition("=")
            if not separator:
                raise ServiceError(
                    _l("Line %(n)d: write each pair as “left = right”.", n=number), "pairs"
                )
            pairs.append({"left": left.strip(), "right": right.strip()})
        return {"pairs": pairs}

    def data(self, definition: dict) -> dict:
        return {
            "pairs": "\n".join(
                f"{pair.get('left', '')} = {pair.get('right', '')}"
                for pair in _texts(definition, "pairs")
                if isinstance(pair, dict)
            )
        }

    def item(self, root: str, number: int):
        return _l("Pair %(n)d", n=number)


class OrderingForm(TypeForm):
    name = "ordering"
    label = _l("Ordering")
    description = _l("Put 3 to 10 items in the right order.")

    def fields(self) -> dict:
        return {
            "items": TextAreaField(
                _l("Items in the correct order"),
                validators=[Length(max=MAX_LIST)],
                description=_l(
                    "One item per line, 3 to 10 items, first item first. Trainees see them "
                    "shuffled."
                ),
                render_kw=LIST_BOX,
            )
        }

    def definition(self, data: dict) -> dict:
        return {"items": [line for _n, line in numbered_lines(data.get("items"))]}

    def data(self, definition: dict) -> dict:
        return {"items": "\n".join(str(item) for item in _texts(definition, "items"))}


_RUBRIC_LINE = re.compile(r"^(\d{1,6})\s*[|:.)–—-]?\s*(.*)$")


class FreeTextForm(TypeForm):
    name = "free_text"
    label = _l("Written answer")
    description = _l("A written answer that a trainer scores against rubric lines.")

    def fields(self) -> dict:
        return {
            "rubric": TextAreaField(
                _l("Rubric"),
                validators=[Length(max=MAX_LIST)],
                description=_l(
                    "One line per thing the answer must do, starting with its points (1 to 20), "
                    "e.g. “1 | Refuses to pass on the hint”. The question is worth the sum."
                ),
                render_kw=LIST_BOX,
            ),
            "model_answer": TextAreaField(
                _l("Model answer (optional)"),
                validators=[Length(max=text_limits.MODEL_ANSWER)],
                description=_l("Shown to trainers when they score answers, never to trainees."),
                render_kw={"rows": 5},
            ),
        }

    def definition(self, data: dict) -> dict:
        rubric = []
        for number, line in numbered_lines(data.get("rubric")):
            match = _RUBRIC_LINE.match(line)
            if not match:
                raise ServiceError(
                    _l(
                        "Line %(n)d: start with the points, e.g. “1 | Explains the duty of "
                        "confidentiality”.",
                        n=number,
                    ),
                    "rubric",
                )
            rubric.append({"criterion": match.group(2).strip(), "points": int(match.group(1))})
        definition: dict = {"rubric": rubric}
        model_answer = (data.get("model_answer") or "").replace("\r\n", "\n").strip()
        if model_answer:
            definition["model_answer"] = model_answer
        return definition

    def data(self, definition: dict) -> dict:
        return {
            "rubric": "\n".join(
                f"{line.get('points', '')} | {line.get('criterion', '')}"
                for line in _texts(definition, "rubric")
                if isinstance(line, dict)
            ),
            "model_answer": str(definition.get("model_answer") or ""),
        }

    def item(self, root: str, number: int):
        return _l("Rubric line %(n)d", n=number)


FORMS: dict[str, TypeForm] = {
    form.name: form
    for form in (
        ChoiceForm(),
        MultipleChoiceForm(),
        TrueFalseForm(),
        ShortTextForm(),
        NumericForm(),
        MatchingForm(),
        OrderingForm(),
        FreeTextForm(),
    )
}
assert set(FORMS) == set(REGISTRY), "every question type needs its form here"


def type_form(name: str) -> TypeForm:
    return FORMS[name]


def canonical(type_name: str, definition: dict) -> dict | None:
    """The definition as the form would save it, to tell whether an edit changed anything
    (stored definitions may spell the same thing differently, e.g. without ``correct: false``).
    None if the form cannot show it."""
    form = FORMS[type_name]
    try:
        return form.definition(form.data(definition))
    except (ServiceError, AttributeError, TypeError, ValueError):
        return None
