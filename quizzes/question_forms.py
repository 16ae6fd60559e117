"""The trainer's form for a question: the fields every question has, plus one small class per
question type that declares its own fields and turns their text into the type's definition and
back. Trainers type lists one item per line (options with a ``*`` marking the correct ones,
``left = right`` pairs, rubric lines starting with their points), never JSON or YAML.

Parsing here only reads the text; whether the definition is acceptable is decided by the type's
``validate`` in the registry (through ``quiz_authoring`` and ``bank``). Its problems, such as
``options[2].text: must be non-empty text``, are put beside the field they concern by
``show_definition_problems``. Adding a question type adds its class to ``FORMS``, nothing more.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms import text_limits
from lms.forms import strip
from lms.service_error import ServiceError
from quizzes.question_types import REGISTRY
from quizzes.question_types.numeric import to_decimal

MAX_MARKDOWN = text_limits.QUESTION_TEXT
MAX_LIST = text_limits.QUESTION_LIST
FACT_TAGS = ("V", "S", "practice")
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


# --- the whole question form -----------------------------------------------------------------


class QuestionForm(FlaskForm):
    key = StringField(
        _l("Key"),
        filters=[strip],
        validators=[DataRequired(), Length(max=80)],
        description=_l(
            "A short name, unique in this course's bank: Latin letters, digits, hyphens, e.g. "
            "“law-main-act”."
        ),
    )
    criterion = SelectField(_l("Criterion"), coerce=int, validate_choice=False)
    stem = TextAreaField(
        _l("Question text (Markdown)"),
        validators=[DataRequired(), Length(max=MAX_MARKDOWN)],
        render_kw={"rows": 6, "data-preview-target": "stem-preview"},
    )
    points = IntegerField(
        _l("Points"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
        description=_l("1 to 100."),
    )
    difficulty = SelectField(
        _l("Difficulty"),
        coerce=int,
        default=1,
        choices=[(1, _l("1 – basic")), (2, _l("2 – intermediate")), (3, _l("3 – advanced"))],
    )
    feedback = TextAreaField(
        _l("Feedback and explanation (Markdown)"),
        validators=[Length(max=MAX_MARKDOWN)],
        description=_l("Shown to trainees after an attempt when the quiz's review policy allows."),
        render_kw={"rows": 4, "data-preview-target": "feedback-preview"},
    )
    source = StringField(
        _l("Source reference"),
        filters=[strip],
        validators=[Length(max=300)],
        description=_l("Where the answer can be checked, e.g. “Law Art. 8”."),
    )
    fact_tag = SelectField(
        _l("Fact tag"),
        validate_choice=False,
        choices=[
            ("V", _l("V – verified in the primary or an official source")),
            ("S", _l("S – from a secondary source")),
            ("practice", _l("practice – agreed mediation practice, no legal fact")),
        ],
        description=_l("Unverified [U] facts are never taught as true, so they cannot be used."),
    )
    verified_on = DateField(
        _l("Last verified on"),
        validators=[Optional()],
        description=_l(
            "When the answer was last checked against its source; leave it empty until it is. "
            "A question of a must-pass criterion marked as possibly amended is given only once "
            "it has a date, and ticking that box clears a date recorded before."
        ),
    )
    possibly_amended = BooleanField(
        _l("The provision may have been amended since"),
        description=_l("Marks the question for re-checking against the current text."),
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save question"))

    type_name = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if REGISTRY[self.type_name].manual:
            self.points.description = _l(
                "Written answers are worth the sum of their rubric lines; this is kept for "
                "the record (1 to 100)."
            )

    def type_fields(self) -> list:
        return [self[name] for name in FORMS[self.type_name].fields()]

    def definition(self) -> dict:
        """The type's definition from its fields (ServiceError when the text cannot be read)."""
        spec = FORMS[self.type_name]
        return spec.definition({name: self[name].data for name in spec.fields()})

    def content(self) -> dict:
        """Everything ``quiz_authoring`` needs besides key and criterion."""
        verified: date | None = self.verified_on.data
        return {
            "stem": self.stem.data or "",
            "definition": self.definition(),
            "points": self.points.data,
            "difficulty": self.difficulty.data,
            "feedback": self.feedback.data or "",
            "source": self.source.data or "",
            "fact_tag": self.fact_tag.data or "",
            "verified_on": verified.isoformat() if verified else "",
            "possibly_amended": bool(self.possibly_amended.data),
        }


