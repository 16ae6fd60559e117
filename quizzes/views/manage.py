"""Trainer pages for quizzes: the list, gradebooks (with CSV) and the marking queue."""

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
from flask_login import current_user
from sqlalchemy import select

from courses.permissions import owned_course_ids, require_course_owner
from lms import content_translations as ct
from lms.downloads import download
from lms.extensions import db
from lms.pagination import paginate, paginate_list
from lms.permissions import admin_required, trainer_required
from lms.routing import get_or_404
from lms.service_error import ServiceError, refused
from quizzes import gradebook, marking, translations
from quizzes.criteria import all_criteria, update_criterion
from quizzes.models import Attempt, AttemptQuestion, Criterion, InstrumentKind, Quiz
from quizzes.views.owned import owned_quiz

bp = Blueprint(
    "manage_quizzes", __name__, url_prefix="/manage/quizzes", template_folder="../templates"
)


@bp.get("/")
@trainer_required
def index():
    course_ids = owned_course_ids(current_user)
    quizzes = (
        list(
            db.session.scalars(
                select(Quiz).where(Quiz.course_id.in_(course_ids)).order_by(Quiz.course_id, Quiz.id)
            )
        )
        if course_ids
        else []
    )
    ct.preload(quizzes)
    return render_template(
        "quizzes/manage/index.html", quizzes=quizzes, waiting=marking.waiting(current_user)
    )


@bp.get("/<id:quiz_id>/gradebook")
@trainer_required
def gradebook_page(quiz_id: int):
    quiz = owned_quiz(quiz_id)
    codes, rows = gradebook.rows(quiz)
    titles = translations.criterion_titles()
    pagination = paginate_list(rows)
    return render_template(
        "quizzes/manage/gradebook.html",
        quiz=quiz,
        codes=codes,
        rows=pagination.items,
        pagination=pagination,
        titles=titles,
    )


@bp.get("/<id:quiz_id>/gradebook.csv")
@trainer_required
def gradebook_csv(quiz_id: int):
    quiz = owned_quiz(quiz_id)
    # The byte order mark tells spreadsheets the file is UTF-8.
    return download(
        "\ufeff" + gradebook.csv_text(quiz),
        f"quiz-{quiz.id}-grades.csv",
        "text/csv; charset=utf-8",
    )


@bp.get("/marking")
@trainer_required
def marking_queue():
    return render_template(
        "quizzes/manage/marking.html", pagination=paginate(marking.queue_query(current_user))
    )


@bp.route("/marking/<id:item_id>", methods=["GET", "POST"])
@trainer_required
def mark(item_id: int):
    item = get_or_404(AttemptQuestion, item_id)
    attempt = db.session.get(Attempt, item.attempt_id)
    require_course_owner(attempt.quiz.course)
    if item.version.question.type != "free_text":
        abort(404)
    rubric = item.version.definition["rubric"]
    view = translations.item_view(item, attempt)
    if request.method == "POST":
        try:
            points = [int(request.form.get(f"line-{n}", "")) for n in range(len(rubric))]
        except ValueError:
            flash(_("Give whole points for every line of the rubric."), "danger")
            return render_template(
                "quizzes/manage/mark.html", item=item, attempt=attempt, rubric=rubric, view=view
            ), 400
        try:
            marking.score(item, points, current_user)
        except ServiceError as error:
            flash(refused(error), "danger")
            return render_template(
                "quizzes/manage/mark.html", item=item, attempt=attempt, rubric=rubric, view=view
            ), 400
        flash(_("Score saved."), "success")
        return redirect(url_for("manage_quizzes.marking_queue"))
    return render_template(
        "quizzes/manage/mark.html", item=item, attempt=attempt, rubric=rubric, view=view
    )


@bp.get("/<id:quiz_id>/items")
@trainer_required
def items(quiz_id: int):
    quiz = owned_quiz(quiz_id)
    stats = gradebook.item_statistics(quiz)
    ct.preload([version for version, _ in stats])
    return render_template("quizzes/manage/items.html", quiz=quiz, stats=stats)


# --- criteria --------------------------------------------------------------------------------


def _percent(name: str) -> int | None:
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ServiceError(_("Use a whole percent from 0 to 100."), field=name)
    return int(value)


@bp.get("/criteria")
@trainer_required
def criteria():

    criteria = all_criteria()
    ct.preload(criteria)
    return render_template(
        "quizzes/manage/criteria.html",
        criteria=criteria,
        kinds=list(InstrumentKind),
        coverage=ct.coverage(criteria) if criteria else {},
    )


@bp.route("/criteria/<id:criterion_id>", methods=["GET", "POST"])
@admin_required
def edit_criterion(criterion_id: int):

    criterion = get_or_404(Criterion, criterion_id)
    error = None
    if request.method == "POST":
        try:
            update_criterion(
                criterion,
                title=request.form.get("title", ""),
                description=request.form.get("description", ""),
                must_pass=request.form.get("must_pass") == "y",
                floor=_percent("floor"),
                active=request.form.get("active") == "y",
                thresholds={
                    kind.value: _percent(f"threshold-{kind.value}") for kind in InstrumentKind
                },
            )
        except ServiceError as failure:
            error = refused(failure)
        else:
            flash(_("Criterion %(code)s saved.", code=criterion.code), "success")
            return redirect(url_for("manage_quizzes.criteria"))
        criterion = get_or_404(Criterion, criterion_id)
    return render_template(
        "quizzes/manage/criterion.html",
        criterion=criterion,
        kinds=list(InstrumentKind),
        error=error,
    ), (400 if error else 200)
