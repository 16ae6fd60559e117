"""Forms for seminars, sessions, participants, rosters and attendance."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms import text_limits
from lms.forms import language_choices, strip
from lms.text_limits import REASON
from lms.timezone import to_utc
from seminars.models import AttendanceStatus


class SeminarDetailsForm(FlaskForm):
    """What can change after creation (seats change with their own form, under the lock)."""

    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"),
        filters=[strip],
        validators=[Length(max=text_limits.SEMINAR_DESCRIPTION)],
    )
    venue = StringField(
        _l("Venue"),
        filters=[strip],
        validators=[Length(max=300)],
        description=_l("Address and room, or leave empty for an online seminar."),
    )
    online_link = StringField(
        _l("Online link"),
        filters=[strip],
        validators=[Length(max=500)],
        description=_l("Shown only to registered participants."),
    )
    language = SelectField(_l("Language"), validators=[DataRequired()])
    registration_opens_at = DateTimeLocalField(_l("Registration opens"), validators=[Optional()])
    registration_closes_at = DateTimeLocalField(_l("Registration closes"), validators=[Optional()])
    submit = SubmitField(_l("Save seminar"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


class SeminarForm(SeminarDetailsForm):
    course = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    capacity = IntegerField(_l("Seats"), validators=[DataRequired(), NumberRange(min=1, max=1000)])

    def __init__(self, *args, courses=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.course.choices = [(course.id, course.title) for course in courses]


class SessionForm(FlaskForm):
    date = DateField(_l("Date"), validators=[DataRequired()])
    starts = TimeField(_l("Starts"), validators=[DataRequired()])
    ends = TimeField(_l("Ends"), validators=[DataRequired()])
    topic = StringField(_l("Topic"), filters=[strip], validators=[DataRequired(), Length(max=300)])
    academic_hours = StringField(
        _l("Academic hours"),
        filters=[strip],
        validators=[DataRequired(), Length(max=10)],
        description=_l("For example 3 or 1.5."),
    )
    trainer = SelectField(_l("Trainer"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Save session"))

    def __init__(self, *args, trainers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.trainer.choices = [(0, "—")] + [(t.id, t.full_name) for t in trainers]

    def moments(self) -> tuple[datetime, datetime]:
        starts = to_utc(datetime.combine(self.date.data, self.starts.data))
        ends = to_utc(datetime.combine(self.date.data, self.ends.data))
        return starts, ends


class CapacityForm(FlaskForm):
    capacity = IntegerField(_l("Seats"), validators=[DataRequired(), NumberRange(min=1, max=1000)])
    submit = SubmitField(_l("Change seats"))


class ParticipantForm(FlaskForm):
    email = EmailField(
        _l("Email of a registered user"),
        filters=[strip],
        validators=[DataRequired(), Length(max=254)],
    )
    organisation = StringField(_l("Organisation"), filters=[strip], validators=[Length(max=200)])
    submit = SubmitField(_l("Add participant"))


class RosterForm(FlaskForm):
    file = FileField(
        _l("Roster (.csv)"),
        validators=[FileRequired(_l("Choose a .csv file."))],
        description=_l(
            "Columns: full name, email, organisation (optional). "
            "UTF-8, or an 8-bit encoding you confirm in the preview; comma or semicolon."
        ),
    )
    submit = SubmitField(_l("Check the roster"))


class CorrectionForm(FlaskForm):
    user_id = IntegerField(validators=[DataRequired()])
    status = SelectField(_l("New status"), validators=[DataRequired()])
    hours = StringField(
        _l("Hours (if partly present)"), filters=[strip], validators=[Length(max=10)]
    )
    reason = StringField(
        _l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=REASON)]
    )
    submit = SubmitField(_l("Save correction"))

    def __init__(self, *args, **kwargs) -> None:

        super().__init__(*args, **kwargs)
        self.status.choices = [(s.value, s.label) for s in AttendanceStatus]