_FORM_CLASSES: dict[str, type[QuestionForm]] = {}


def form_class(type_name: str) -> type[QuestionForm]:
    """The question form of one type: the common fields plus the type's own."""
    if type_name not in _FORM_CLASSES:
        spec = FORMS[type_name]
        attributes: dict = {"type_name": type_name, **spec.fields()}
        _FORM_CLASSES[type_name] = type(
            f"{type(spec).__name__}Question", (QuestionForm,), attributes
        )
    return _FORM_CLASSES[type_name]


def question_data(question) -> dict:
    """A question's current version as form data (for editing)."""
    version = question.current
    verified = None
    if version.verified_on:
        try:
            verified = date.fromisoformat(version.verified_on)
        except ValueError:
            verified = None
    return {
        "key": question.key,
        "criterion": question.criterion_id,
        "stem": version.stem_source,
        "points": version.points,
        "difficulty": version.difficulty,
        "feedback": version.feedback_source,
        "source": version.source_reference,
        "fact_tag": version.fact_tag,
        "verified_on": verified,
        "possibly_amended": version.possibly_amended,
        **FORMS[question.type].data(version.definition),
    }


# --- the registry's problems, beside their fields --------------------------------------------

_PROBLEM = re.compile(r"^(?P<root>[a-z_]+)(?:\[(?P<n>\d+)\])?[.\w]*: (?P<message>.+)$")
_LONGER = re.compile(r"^is longer than (\d+) characters$")

# The registry's messages (plain English in quizzes/question_types), in the reader's language.
_MESSAGES = {
    "must be non-empty text": _l("must not be empty"),
    "needs 2 to 10 options": _l("needs 2 to 10 options"),
    "exactly one option must be correct": _l(
        "exactly one option must be correct (start its line with *)"
    ),
    "at least one option must be correct": _l(
        "at least one option must be correct (start its line with *)"
    ),
    "must have text and correct": _l("must have a text"),
    "must be true or false": _l("must be true or false"),
    "needs at least one accepted answer": _l("needs at least one accepted answer"),
    "has nothing left once punctuation is ignored": _l(
        "has nothing left once punctuation is ignored"
    ),
    "must be a number": _l("must be a number"),
    "must be a number of at least 0": _l("must be a number of at least 0"),
    "needs 2 to 10 pairs": _l("needs 2 to 10 pairs"),
    "must have left and right": _l("must have a left and a right item"),
    "every right-hand item must be different": _l("every right-hand item must be different"),
    "needs 3 to 10 items": _l("needs 3 to 10 items"),
    "every item must be different": _l("every item must be different"),
    "needs at least one line": _l("needs at least one line"),
    "must have criterion and points": _l("must have points and a text"),
    "must be a whole number from 1 to 20": _l("points must be a whole number from 1 to 20"),
}


def _translated(message: str):
    longer = _LONGER.match(message)
    if longer:
        return _l("is longer than %(n)d characters", n=int(longer.group(1)))
    return _MESSAGES.get(message, message)


def problem_messages(type_name: str, problems: list[str]) -> list[tuple[str | None, str]]:
    """(form field or None, message) for each of the registry's problems."""
    spec = FORMS[type_name]
    placed = []
    for problem in problems:
        match = _PROBLEM.match(problem)
        if not match:
            placed.append((None, problem))
            continue
        root, number = match.group("root"), match.group("n")
        message = str(_translated(match.group("message")))
        if number:
            message = str(
                _l("%(item)s: %(problem)s", item=spec.item(root, int(number)), problem=message)
            )
        field = {"stem": "stem", "points": "points", "difficulty": "difficulty"}.get(root)
        placed.append((field or spec.field_for(root), message))
    return placed


def show_definition_problems(form: QuestionForm, problems: list[str]) -> None:
    """Put each problem beside its field, or above the form if no field fits."""
    for field, message in problem_messages(form.type_name, problems):
        if field and field in form:
            form[field].errors = [*form[field].errors, message]
        else:
            form.form_errors.append(message)
