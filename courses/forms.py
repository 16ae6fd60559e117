"""Forms for courses: catalogue search, course and module editing, files, owners, import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms import text_limits
from lms.forms import language_choices, strip


class CatalogueSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Search by title"), filters=[strip, lambda v: v[:100] if v else v])
    language = SelectField(_l("Language"), default="")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices(blank=str(_l("All languages")))


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Address (slug)"),
        filters=[strip],
        validators=[Optional(), Length(max=80)],
        description=_l(
            "Part of the course's web address, e.g. “mediation-procedure”. "
            "Leave empty to make one from the title."
        ),
    )
    summary = TextAreaField(
        _l("Summary"),
        filters=[strip],
        validators=[Length(max=500)],
        description=_l("One or two sentences for the catalogue."),
    )
    language = SelectField(_l("Language of the course"), validators=[DataRequired()])
    cover_source = TextAreaField(
        _l("Cover text (Markdown)"),
        validators=[Length(max=text_limits.COURSE_COVER)],
        description=_l("Shown on the course page above the modules."),
    )
    submit = SubmitField(_l("Save course"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; the service checks them (courses.module_criteria)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        pass


class ModuleForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Address (slug)"),
        filters=[strip],
        validators=[Optional(), Length(max=80)],
        description=_l("Leave empty to make one from the title."),
    )
    minutes = IntegerField(
        _l("Reading time in minutes"),
        validators=[Optional(), NumberRange(min=1, max=600)],
        description=_l("Leave empty to estimate it from the length of the text."),
    )
    source = TextAreaField(
        _l("Text (Markdown)"), validators=[Length(max=text_limits.MODULE_SOURCE)]
    )
    note = StringField(_l("Note about this change"), filters=[strip], validators=[Length(max=200)])
    criteria = CheckboxesField(
        _l("Criteria this module teaches"),
        choices=[],
        description=_l(
            "A quiz's review links each criterion a trainee missed to the modules that teach it."
        ),
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save module"))


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])
    title = StringField(
        _l("Title shown to trainees"), filters=[strip], validators=[Length(max=200)]
    )
    submit = SubmitField(_l("Upload"))


class OwnerForm(FlaskForm):
    email = EmailField(
        _l("Trainer's email"), filters=[strip], validators=[DataRequired(), Length(max=254)]
    )
    submit = SubmitField(_l("Add trainer"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("Course archive (.zip)"), validators=[FileRequired(_l("Choose a .zip file to upload."))]
    )
    update = SelectField(_l("If the course already exists"), default="no")
    submit = SubmitField(_l("Import course"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.update.choices = [
            ("no", _l("Refuse the import")),
            ("yes", _l("Update it with new revisions")),
        ]


def translation_form(fields, data: dict | None = None) -> FlaskForm:
    """The right-hand side of the side-by-side editor: one box per translatable field
    (lms.content_translations.Field); lengths and blanks are checked by the service."""

    class TranslationForm(FlaskForm):
        submit = SubmitField(_l("Save translation"))

    for f in fields:
        box = TextAreaField if (f.multiline or f.markdown) else StringField
        setattr(
            TranslationForm,
            f.name,
            box(
                f.label,
                description=_l("Leave blank to show the original."),
                render_kw={"maxlength": f.limit},
            ),
        )
    return TranslationForm(data=data) if data is not None else TranslationForm()
