"""The quiz builder's forms: a quiz's settings, a draw rule, the question picker's filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from courses.models import Course, Module
from lms.extensions import db
from lms.forms import strip
from lms.timezone import site_zone, to_local, to_utc
from quizzes import question_authoring, quiz_authoring
from quizzes.models import BankScope, Criterion, Quiz, ReviewPolicy
from quizzes.type_forms import FORMS


def optional_int(value):
    """For selects with an empty choice: "" is None, anything else must be a whole number."""
    if value in (None, "", "None"):
        return None
    return int(value)


REVIEW_POLICIES = {
    ReviewPolicy.SCORE.value: _l("The score only"),
    ReviewPolicy.CRITERIA.value: _l("The score and the result by criterion"),
    ReviewPolicy.ANSWERS.value: _l("The score, the criteria and each answer with its feedback"),
    ReviewPolicy.AFTER_CLOSE.value: _l("Nothing until the quiz closes"),
}
SELECTIONS = {
    "fixed": _l("A fixed list of questions"),
    "draw": _l("Questions drawn from the bank by criterion"),
}
BANK_SCOPES = {
    BankScope.COURSE.value: _l("This course's bank"),
    BankScope.ALL.value: _l("Every bank (an exam across the programme)"),
}


class QuizSettingsForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Address (slug)"),
        filters=[strip],
        validators=[Optional(), Length(max=80)],
        description=_l("Leave empty to make one from the title."),
    )
    module_id = SelectField(_l("Module"), coerce=optional_int)
    instructions = TextAreaField(
        _l("Instructions (Markdown)"),
        validators=[Length(max=quiz_authoring.MAX_INSTRUCTIONS)],
        description=_l("Shown on the quiz page before trainees start."),
        render_kw={"rows": 4, "data-preview-target": "instructions-preview"},
    )
    pass_mark = IntegerField(
        _l("Pass mark (%)"),
        default=70,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("Overall; each criterion also needs its own threshold."),
    )
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=quiz_authoring.MAX_TIME_LIMIT)],
        description=_l("Leave empty for no limit."),
    )
    attempts_allowed = IntegerField(
        _l("Attempts allowed"),
        validators=[Optional(), NumberRange(min=1, max=quiz_authoring.MAX_ATTEMPTS)],
        description=_l("Leave empty for no limit."),
    )
    wait_minutes = IntegerField(
        _l("Wait between attempts (minutes)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=quiz_authoring.MAX_WAIT)],
        description=_l("e.g. 1440 for a day."),
    )
    opens_at = DateTimeLocalField(_l("Opens"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes"), validators=[Optional()])
    shuffle_questions = BooleanField(_l("Shuffle the questions"), default=True)
    shuffle_options = BooleanField(_l("Shuffle the options of each question"), default=True)
    review_policy = SelectField(
        _l("After an attempt, trainees see"), default=ReviewPolicy.CRITERIA.value
    )
    selection = SelectField(_l("Questions"), default="fixed")
    bank_scope = SelectField(
        _l("Banks used"),
        default=BankScope.COURSE.value,
        description=_l("A fixed list can take questions from every bank you edit."),
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save settings"))

    def __init__(self, *args, course: Course, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        modules = db.session.scalars(
            select(Module).where(Module.course_id == course.id).order_by(Module.position)
        )
        self.module_id.choices = [("", _l("— the whole course —"))] + [
            (module.id, module.title) for module in modules
        ]
        self.review_policy.choices = list(REVIEW_POLICIES.items())
        self.selection.choices = list(SELECTIONS.items())
        self.bank_scope.choices = list(BANK_SCOPES.items())
        zone = _l("Time in %(zone)s.", zone=str(site_zone()))
        self.opens_at.description = zone
        self.closes_at.description = zone

    def settings(self) -> dict:
        values = {name: self[name].data for name in quiz_authoring.SETTINGS}
        values["slug"] = values["slug"] or ""
        values["instructions"] = values["instructions"] or ""
        values["wait_minutes"] = values["wait_minutes"] or 0
        values["opens_at"] = to_utc(values["opens_at"])
        values["closes_at"] = to_utc(values["closes_at"])
        return values


def settings_data(quiz: Quiz) -> dict:
    data = {name: getattr(quiz, name) for name in quiz_authoring.SETTINGS}
    data["opens_at"] = to_local(quiz.opens_at)
    data["closes_at"] = to_local(quiz.closes_at)
    return data


class RuleForm(FlaskForm):
    criterion = SelectField(_l("Criterion"), coerce=optional_int, validate_choice=False)
    count = IntegerField(
        _l("Number of questions"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    difficulty = SelectField(
        _l("Difficulty"),
        coerce=optional_int,
        choices=[("", _l("any")), (1, "1"), (2, "2"), (3, "3")],
    )
    submit = SubmitField(_l("Add rule"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criterion.choices = [
            (c.id, f"{c.code} – {c.title}") for c in question_authoring.bank_criteria()
        ]


class QuestionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    criterion = SelectField(_l("Criterion"), default="")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        criteria = db.session.scalars(select(Criterion).order_by(Criterion.code))
        self.criterion.choices = [("", _l("All criteria"))] + [
            (str(c.id), c.code) for c in criteria
        ]

    def criterion_id(self) -> int | None:
        data = self.criterion.data or ""
        valid = {value for value, _label in self.criterion.choices if value}
        return int(data) if data in valid else None


QUESTION_STATES = {
    "active": _l("Active"),
    "inactive": _l("Inactive"),
    "withdrawn": _l("Withdrawn"),
}


class BankFilterForm(QuestionFilterForm):
    """The bank list's filters: a criterion, a text the key contains, a type, a state."""

    q = SearchField(_l("Key contains"), filters=[lambda v: v.strip()[:80] if v else v])
    type = SelectField(_l("Type"), default="")
    state = SelectField(_l("State"), default="")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.type.choices = [("", _l("All types"))] + [
            (name, spec.label) for name, spec in FORMS.items()
        ]
        self.state.choices = [("", _l("Any state")), *QUESTION_STATES.items()]

    def value(self, name: str) -> str:
        """The field's value if it is one of its choices, else "" (no filter)."""
        data = self[name].data or ""
        return data if data in {value for value, _label in self[name].choices} else ""
