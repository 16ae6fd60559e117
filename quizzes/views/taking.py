"""Trainee pages: quizzes of my courses, taking an attempt, results."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from courses.learning import is_enrolled
from courses.permissions import can_edit
from lms import content_translations as ct
from lms.background_requests import leaves_session_alone
from lms.database import utcnow
from lms.routing import get_or_404
from lms.service_error import ServiceError, refused
from quizzes import attempt_results, attempt_review, attempts, path, translations
from quizzes.models import Attempt, AttemptStatus, Quiz

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes", template_folder="../templates")


def _quiz(quiz_id: int) -> Quiz:
    quiz = get_or_404(Quiz, quiz_id)
    if can_edit(current_user, quiz.course):
        return quiz
    if (
        not quiz.published
        or not quiz.course.is_published
        or not is_enrolled(current_user, quiz.course)
    ):
        abort(404)
    return quiz


def _my_attempt(attempt_id: int, load=attempts.load_attempt) -> Attempt:
    attempt = load(attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    attempts.finish_if_expired(attempt)
    return attempt


@bp.get("/")
@login_required
def index():
    quizzes = attempts.visible_quizzes(current_user)
    ct.preload([*quizzes, *{q.course for q in quizzes}])
    return render_template(
        "quizzes/index.html",
        quizzes=quizzes,
        best=attempts.best_attempts(current_user, [q.id for q in quizzes]),
    )


@bp.get("/<id:quiz_id>")
@login_required
def quiz_page(quiz_id: int):
    quiz = _quiz(quiz_id)
    current = attempts.open_attempt(quiz, current_user)
    if current is not None and attempts.finish_if_expired(current):
        current = None
    history = attempts.finished_attempts(quiz, current_user)
    return render_template(
        "quizzes/quiz.html",
        quiz=quiz,
        current=current,
        history=history,
        intro=path.intro(quiz, len(history)),
        problem=None if current else attempts.start_problem(quiz, current_user, utcnow()),
    )


@bp.post("/<id:quiz_id>/start")
@login_required
def start(quiz_id: int):
    quiz = _quiz(quiz_id)
    try:
        attempt = attempts.start(quiz, current_user)
    except ServiceError as error:
        flash(refused(error), "danger")
        return redirect(url_for("quizzes.quiz_page", quiz_id=quiz.id))
    return redirect(url_for("quizzes.take", attempt_id=attempt.id))


def _page_number(attempt: Attempt, raw) -> int | None:
    """The page asked for: a question's number (1..n), or None for every question on one
    page ("all"). Anything else is the first question (a link typed wrong is no error)."""
    return _number_among(attempt.questions, raw)


def _number_among(questions, raw) -> int | None:
    if raw == "all":
        return None
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), len(questions)) if questions else None


def _time_left(attempt: Attempt) -> int | None:
    """Whole minutes left before the deadline (rounded up), or None without one."""
    if attempt.deadline_at is None:
        return None
    seconds = (attempt.deadline_at - utcnow()).total_seconds()
    return max(0, int(-(-seconds // 60)))


def _attempt_page(
    attempt: Attempt, problems: dict | None = None, *, handing_in=False, page: int | None = 1
):
    """The attempt page: one question (``page``, its number) or all of them (None), from
    the saved answers or, after a refused save, as typed (``request.form``) with each
    problem beside its question; the navigator and the time left at the top."""
    listed = attempts.problem_list(attempt.questions, problems or {})
    shown = set(range(1, len(attempt.questions) + 1)) if page is None else {page}
    attempts.load_versions([attempt.questions[number - 1] for number in sorted(shown)])
    language = translations.attempt_language(attempt)
    # The quiz's title is in the reader's language: read with the questions when the same.
    also = [attempt.quiz] if language == ct.current_locale() else []
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=attempt.quiz,
        views=translations.attempt_views(attempt, language, only=shown, also=also),
        language=language,
        # The navigator's label of every question, translated once for the page.
        question_label=get_translations().gettext("Question %(n)d"),
        typed=request.form if problems else None,
        problems={item["position"]: item for item in listed},
        problem_list=listed,
        handing_in=handing_in,
        page=page,
        shown=shown,
        overview=attempts.overview(attempt),
        minutes_left=_time_left(attempt),
    )


@bp.get("/attempts/<id:attempt_id>")
@login_required
def take(attempt_id: int):
    attempt = _my_attempt(attempt_id, attempts.load_attempt_for_page)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    return _attempt_page(attempt, page=_page_number(attempt, request.args.get("page")))


def _positions_on(questions, raw) -> set[int] | None:
    """The positions of the questions (the attempt's, in order) the posted page showed: one
    question's, none (the summary), or every one (the one-page form, or no ``page``)."""
    if raw is None or raw == "all":
        return None
    if raw == "summary":
        return set()
    number = _number_among(questions, raw)
    return None if number is None else {questions[number - 1].position}


@bp.post("/attempts/<id:attempt_id>")
@login_required
def save(attempt_id: int):
    """Save the answers on the page (one question, or all); then, by the button pressed: go
    to another question (``go``), flag this one, open the summary, or hand in (``submit``).
    Answers that do not fit their question are not saved and nothing else happens: the page
    comes back (422) with every answer as typed and the message beside each such question."""
    attempt = _my_attempt(attempt_id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        flash(_("This attempt was already submitted."), "info")
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    action = request.form.get("action", "save")
    handing_in = action == "submit"
    raw_page = request.form.get("page")
    page = _page_number(attempt, raw_page) if raw_page not in (None, "summary") else None
    try:
        problems = attempts.save_form(
            attempt, request.form.getlist, positions=_positions_on(attempt.questions, raw_page)
        )
        if not problems and action == "flag" and page is not None:
            attempts.toggle_flag(attempt, attempt.questions[page - 1].position)
    except ServiceError as error:
        flash(refused(error), "warning")
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    if problems:
        return _attempt_page(attempt, problems, handing_in=handing_in, page=page), 422
    if handing_in:
        attempts.submit(attempt)
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    go = request.form.get("go")
    if action == "summary" or go == "summary":
        return redirect(url_for("quizzes.summary", attempt_id=attempt.id))
    if go is not None:
        return redirect(
            url_for("quizzes.take", attempt_id=attempt.id, page=_page_number(attempt, go) or "all")
        )
    if action == "save":
        flash(_("Your answers are saved. You can continue now or later, on any device."), "success")
    return redirect(url_for("quizzes.take", attempt_id=attempt.id, page=page or "all"))


@bp.get("/attempts/<id:attempt_id>/summary")
@login_required
def summary(attempt_id: int):
    """Before hand-in: every question's state, the unanswered and flagged ones linked, and
    the button that hands in (the confirm step)."""
    attempt = _my_attempt(attempt_id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    overview = attempts.overview(attempt)
    return render_template(
        "quizzes/summary.html",
        attempt=attempt,
        quiz=attempt.quiz,
        overview=overview,
        unanswered=[item for item in overview if not item["answered"]],
        flagged=[item for item in overview if item["flagged"]],
        minutes_left=_time_left(attempt),
    )


@bp.post("/attempts/<id:attempt_id>/autosave")
@login_required
@leaves_session_alone
def autosave(attempt_id: int):
    """The page script saves the whole form after each change (same rules as saving): the
    answers that fit are saved; a 422 reply lists the others, in the reader's language."""
    sheet = attempts.answer_sheet(attempt_id)
    if sheet is None or sheet.user_id != current_user.id:
        abort(404)
    slots = sheet.slots
    try:
        problems = attempts.save_sheet(
            sheet, request.form.getlist, positions=_positions_on(slots, request.form.get("page"))
        )
    except ServiceError as error:
        return jsonify(error={"code": 409, "message": str(refused(error))}), 409
    if problems:
        listed = attempts.problem_list(slots, problems)
        numbers = ", ".join(str(item["number"]) for item in listed)
        if len(listed) == 1:
            message = _(
                "Saved, except question %(number)s: %(message)s",
                number=numbers,
                message=listed[0]["message"],
            )
        else:
            message = _(
                "Saved, except questions %(numbers)s: look at the messages beside them.",
                numbers=numbers,
            )
        return jsonify(
            saved=False, error={"code": 422, "message": message, "questions": listed}
        ), 422
    return jsonify(saved=True)


@bp.get("/attempts/<id:attempt_id>/token")
@login_required
def token(attempt_id: int):
    """A fresh form token for the attempt page's script, when the one on the page was refused
    (the trainee signed in again in another tab): its next save then goes through."""
    _my_attempt(attempt_id)
    return jsonify(csrf_token=generate_csrf())


@bp.get("/attempts/<id:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = _my_attempt(attempt_id)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return redirect(url_for("quizzes.take", attempt_id=attempt.id))
    quiz = attempt.quiz
    shown = attempt_results.shown_to_trainee(quiz, utcnow())
    titles = translations.criterion_titles()
    review = None
    language = translations.attempt_language(attempt)
    if shown.answers and not attempt.result.get("pending"):
        graded = attempt_results.result_of(attempt)
        views = translations.attempt_views(attempt)
        review = [
            (q, score, view, attempt_review.answer_lines(q, view, language))
            for q, score, view in zip(attempt.questions, graded.questions, views, strict=True)
        ]
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        quiz=quiz,
        titles=titles,
        show_score=shown.score,
        show_criteria=shown.criteria,
        review=review,
        teaching=attempt_review.teaching(attempt),
        language=language,
        history=attempts.finished_attempts(quiz, current_user),
    )
