"""Forms of the continuing-education pages: an external activity, a review, a renewal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from certificates.ce_activities import DESCRIPTION_MAX, EVIDENCE_MAX_MB, TITLE_MAX
from lms.forms import strip
from lms.text_limits import REASON


class ActivityForm(FlaskForm):
    title = StringField(
        _l("Title of the activity"),
        filters=[strip],
        validators=[DataRequired(), Length(max=TITLE_MAX)],
        description=_l("E.g. the name of a seminar, a conference or a course."),
    )
    provider = StringField(
        _l("Organised by"), filters=[strip], validators=[DataRequired(), Length(max=TITLE_MAX)]
    )
    held_on = DateField(
        _l("Date"),
        validators=[DataRequired(message=_l("Give the date of the activity."))],
        description=_l("The last day, for an activity of several days."),
    )
    hours = StringField(
        _l("Academic hours"),
        filters=[strip],
        validators=[DataRequired(), Length(max=12)],
        description=_l("More than 0 and at most 80, e.g. 6 or 1.5."),
    )
    ethics = BooleanField(_l("The activity was on professional ethics"))
    description = TextAreaField(
        _l("What it covered (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
    )
    evidence = FileField(
        _l("Evidence"),
        description=_l(
            "A certificate of attendance or a confirmation from the organiser: PDF, JPEG or "
            "PNG, at most %(n)d MB.",
            n=EVIDENCE_MAX_MB,
        ),
    )
    submit = SubmitField(_l("Submit for review"))


class ReviewForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip],
        validators=[Length(max=REASON)],
        description=_l("Required to reject; the holder reads it in the message."),
    )
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))


class RenewForm(FlaskForm):
    submit = SubmitField(_l("Renew my certificate"))


class CreditsForm(FlaskForm):
    """Only the CSRF token and the button: the rows are read by name (one per course and
    seminar), as the service checks them."""

    submit = SubmitField(_l("Save"))
