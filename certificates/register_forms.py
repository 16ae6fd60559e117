"""The holder's form for the public register of mediators (``certificates.public_register``
checks every value; the form only carries them and their length limits)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from certificates import regions
from certificates.register_list import LANGUAGES
from lms.forms import strip
from lms.i18n import LANGUAGE_NAMES


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        """Unknown values are the service's to refuse, with its message."""


class EntryForm(FlaskForm):
    region = SelectField(_l("Region"), validate_choice=False, description=_l("Where you mediate."))
    languages = CheckboxesField(_l("Languages you mediate in"))
    email = StringField(
        _l("Contact email (optional)"),
        filters=[strip],
        description=_l(
            "Shown publicly. Leave it empty to publish none; your account's address is never shown."
        ),
    )
    phone = StringField(
        _l("Contact phone (optional)"),
        filters=[strip],
        description=_l("With its country code, e.g. +7 701 234 56 78."),
    )
    website = StringField(
        _l("Website (optional)"),
        filters=[strip],
    )
    consent = BooleanField(_l("I consent to this publication."))
    # The SHA-256 of the consent text the page showed.
    consent_digest = HiddenField()
    submit = SubmitField(_l("Save my entry"))

    def fill_choices(self, locale: str) -> EntryForm:
        self.region.choices = [("", _l("Choose…")), *regions.choices(locale)]
        self.languages.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
        return self
