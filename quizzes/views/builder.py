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
from flask_babel import ngettext
from flask_login import current_user

from courses.models import Course
from courses.permissions import courses_owned_by
from lms import text_limits
from lms.forms import posted_switch, show_error
from lms.markdown_rendering import render_markdown
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.routing import get_or_404, parse_id
from lms.service_error import ServiceError, refused
from quizzes import publishing, question_authoring, quiz_authoring
from quizzes.criteria import find_criterion
from quizzes.forms import QuestionFilterForm, QuizSettingsForm, RuleForm, settings_data
from quizzes.models import (
    DrawRule,
    Quiz,
    QuizQuestion,
)
from quizzes.type_forms import FORMS
from quizzes.views.owned import owned_course, owned_quiz

bp = Blueprint(
    "quiz_builder", __name__, template_folder="../templates", url_prefix="/manage/quizzes"
)


@bp.app_template_global("quiz_authoring_courses")
def _courses_for_my_quizzes() -> list[tuple[Course, int]]:
    """The courses the signed-in trainer edits with the size of their banks (My quizzes)."""
    courses = courses_owned_by(current_user)
    sizes = quiz_authoring.bank_size([course.id for course in courses])
    return [(course, sizes.get(course.id, 0)) for course in courses]


# --- settings --------------------------------------------------------------------------------


def _settings_page(quiz, course, form, *, preview_html=None, status=200):
    return render_template(
        "quizzes/manage/builder/settings.html",
        quiz=quiz,
        course=course,
        form=form,
        preview_html=preview_html,
        problems=publishing.publish_problems(quiz) if quiz else [],
    ), status


@bp.route("/courses/<id:course_id>/quizzes/new", methods=["GET", "POST"])
@trainer_required
def new_quiz(course_id: int):
    course = owned_course(course_id)
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
    quiz = owned_quiz(quiz_id)
    course = quiz.course
    if request.method == "GET":
        form = QuizSettingsForm(course=course, data=settings_data(quiz))
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
    return _settings_page(owned_quiz(quiz_id), course, form, status=400)


# --- questions: a fixed list or draw rules ---------------------------------------------------


def _questions_page(quiz: Quiz, *, rule_form=None, error=None, add_error=None, status=200):
    quiz = owned_quiz(quiz.id)  # fresh after a refused change was rolled back
    filters = QuestionFilterForm(formdata=request.args)
    picker = None
    if quiz.selection == "fixed":
        picker = paginate(
            quiz_authoring.addable_questions(quiz, current_user, filters.criterion_id())
        )
    criteria = question_authoring.bank_criteria()
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
        question_count=publishing.question_count(quiz),
        problems=publishing.publish_problems(quiz),
        error=error,
        add_error=add_error,
    ), status


@bp.get("/<id:quiz_id>/questions")
@trainer_required
def questions(quiz_id: int):
    return _questions_page(owned_quiz(quiz_id))


def _ids(values: list[str]) -> list[int] | None:
    """Ids from checkboxes; None if any is not a database id."""
    ids = [parse_id(value) for value in values]
    return None if None in ids else ids


@bp.post("/<id:quiz_id>/questions/add")
@trainer_required
def add_questions(quiz_id: int):
    quiz = owned_quiz(quiz_id)
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
    quiz = owned_quiz(quiz_id)
    link = _link(quiz, question_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    quiz_authoring.move_question(quiz, link, offset)
    return redirect(url_for("quiz_builder.questions", quiz_id=quiz.id) + "#fixed-list")


@bp.post("/<id:quiz_id>/questions/<id:question_id>/remove")
@trainer_required
def remove_question(quiz_id: int, question_id: int):
    quiz = owned_quiz(quiz_id)
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
    quiz = owned_quiz(quiz_id)
    form = RuleForm()
    if form.validate_on_submit():
        criterion = find_criterion(form.criterion.data)
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
    quiz = owned_quiz(quiz_id)
    rule = get_or_404(DrawRule, rule_id, quiz_id=quiz.id)
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
    quiz = owned_quiz(quiz_id)
    published = posted_switch("published")
    try:
        quiz_authoring.set_published(quiz, published)
    except ServiceError as error:
        return _questions_page(quiz, error=refused(error), status=400)
    if published:
        flash(_("The quiz is published: enrolled trainees can take it."), "success")
    else:
        flash(_("The quiz is unpublished: trainees can no longer start it."), "success")
    return redirect(url_for("quiz_builder.questions", quiz_id=quiz.id))
