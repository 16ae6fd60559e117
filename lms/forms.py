"""Forms of the core: sign-up, login, profile, passwords, administration."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from lms import site_settings
from lms.accounts import MAX_PASSWORD_LENGTH, password_problem
from lms.i18n import LANGUAGE_NAMES
from lms.models import ROLE_LABELS, Role
from lms.service_error import ServiceError, refused


def strip(value):
    """WTForms filter: typed text without surrounding spaces (other values as they are)."""
    return value.strip() if isinstance(value, str) else value


def posted_switch(name: str) -> bool:
    """An on/off button's value ("1" or "0") from the posted form; anything else is a 400."""
    value = {"1": True, "0": False}.get(request.form.get(name, ""))
    if value is None:
        abort(400)
    return value


def language_choices(blank: str | None = None) -> list[tuple[str, str]]:
    """The site's languages for a select field, with an optional first blank choice."""
    choices = [(code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]]
    return ([("", blank)] if blank is not None else []) + choices


class PasswordPolicy:
    """WTForms validator for the one password policy of lms.accounts."""

    def __init__(self, email_field: str | None = None, name_fields: tuple[str, ...] = ()) -> None:
        self.email_field = email_field
        self.name_fields = name_fields

    def __call__(self, form, field) -> None:
        email, names = "", list(getattr(form, "user_names", ()))
        if self.email_field:
            email = form[self.email_field].data or ""
        elif getattr(form, "user_email", None):
            email = form.user_email
        names += [form[name].data or "" for name in self.name_fields]
        problem = password_problem(field.data or "", email=email, names=names)
        if problem:
            raise ValidationError(problem)


def show_error(form: FlaskForm, error: ServiceError) -> None:
    """A service refused: roll back (``refused``), then show its error beside the field it
    names, or above the form."""
    message = refused(error)
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, message]
    else:
        form.form_errors.append(message)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class ResendConfirmationForm(FlaskForm):
    """ "Send the link again" on the log-in page, for an account waiting for confirmation."""

    email = HiddenField(filters=[strip], validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send the link again"))


class SignupForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Length(max=254)])
    display_name = StringField(
        _l("Display name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=80)],
        description=_l("How the site greets you, e.g. “Aigerim”."),
    )
    full_name = StringField(
        _l("Full legal name"),
        filters=[strip],
        validators=[DataRequired(), Length(min=2, max=200)],
        description=_l("Exactly as on your identity document: it is printed on certificates."),
    )
    language = SelectField(_l("Preferred language"), validators=[InputRequired()])
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(),
            PasswordPolicy(email_field="email", name_fields=("display_name", "full_name")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Create account"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()
        self.password.description = _l(
            "At least %(n)d characters. A few unrelated words make a strong password.",
            n=current_app.config["PASSWORD_MIN_LENGTH"],
        )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Display name"), filters=[strip], validators=[DataRequired(), Length(max=80)]
    )
    full_name = StringField(
        _l("Full legal name"),
        filters=[strip],
        validators=[DataRequired(), Length(min=2, max=200)],
        description=_l("Exactly as on your identity document: it is printed on certificates."),
    )
    language = SelectField(_l("Preferred language"), validators=[InputRequired()])
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        _l("New e-mail address"),
        filters=[strip],
        validators=[DataRequired(), Length(max=254)],
        description=_l(
            "We send a link to the new address; it replaces the old one only when "
            "you open that link."
        ),
    )
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField(_l("Change e-mail address"))


class AdminEmailForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[strip],
        validators=[DataRequired(), Length(max=254)],
        description=_l(
            "We send a link to the new address; the account keeps its address until the link "
            "is opened."
        ),
    )
    at_once = BooleanField(
        _l("Change it at once, without a link"),
        description=_l(
            "Only for an address you checked with the person (or without a mail server): it "
            "becomes the login at once and counts as confirmed."
        ),
    )
    submit = SubmitField(_l("Change e-mail address"))


