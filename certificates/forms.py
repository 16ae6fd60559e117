"""Forms of the certificate pages: qualifications, declarations, identity, issuing, lifecycle."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from certificates.models import QualificationKind
from certificates.status_reasons import REASON_CHOICES, STATUS_REASONS
from lms import content_translations as ct
from lms.forms import strip
from lms.routing import parse_id
from lms.text_limits import REASON

LANGUAGE_FIELDS = ("en", "ru", "kk")  # the site's languages (config LANGUAGES)
HOURS_MESSAGE = _l("Give the hours as a number such as 36 or 36.5.")


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (readable on a phone, unlike a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QualificationForm(FlaskForm):
    slug = StringField(
        _l("Short name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=80)],
        description=_l("Lower-case letters, digits and hyphens, e.g. cpm-basic."),
    )
    kind = SelectField(_l("Kind of certificate"), validators=[InputRequired()])
    title_en = StringField(
        _l("Title in English"), filters=[strip], validators=[DataRequired(), Length(max=200)]
    )
    title_ru = StringField(_l("Title in Russian"), filters=[strip], validators=[Length(max=200)])
    title_kk = StringField(_l("Title in Kazakh"), filters=[strip], validators=[Length(max=200)])
    disclaimer_en = TextAreaField(
        _l("Disclaimer in English"), filters=[strip], validators=[DataRequired(), Length(max=1000)]
    )
    disclaimer_ru = TextAreaField(
        _l("Disclaimer in Russian"), filters=[strip], validators=[Length(max=1000)]
    )
    disclaimer_kk = TextAreaField(
        _l("Disclaimer in Kazakh"), filters=[strip], validators=[Length(max=1000)]
    )
    courses = CheckboxesField(_l("Courses to complete"), coerce=int)
    criteria = CheckboxesField(_l("Qualification criteria to meet"))
    compensable_average = IntegerField(
        _l("Average required of the criteria that may compensate each other, in per cent"),
        validators=[Optional()],
        description=_l("Leave empty when no average applies."),
    )
    min_hours = StringField(
        _l("Minimum academic hours of seminar attended"),
        filters=[strip],
        # Digits (a decimal point or comma) only: Decimal() would also take "NaN".
        validators=[
            Length(max=12),
            Regexp(
                r"^(\d+([.,]\d+)?)?$", message=_l("Give the hours as a number such as 36 or 36.5.")
            ),
        ],
        description=_l("Leave empty when no seminar is needed; e.g. 36 or 36.5."),
    )
    required_session_topics = TextAreaField(
        _l("Seminar sessions that must be attended"),
        filters=[strip],
        validators=[Length(max=5000)],
        description=_l("One per line: a session counts when its topic contains the line."),
    )
    declaration_text = TextAreaField(
        _l("Ethics declaration"),
        filters=[strip],
        validators=[Length(max=5000)],
        description=_l("The text trainees sign. Leave empty when no declaration is needed."),
    )
    declaration_valid_days = IntegerField(
        _l("A signature is valid for (days)"),
        validators=[Optional()],
        description=_l("Leave empty when a signature does not lapse."),
    )
    requires_identity = BooleanField(_l("Identity confirmed by a trainer"))
    min_age = IntegerField(
        _l("Minimum age (years)"), validators=[Optional()], description=_l("Leave empty for none.")
    )
    requires_higher_education = BooleanField(_l("Higher education required"))
    validity_months = IntegerField(
        _l("Valid for (months)"),
        validators=[Optional()],
        description=_l("Leave empty when certificates do not expire."),
    )
    ce_hours = StringField(
        _l("Continuing-education hours needed to renew, per period of validity"),
        filters=[strip],
        validators=[Length(max=12), Regexp(r"^(\d+([.,]\d+)?)?$", message=HOURS_MESSAGE)],
        description=_l("Leave empty when renewal needs no hours; e.g. 24."),
    )
    ce_ethics_hours = StringField(
        _l("Of which hours on ethics"),
        filters=[strip],
        validators=[Length(max=12), Regexp(r"^(\d+([.,]\d+)?)?$", message=HOURS_MESSAGE)],
        description=_l("Optional; e.g. 6."),
    )
    self_claim = BooleanField(
        _l("Eligible trainees may claim the certificate themselves"),
        description=_l("Otherwise a trainer issues it."),
    )
    active = BooleanField(_l("Offered (trainees see it and certificates can be issued)"))
    submit = SubmitField(_l("Save qualification"))

    def __init__(self, *args, courses=(), criteria=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [
            (QualificationKind.QUALIFICATION.value, _l("Certificate of training completion")),
            (QualificationKind.ATTENDANCE.value, _l("Certificate of attendance")),
        ]
        self.courses.choices = [(course.id, course.title) for course in courses]
        self.criteria.choices = [
            (criterion.code, f"{criterion.code} — {criterion.title}") for criterion in criteria
        ]


class DeclarationForm(FlaskForm):
    signed_name = StringField(
        _l("Your full name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=200)],
        description=_l("Type it exactly as in your profile: typing it is your signature."),
    )
    # The SHA-256 of the text the page showed: signing refuses when it changed meanwhile.
    text_digest = HiddenField()
    submit = SubmitField(_l("Sign the declaration"))


class ClaimForm(FlaskForm):
    """Which certificate the trainee claims: a qualification, and the seminar if it needs one."""

    qualification = StringField(validators=[DataRequired()])
    seminar = StringField()
    submit = SubmitField(_l("Claim my certificate"))


class IdentityForm(FlaskForm):
    legal_name = StringField(
        _l("Full name as on the identity document"),
        filters=[strip],
        validators=[DataRequired(), Length(max=200)],
        description=_l("Exactly as printed, in the same alphabet: it is printed on certificates."),
    )
    date_of_birth = DateField(
        _l("Date of birth"),
        validators=[Optional()],
        description=_l("Needed only where a qualification sets a minimum age."),
    )
    higher_education = BooleanField(_l("A higher education diploma was shown"))
    submit = SubmitField(_l("Confirm identity"))


class QualificationChoiceForm(FlaskForm):
    """The qualification a seminar's list is shown for (a GET form)."""

    class Meta:
        csrf = False

    qualification = SelectField(_l("Qualification"), coerce=parse_id, validate_choice=False)

    def __init__(self, *args, qualifications=(), locale: str = "en", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.qualification.choices = [(q.id, q.title(locale)) for q in qualifications]


class BulkIssueForm(FlaskForm):
    qualification = StringField(validators=[DataRequired()])
    submit = SubmitField(_l("Issue to all eligible"))


class RegisterFilterForm(FlaskForm):
    """Filters of the register of certificates (a GET form)."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Holder or number"), filters=[strip, lambda v: v[:100] if v else v], default=""
    )
    qualification = SelectField(
        _l("Qualification"), coerce=parse_id, validate_choice=False, default=None
    )
    status = SelectField(_l("Status"), default="", validate_choice=False)
    seminar = SelectField(_l("Seminar"), coerce=parse_id, validate_choice=False, default=None)

    def __init__(self, *args, qualifications=(), seminars=(), locale: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.qualification.choices = [("", _l("All qualifications"))] + [
            (q.id, q.title(locale)) for q in qualifications
        ]
        self.seminar.choices = [("", _l("All seminars"))] + [
            (s.id, ct.text(s, "title")) for s in seminars
        ]
        self.status.choices = [("", _l("Any status")), *STATUS_CHOICES]


STATUS_CHOICES = [
    ("valid", _l("Valid")),
    ("expired", _l("Expired")),
    ("suspended", _l("Suspended")),
    ("revoked", _l("Revoked")),
    ("superseded", _l("Replaced")),
]
STATUS_LABELS = dict(STATUS_CHOICES)


class ReasonForm(FlaskForm):
    """Reinstate, reissue or renew: each needs a reason for the history (staff only)."""

    reason = TextAreaField(
        _l("Reason"),
        filters=[strip],
        validators=[Length(max=REASON)],
        render_kw={"required": True},
        description=_l("Kept in the certificate's history; only staff see it."),
    )
    submit = SubmitField(_l("Apply"))


class StatusChangeForm(FlaskForm):
    """Suspend or revoke: the reason published on the verification page (a code from a
    short list and an optional public note) and the trainer's own note, kept internal."""

    reason_code = SelectField(
        _l("Reason shown on the verification page"),
        validators=[InputRequired(message=_l("Choose the reason to publish from the list."))],
        validate_choice=False,  # the service checks it (one owner of the list)
    )
    public_note = TextAreaField(
        _l("Public note (optional)"),
        filters=[strip],
        validators=[Length(max=300)],
        description=_l(
            "Shown on the verification page under the reason, to anyone who checks the "
            "number. At most 300 characters; no personal details."
        ),
    )
    reason = TextAreaField(
        _l("Internal note (optional)"),
        filters=[strip],
        validators=[Length(max=REASON)],
        description=_l("Kept in the certificate's history; only staff see it."),
    )
    submit = SubmitField(_l("Apply"))

    def __init__(self, *args, action: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reason_code.choices = [("", _l("Choose…"))] + [
            (code.value, STATUS_REASONS[code]) for code in REASON_CHOICES[action]
        ]


class ReissueForm(ReasonForm):
    name = StringField(
        _l("Holder's name as it should be printed"),
        filters=[strip],
        validators=[Length(max=200)],
    )


TEMPLATE_LABELS = {
    "classic": _l("Classic (the certificate's language)"),
    "bilingual": _l("Bilingual (Kazakh and Russian side by side)"),
}


class CertificateDesignForm(FlaskForm):
    """The template of a qualification's certificates, and the language to preview it in."""

    template = SelectField(_l("Certificate template"), validators=[InputRequired()])
    language = SelectField(_l("Preview language"), validators=[Optional()])
    submit = SubmitField(_l("Use this template"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.template.choices = list(TEMPLATE_LABELS.items())
        self.language.choices = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]


class SpreadsheetForm(FlaskForm):
    """The file of "Certificates from a spreadsheet" (``views.batch``)."""

    file = FileField(
        _l("Spreadsheet (.xlsx or .csv)"),
        validators=[FileRequired(_l("Choose a .xlsx or .csv file."))],
        description=_l("At most 5,000 rows and 2 MB. Nothing changes until you apply the dry run."),
    )
    submit = SubmitField(_l("Dry run: check every row"))
