"""The quiz builder: settings, a fixed list or per-criterion draw rules, publishing.

Every route starts by loading its course or quiz (unknown ids: 404) and checking
``require_course_owner`` (other trainers and trainees: 403). The rules live in
``quiz_authoring``; a refused change re-renders its page with 400 and the reason beside the field.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from courses.models import Course, Module
from courses.permissions import courses_owned_by, require_course_owner
from lms import text_limits
from lms.extensions import db
from lms.forms import show_error, strip
from lms.markdown_rendering import render_markdown
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.routing import MAX_ID
from lms.service_error import ServiceError, refused
from lms.timezone import site_zone, to_local, to_utc
from quizzes import quiz_authoring
from quizzes.models import (
    BankScope,
    Criterion,
    DrawRule,
    Question,
    Quiz,
    QuizQuestion,
    ReviewPolicy,
)
from quizzes.question_forms import FORMS

bp = Blueprint(
    "quiz_builder", __name__, template_folder="../templates", url_prefix="/manage/quizzes"
)


def _optional_int(value):
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
    module_id = SelectField(_l("Module"), coerce=_optional_int)
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


def _settings_data(quiz: Quiz) -> dict:
    data = {name: getattr(quiz, name) for name in quiz_authoring.SETTINGS}
    data["opens_at"] = to_local(quiz.opens_at)
    data["closes_at"] = to_local(quiz.closes_at)
    return data


class RuleForm(FlaskForm):
    criterion = SelectField(_l("Criterion"), coerce=_optional_int, validate_choice=False)
    count = IntegerField(
        _l("Number of questions"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    difficulty = SelectField(
        _l("Difficulty"),
        coerce=_optional_int,
        choices=[("", _l("any")), (1, "1"), (2, "2"), (3, "3")],
    )
    submit = SubmitField(_l("Add rule"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criterion.choices = [
            (c.id, f"{c.code} – {c.title}") for c in quiz_authoring.bank_criteria()
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


@bp.app_template_global("quiz_authoring_courses")
def _courses_for_my_quizzes() -> list[tuple[Course, int]]:
    """The courses the signed-in trainer edits with the size of their banks (My quizzes)."""
    courses = courses_owned_by(current_user)
    sizes = quiz_authoring.bank_size([course.id for course in courses])
    return [(course, sizes.get(course.id, 0)) for course in courses]


def _course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    require_course_owner(course)
    return course


def _quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        abort(404)
    require_course_owner(quiz.course)
    return quiz


# --- settings --------------------------------------------------------------------------------


def _settings_page(quiz, course, form, *, preview_html=None, status=200):
    return render_template(
        "quizzes/manage/builder/settings.html",
        quiz=quiz,
        course=course,
        form=form,
        preview_html=preview_html,
        problems=quiz_authoring.publish_problems(quiz) if quiz else [],
    ), status


@bp.route("/courses/<id:course_id>/quizzes/new", methods=["GET", "POST"])
@trainer_required
def new_quiz(course_id: int):
    course = _course(course_id)
    form = QuizSettingsForm(course=course)
    if request.method == "POST" and form.preview.data:
        html = text_limits.render_within(form.instructions, quiz_authoring.MAX_INSTRUCTIONS)
        return _settings_page(None, course, form, preview_html=html)
    if form.validate_on_submit():
        try:
            quiz = quiz_authoring.create_quiz(course, **form.settings())
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(
                _("Quiz “%(title)s” created. Now choose its questions.", title=quiz.title),
                "success",
            )
            return redirect(url_for("quiz_builder.questions", quiz_id=quiz.id))
    return _settings_page(None, course, form, status=400 if request.method == "POST" else 200)


@bp.route("/<id:quiz_id>/edit", methods=["GET", "POST"])
@trainer_required
def settings(quiz_id: int):
    quiz = _quiz(quiz_id)
    course = quiz.course
    if request.method == "GET":
        form = QuizSettingsForm(course=course, data=_settings_data(quiz))
        html = render_markdown(quiz.instructions).html if quiz.instructions else None
        return _settings_page(quiz, course, form, preview_html=html)
    form = QuizSettingsForm(course=course)
    if form.preview.data:
        html = text_limits.render_within(form.instructions, quiz_authoring.MAX_INSTRUCTIONS)
        return _settings_page(quiz, course, form, preview_html=html)
    if form.validate_on_submit():
        try:
            quiz_authoring.update_quiz(quiz, **form.settings())
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("quiz_builder.settings", quiz_id=quiz.id))
    return _settings_page(_quiz(quiz_id), course, form, status=400)


# --- questions: a fixed list or draw rules ---------------------------------------------------


def _questions_page(quiz: Quiz, *, rule_form=None, error=None, add_error=None, status=200):
    quiz = _quiz(quiz.id)  # fresh after a refused change was rolled back
    filters = QuestionFilterForm(formdata=request.args)
    picker = None
    if quiz.selection == "fixed":
        present = select(QuizQuestion.question_id).where(QuizQuestion.quiz_id == quiz.id)
        query = (
            select(Question)
            .where(
                Question.course_id.in_(quiz_authoring.usable_course_ids(quiz, current_user)),
                Question.active.is_(True),
                Question.withdrawn_at.is_(None),
                Question.id.not_in(present),
            )
            .options(
                selectinload(Question.versions),
                joinedload(Question.criterion),
                joinedload(Question.course),
            )
            .order_by(Question.course_id != quiz.course_id, Question.course_id, Question.key)
        )
        if (criterion_id := filters.criterion_id()) is not None:
            query = query.where(Question.criterion_id == criterion_id)
        picker = paginate(query)
    criteria = quiz_authoring.bank_criteria()
    return render_template(
        "quizzes/manage/builder/questions.html",
        quiz=quiz,
        course=quiz.course,
        links=sorted(quiz.fixed_questions, key=lambda link: link.position),
        rules=sorted(quiz.draw_rules, key=lambda r: (r.criterion.code, r.difficulty or 0)),
        rule_form=rule_form or RuleForm(),
        picker=picker,
        filters=filters,
        forms=FORMS,
        criteria=criteria,
        counts=quiz_authoring.bank_counts(quiz) if quiz.selection == "draw" else {},
        question_count=quiz_authoring.question_count(quiz),
        problems=quiz_authoring.publish_problems(quiz),
        error=error,
        add_error=add_error,
    ), status


@bp.get("/<id:quiz_id>/questions")
@trainer_required
def questions(quiz_id: int):
    return _questions_page(_quiz(quiz_id))


def _is_id(value) -> bool:
    return isinstance(value, int) and 1 <= value <= MAX_ID


def _ids(values: list[str]) -> list[int] | None:
    """Ids from checkboxes; None if any is not a database id."""
    ids = []
    for value in values:
        if not value.isdigit() or len(value) > 10 or not 1 <= int(value) <= MAX_ID:
            return None
        ids.append(int(value))
    return ids


@bp.post("/<id:quiz_id>/questions/add")
@trainer_required
def add_questions(quiz_id: int):
    quiz = _quiz(quiz_id)
    ids = _ids(request.form.getlist("question_ids"))
    if ids is None:
        return _questions_page(quiz, add_error=_("Choose questions from the list."), status=400)
    try:
        added = quiz_authoring.add_questions(quiz, ids, current_user)
    except ServiceError as error:
        return _questions_page(quiz, add_error=refused(error), status=400)
    flash(ngettext("%(num)d question added.", "%(num)d questions added.", added), "success")
    return redirect(url_for("quiz_builder.questions", quiz_id=quiz.id) + "#fixed-list")


def _link(quiz: Quiz, question_id: int) -> QuizQuestion:
    link = next((item for item in quiz.fixed_questions if item.question_id == question_id), None)
    if link is None:
        abort(404)
    return link


@bp.post("/<id:quiz_id>/questions/<id:question_id>/move")
@trainer_required
def move_question(quiz_id: int, question_id: int):
    quiz = _quiz(quiz_id)
    link = _link(quiz, question_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    quiz_authoring.move_question(quiz, link, offset)
    return redirect(url_for("quiz_builder.questions", quiz_id=quiz.id) + "#fixed-list")


@bp.post("/<id:quiz_id>/questions/<id:question_id>/remove")
@trainer_required
def remove_question(quiz_id: int, question_id: int):
    quiz = _quiz(quiz_id)
    link = _link(quiz, question_id)
    try:
        quiz_authoring.remove_question(quiz, link)
    except ServiceError as error:
        return _questions_page(quiz, error=refused(error), status=400)
    flash(_("Question removed from the list."), "success")
    return redirect(url_for("quiz_builder.questions", quiz_id=quiz.id) + "#fixed-list")


@bp.post("/<id:quiz_id>/rules")
@trainer_required
def add_rule(quiz_id: int):
    quiz = _quiz(quiz_id)
    form = RuleForm()
    if form.validate_on_submit():
        criterion_id = form.criterion.data
        criterion = db.session.get(Criterion, criterion_id) if _is_id(criterion_id) else None
        try:
            quiz_authoring.add_rule(quiz, criterion, form.count.data, form.difficulty.data)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Rule added."), "success")
            return redirect(url_for("quiz_builder.questions", quiz_id=quiz.id) + "#draw-rules")
    return _questions_page(quiz, rule_form=form, status=400)


@bp.post("/<id:quiz_id>/rules/<id:rule_id>/remove")
@trainer_required
def remove_rule(quiz_id: int, rule_id: int):
    quiz = _quiz(quiz_id)
    rule = db.session.get(DrawRule, rule_id)
    if rule is None or rule.quiz_id != quiz.id:
        abort(404)
    try:
        quiz_authoring.remove_rule(quiz, rule)
    except ServiceError as error:
        return _questions_page(quiz, error=refused(error), status=400)
    flash(_("Rule removed."), "success")
    return redirect(url_for("quiz_builder.questions", quiz_id=quiz.id) + "#draw-rules")


# --- publishing ------------------------------------------------------------------------------


@bp.post("/<id:quiz_id>/publish")
@trainer_required
def publish(quiz_id: int):
    quiz = _quiz(quiz_id)
    published = {"1": True, "0": False}.get(request.form.get("published", ""))
    if published is None:
        abort(400)
    try:
        quiz_authoring.set_published(quiz, published)
    except ServiceError as error:
        return _questions_page(quiz, error=refused(error), status=400)
    if published:
        flash(_("The quiz is published: enrolled trainees can take it."), "success")
    else:
        flash(_("The quiz is unpublished: trainees can no longer start it."), "success")
    return redirect(url_for("quiz_builder.questions", quiz_id=quiz.id))
