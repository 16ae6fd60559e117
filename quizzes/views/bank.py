"""The question bank: trainers list, write, preview and revise questions of their courses.

Every route starts by loading its course or question (unknown ids: 404) and checking
``require_course_owner`` (other trainers and trainees: 403). The forms live in
``question_forms``; the rules in ``quiz_authoring``.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

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
from flask_login import current_user
from sqlalchemy import select

from lms import content_translations as ct
from lms import text_limits
from lms.extensions import db
from lms.forms import posted_switch, show_error
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.service_error import ServiceError, refused
from quizzes import question_authoring, selection
from quizzes.bank import bank_query
from quizzes.criteria import find_criterion
from quizzes.forms import BankFilterForm
from quizzes.models import Criterion, Question, Quiz, QuizQuestion
from quizzes.question_forms import (
    QuestionForm,
    form_class,
    question_data,
    show_definition_problems,
)
from quizzes.question_types import REGISTRY
from quizzes.type_forms import FORMS
from quizzes.views.owned import owned_course, owned_question

bp = Blueprint("quiz_bank", __name__, template_folder="../templates", url_prefix="/manage/quizzes")


# --- the list --------------------------------------------------------------------------------


@bp.get("/courses/<id:course_id>/bank")
@trainer_required
def bank(course_id: int):
    course = owned_course(course_id)
    filters = BankFilterForm(formdata=request.args)
    query = bank_query(
        course,
        criterion_id=filters.criterion_id(),
        question_type=filters.value("type"),
        state=filters.value("state"),
        key_contains=filters.q.data or "",
    )
    pagination = paginate(query)
    return render_template(
        "quizzes/manage/bank/list.html",
        course=course,
        filters=filters,
        pagination=pagination,
        held_back=selection.held_back_ids(q.id for q in pagination.items),
        coverage=ct.coverage([q.current for q in pagination.items]) if pagination.items else {},
        forms=FORMS,
        filtered=any(filters.value(n) for n in ("criterion", "type", "state")) or filters.q.data,
    )


@bp.get("/courses/<id:course_id>/bank/new")
@trainer_required
def choose_type(course_id: int):
    course = owned_course(course_id)
    return render_template("quizzes/manage/bank/choose_type.html", course=course, forms=FORMS)


# --- writing and editing ---------------------------------------------------------------------


def _trainee_view(question_type: str, definition: dict, seed: int) -> SimpleNamespace | None:
    """The presentation a trainee would get (options in the written order), or None when the
    definition is not valid yet."""
    if REGISTRY[question_type].validate(definition):
        return None
    presentation = REGISTRY[question_type].present(definition, random.Random(seed), False)
    # Attributes, not dict keys: the partials say ``p.items``, which on a dict is its method.
    return SimpleNamespace(**presentation)


def _preview(form: QuestionForm) -> dict:
    """Stem, feedback and the answer part rendered as trainees will see them; nothing saved.
    Problems of the answer part are shown beside its fields."""
    preview = {
        "stem_html": text_limits.render_within(form.stem, text_limits.QUESTION_TEXT),
        "feedback_html": text_limits.render_within(form.feedback, text_limits.QUESTION_TEXT),
        "presentation": None,
        "definition": None,
    }
    try:
        definition = form.definition()
    except ServiceError as error:
        show_error(form, error)
        return preview
    problems = REGISTRY[form.type_name].validate(definition)
    if problems:
        show_definition_problems(form, problems)
        return preview
    preview["definition"] = definition
    preview["presentation"] = _trainee_view(form.type_name, definition, 0)
    return preview


def _criterion_choices(form: QuestionForm, keep: Criterion | None = None) -> None:
    form.criterion.choices = [
        (c.id, f"{c.code} – {c.title}") for c in question_authoring.bank_criteria(keep)
    ]


def _editor(course, form, question=None, preview=None, status=200):
    if preview is None and question is not None:  # what is saved now
        version = question.current
        preview = {
            "stem_html": version.stem_html,
            "feedback_html": version.feedback_html,
            "presentation": _trainee_view(question.type, version.definition, question.id),
            "definition": version.definition,
        }
    return render_template(
        "quizzes/manage/bank/edit.html",
        course=course,
        form=form,
        question=question,
        spec=FORMS[form.type_name],
        preview=preview,
    ), status


def _save_errors(form: QuestionForm, error: ServiceError) -> None:
    db.session.rollback()
    if isinstance(error, question_authoring.DefinitionProblems):
        show_definition_problems(form, error.problems)
    else:
        show_error(form, error)


@bp.route("/courses/<id:course_id>/bank/new/<type_name>", methods=["GET", "POST"])
@trainer_required
def new_question(course_id: int, type_name: str):
    course = owned_course(course_id)
    if type_name not in FORMS:
        abort(404)
    form = form_class(type_name)()
    _criterion_choices(form)
    if request.method == "POST" and form.preview.data:
        return _editor(course, form, preview=_preview(form))
    if form.validate_on_submit():
        try:
            question = question_authoring.create_question(
                course,
                current_user,
                key=form.key.data,
                criterion=find_criterion(form.criterion.data),
                type=type_name,
                **form.content(),
            )
        except ServiceError as error:
            refused(error)
            _save_errors(form, error)
        else:
            flash(_("Question “%(key)s” saved.", key=question.key), "success")
            return redirect(url_for("quiz_bank.question_page", question_id=question.id))
    return _editor(course, form, status=400 if request.method == "POST" else 200)


@bp.route("/bank/<id:question_id>/edit", methods=["GET", "POST"])
@trainer_required
def edit_question(question_id: int):
    question = owned_question(question_id)
    course = question.course
    cls = form_class(question.type)
    form = cls(data=question_data(question)) if request.method == "GET" else cls()
    _criterion_choices(form, question.criterion)
    if request.method == "POST" and form.preview.data:
        return _editor(course, form, question, preview=_preview(form))
    if form.validate_on_submit():
        try:
            version = question_authoring.update_question(
                question,
                current_user,
                key=form.key.data,
                criterion=find_criterion(form.criterion.data),
                **form.content(),
            )
        except ServiceError as error:
            refused(error)
            _save_errors(form, error)
            question = owned_question(question_id)
        else:
            if version is None:
                flash(_("Saved. The question did not change, so no new version was made."), "info")
            else:
                flash(_("Saved as version %(n)d.", n=version.version), "success")
            return redirect(url_for("quiz_bank.question_page", question_id=question.id))
    return _editor(course, form, question, status=400 if request.method == "POST" else 200)


# --- one question ----------------------------------------------------------------------------


def _question_page(question: Question, *, error: str | None = None, status: int = 200):
    version = question.current
    used_in = list(
        db.session.scalars(
            select(Quiz)
            .join(QuizQuestion, QuizQuestion.quiz_id == Quiz.id)
            .where(QuizQuestion.question_id == question.id)
            .order_by(Quiz.title)
        )
    )
    return render_template(
        "quizzes/manage/bank/question.html",
        course=question.course,
        question=question,
        version=version,
        spec=FORMS[question.type],
        presentation=_trainee_view(question.type, version.definition, question.id),
        history=question_authoring.version_history(question),
        used_in=used_in,
        held_back=bool(selection.held_back_ids([question.id])),
        coverage=ct.coverage([version]),
        error=error,
    ), status


@bp.get("/bank/<id:question_id>")
@trainer_required
def question_page(question_id: int):
    return _question_page(owned_question(question_id))


@bp.post("/bank/<id:question_id>/active")
@trainer_required
def set_active(question_id: int):
    question = owned_question(question_id)
    active = posted_switch("active")
    try:
        question_authoring.set_question_active(question, active)
    except ServiceError as error:
        return _question_page(owned_question(question_id), error=refused(error), status=400)
    if active:
        flash(_("The question is active: quizzes can give it again."), "success")
    else:
        flash(_("The question is inactive: no quiz gives it until you activate it."), "success")
    return redirect(url_for("quiz_bank.question_page", question_id=question.id))