class AdminDetailsForm(FlaskForm):
    """Names and language of another account (the administrator's user page)."""

    display_name = StringField(
        _l("Display name"), filters=[strip], validators=[DataRequired(), Length(max=80)]
    )
    full_name = StringField(
        _l("Full legal name"),
        filters=[strip],
        validators=[DataRequired(), Length(min=2, max=200)],
        description=_l(
            "As on the person's identity document: printed on certificates issued from now "
            "on; certificates already issued keep the name they were issued with."
        ),
    )
    language = SelectField(_l("Preferred language"), validators=[InputRequired()])
    submit = SubmitField(_l("Save details"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


class AdminCreateUserForm(FlaskForm):
    """A new account: the person chooses their password from the link mailed to them."""

    email = EmailField(
        _l("E-mail address"),
        filters=[strip],
        validators=[DataRequired(), Length(max=254)],
        description=_l("The login; the link to choose a password is sent to it."),
    )
    display_name = AdminDetailsForm.display_name
    full_name = AdminDetailsForm.full_name
    role = SelectField(_l("Role"), validators=[InputRequired()], default=Role.TRAINEE.value)
    language = SelectField(_l("Preferred language"), validators=[InputRequired()])
    submit = SubmitField(_l("Create the account and send the link"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(r.value, ROLE_LABELS[r]) for r in Role]
        self.language.choices = language_choices()
        if not self.is_submitted():
            self.language.data = self.language.data or current_app.config["BABEL_DEFAULT_LOCALE"]


class NewPasswordForm(FlaskForm):
    """A new password typed twice, checked by the password policy against the user's email."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), PasswordPolicy()])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )

    def __init__(self, *args, user_email: str = "", user_names=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user_email = user_email
        self.user_names = tuple(user_names)


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField(_l("Change password"))


class ResetPasswordForm(NewPasswordForm):
    submit = SubmitField(_l("Set password"))


class LanguageForm(FlaskForm):
    language = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Search"), filters=[strip, lambda v: v[:100] if v else v])
    role = SelectField(_l("Role"), default="")
    status = SelectField(_l("Status"), default="")
    sort = SelectField(_l("Sort by"), default="newest")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("All roles"))] + [(r.value, ROLE_LABELS[r]) for r in Role]
        self.status.choices = [
            ("", _l("Any status")),
            ("active", _l("Active")),
            ("deactivated", _l("Deactivated")),
            ("deleted", _l("Deleted")),
        ]
        self.sort.choices = [
            ("newest", _l("Newest accounts first")),
            ("name", _l("Full name")),
            ("email", _l("E-mail address")),
            ("last_seen", _l("Last seen")),
        ]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[InputRequired()])
    submit = SubmitField(_l("Change role"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(r.value, ROLE_LABELS[r]) for r in Role]


SETTING_LANGUAGES = ("en", "ru", "kk")


class SiteSettingsForm(FlaskForm):
    """The site settings page: organisation, signatory, images, sign-up policy. The text
    fields are named ``<setting>_<language>`` (``organisation_name_ru``)."""

    signup_open = BooleanField(_l("Anyone may sign up as a trainee"))
    email_confirmation_required = BooleanField(
        _l("New accounts must confirm their e-mail address before they can log in"),
        description=_l(
            "Off: new accounts can log in at once and are asked to confirm. Turn it on only "
            "with a mail server configured; without one, links wait in the outbox."
        ),
    )
    logo = FileField(_l("Logo (PNG or JPEG, at most 2 MB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    signature = FileField(_l("Signature image (PNG or JPEG, at most 2 MB)"))
    remove_signature = BooleanField(_l("Remove the signature image"))
    seal = FileField(_l("Seal image (optional; PNG or JPEG, at most 2 MB)"))
    remove_seal = BooleanField(_l("Remove the seal image"))
    submit = SubmitField(_l("Save settings"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for language in SETTING_LANGUAGES:
            name = self[f"signatory_name_{language}"]
            title = self[f"signatory_title_{language}"]
            if title.data and not name.data:
                name.errors = [*name.errors, _l("Give the signatory's name with their title.")]
                valid = False
        return valid


_SETTING_LABELS = {
    "organisation_name": _l("Organisation's name"),
    "organisation_address": _l("Organisation's address"),
    "signatory_name": _l("Signatory's name"),
    "signatory_title": _l("Signatory's title"),
}
for _name, _label in _SETTING_LABELS.items():
    for _language in SETTING_LANGUAGES:
        setattr(
            SiteSettingsForm,
            f"{_name}_{_language}",
            StringField(
                _l("%(what)s (%(language)s)", what=_label, language=LANGUAGE_NAMES[_language]),
                filters=[strip],
                validators=[Optional(), Length(max=site_settings.TEXTS[_name])],
            ),
        )


class NotificationsForm(FlaskForm):
    """The user's choice of messages: checkboxes named ``kind``, read by the page."""

    submit = SubmitField(_l("Save my choices"))


class UnsubscribeForm(FlaskForm):
    """One button; the signed link is the authority, so no CSRF token (RFC 8058 one-click
    posts come from mail clients that have none)."""

    class Meta:
        csrf = False

    submit = SubmitField(_l("Unsubscribe"))


class SendAgainForm(FlaskForm):
    submit = SubmitField(_l("Send again"))


class DeleteAccountForm(FlaskForm):
    """The owner deletes their account: password again, and a box saying they understood."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    understood = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


class AdminDeleteAccountForm(FlaskForm):
    understood = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete this account"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), default="")
    actor = SearchField(_l("Actor (e-mail or id)"), filters=[strip, lambda v: v[:254] if v else v])
    subject_type = SearchField(_l("Subject type"), filters=[strip, lambda v: v[:32] if v else v])
    subject_id = SearchField(_l("Subject id"), filters=[strip, lambda v: v[:12] if v else v])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (inclusive)"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        from lms import audit

        super().__init__(*args, **kwargs)
        actions = sorted(
            ((code, audit.action_label(code)) for code in audit.ACTIONS), key=lambda c: str(c[1])
        )
        self.action.choices = [("", _l("All actions")), *actions]
