"""The trainer's form for a question: the fields every question has, plus one small class per
question type that declares its own fields and turns their text into the type's definition and
back. Trainers type lists one item per line (options with a ``*`` marking the correct ones,
``left = right`` pairs, rubric lines starting with their points), never JSON or YAML.

Parsing here only reads the text; whether the definition is acceptable is decided by the type's
``validate`` in the registry (through ``question_authoring`` and ``bank``). Its problems, such as
``options[2].text: must be non-empty text``, are put beside the field they concern by
``show_definition_problems``. The per-type classes are in ``type_forms``.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms import text_limits
from lms.forms import strip
from quizzes.question_types import REGISTRY
from quizzes.type_forms import FORMS

MAX_MARKDOWN = text_limits.QUESTION_TEXT
FACT_TAGS = ("V", "S", "practice")


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
        """Everything ``question_authoring`` needs besides key and criterion."""
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
