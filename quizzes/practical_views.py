"""Pages of practical assessments: rubrics, scoring, sign-off; a trainee's standing.

Trainers (owners of the rubric's course, and admins) work under ``/manage/assessments``;
trainees see their own signed-off assessments and standing under ``/assessments``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from courses.attendance import participants
from courses.authoring import courses_owned_by
from courses.models import Enrolment
from courses.permissions import require_course_owner
from courses.seminar_models import Seminar, SeminarStatus, SeminarTrainer
from lms.extensions import db
from lms.models import Role, User
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.routing import MAX_ID
from lms.service_error import ServiceError
from quizzes import practical, standing
from quizzes.grading import display_percent
from quizzes.models import Criterion
from quizzes.practical import Action, LineSpec
from quizzes.practical_models import (
    QUALITY_SCALE,
    Assessment,
    AssessmentStatus,
    LineKind,
    Rubric,
    RubricKind,
    RubricLine,
)

bp = Blueprint("practical", __name__, template_folder="templates")

SCALE_WORDS = {1: _l("not shown"), 2: _l("partly"), 3: _l("competent"), 4: _l("strong")}
CHECKLIST_WORDS = {1: _l("present"), 0: _l("absent")}
RUBRIC_KIND_LABELS = {
    RubricKind.ROLE_PLAY.value: _l("Role-play"),
    RubricKind.DRAFTING.value: _l("Drafting task"),
}
LINE_KIND_LABELS = {
    LineKind.QUALITY.value: _l("Quality (1–4)"),
    LineKind.CHECKLIST.value: _l("Checklist (present / absent)"),
}
STATUS_LABELS = {
    AssessmentStatus.DRAFT.value: _l("Draft"),
    AssessmentStatus.SIGNED_OFF.value: _l("Signed off"),
}
ACTION_LABELS = {
    Action.START: _l("Started"),
    Action.SCORE: _l("Score"),
    Action.BREACH: _l("Serious breach marked"),
    Action.BREACH_CLEARED: _l("Serious breach cleared"),
    Action.NOTES: _l("Feedback changed"),
    Action.SIGN_OFF: _l("Signed off"),
}
BLANK_ROWS = 3
MAX_ROWS = practical.MAX_LINES + 10
# The qualification's required average of the compensable criteria, until certificates
# (issue 7) hold it per qualification: the demo rule's 70 %.
DEFAULT_COMPENSABLE_AVERAGE = 70


def _labels() -> dict:
    return {
        "scale_words": SCALE_WORDS,
        "checklist_words": CHECKLIST_WORDS,
        "rubric_kinds": RUBRIC_KIND_LABELS,
        "line_kinds": LINE_KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "instrument_labels": standing.INSTRUMENT_LABELS,
        "action_labels": ACTION_LABELS,
        "display_percent": display_percent,
        "describe_reason": standing.describe_reason,
    }


def _render(template: str, status: int = 200, **context):
    return render_template(f"quizzes/practical/{template}", **_labels(), **context), status


def _id(value) -> int | None:
    """A database id from form or query text; anything else (junk, huge numbers) is None."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def _rubric(rubric_id: int) -> Rubric:
    rubric = db.session.get(Rubric, rubric_id)
    if rubric is None:
        abort(404)
    require_course_owner(rubric.course)
    return rubric


def _assessment(assessment_id: int) -> Assessment:
    assessment = practical.load_assessment(assessment_id)
    if assessment is None:
        abort(404)
    require_course_owner(assessment.rubric.course)
    return assessment


def _course_ids() -> list[int]:
    return [course.id for course in courses_owned_by(current_user)]


def _seminars(course_ids: list[int]) -> list[Seminar]:
    """Seminars the trainer may attach an assessment to: those of their courses or that they
    run (admins: all), cancelled ones left out."""
    query = select(Seminar).where(Seminar.status != SeminarStatus.CANCELLED.value)
    if current_user.role != Role.ADMIN:
        trained = select(SeminarTrainer.seminar_id).where(SeminarTrainer.user_id == current_user.id)
        query = query.where(or_(Seminar.course_id.in_(course_ids), Seminar.id.in_(trained)))
    return list(db.session.scalars(query.order_by(Seminar.id.desc())))


def _criteria() -> list[Criterion]:
    return list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.active.is_(True))
            .options(selectinload(Criterion.instruments))
            .order_by(Criterion.code)
        )
    )


# --- rubrics ---------------------------------------------------------------------------------


@bp.get("/manage/assessments/rubrics")
@trainer_required
def rubrics():
    return _render("rubrics.html", rubrics=practical.rubrics_of(_course_ids()))[0]


def _rows_from(rubric: Rubric | None, blank: int) -> list[dict]:
    rows = []
    for number, line in enumerate(rubric.lines if rubric else []):
        rows.append(
            {
                "ref": f"line-{number}",
                "id": line.id,
                "label": line.label,
                "criterion": str(line.criterion_id),
                "kind": line.kind,
                "minimum": "" if line.minimum is None else str(line.minimum),
                "guidance": line.guidance,
                "order": str(number + 1),
                "remove": False,
            }
        )
    for number in range(len(rows), len(rows) + blank):
        rows.append(
            {
                "ref": f"line-{number}",
                "id": None,
                "label": "",
                "criterion": "",
                "kind": LineKind.QUALITY.value,
                "minimum": "",
                "guidance": "",
                "order": str(number + 1),
                "remove": False,
            }
        )
    return rows


def _rows_from_form(rubric: Rubric | None) -> list[dict]:
    """The line rows as sent (to show them again), existing lines matched by id."""
    own = {line.id for line in rubric.lines} if rubric else set()
    try:
        count = min(max(int(request.form.get("rows", "0")), 0), MAX_ROWS)
    except ValueError:
        count = 0
    rows = []
    for number in range(count):
        ref = f"line-{number}"
        line_id = _id(request.form.get(f"{ref}-id"))
        rows.append(
            {
                "ref": ref,
                "id": line_id if line_id in own else None,
                "label": request.form.get(f"{ref}-label", ""),
                "criterion": request.form.get(f"{ref}-criterion", ""),
                "kind": request.form.get(f"{ref}-kind", ""),
                "minimum": request.form.get(f"{ref}-minimum", ""),
                "guidance": request.form.get(f"{ref}-guidance", ""),
                "order": request.form.get(f"{ref}-order", ""),
                "remove": request.form.get(f"{ref}-remove") == "y",
            }
        )
    return rows


def _specs(rows: list[dict]) -> list[LineSpec]:
    """The kept rows as line specs in the order asked for (blank new rows are skipped)."""
    chosen = []
    for number, row in enumerate(rows):
        if row["remove"] or (row["id"] is None and not row["label"].strip()):
            continue
        order = row["order"].strip()
        if order and not (order.isdigit() and len(order) <= 4):
            raise ServiceError(_("Give the position as a whole number."), f"{row['ref']}-order")
        minimum = row["minimum"].strip()
        if minimum and minimum not in {str(n) for n in QUALITY_SCALE}:
            raise ServiceError(
                _("A minimum is a score from 1 to 4, or none."), f"{row['ref']}-minimum"
            )
        spec = LineSpec(
            row["label"],
            _id(row["criterion"]),
            row["kind"],
            int(minimum) if minimum else None,
            row["guidance"],
            row["id"],
            row["ref"],
        )
        chosen.append((int(order) if order else number + 1, number, spec))
    return [spec for *_, spec in sorted(chosen, key=lambda item: item[:2])]


def _rubric_page(rubric, courses, rows, errors=None, status=200, values=None):
    assessed = rubric is not None and practical.has_assessments(rubric)
    return _render(
        "rubric.html",
        status,
        rubric=rubric,
        courses=courses,
        rows=rows,
        errors=errors or {},
        values=values or {},
        criteria=_criteria(),
        assessed=assessed,
    )


@bp.route("/manage/assessments/rubrics/new", methods=["GET", "POST"])
@trainer_required
def new_rubric():
    courses = courses_owned_by(current_user)
    if not courses:
        flash(_("Create a course first: a rubric belongs to a course."), "info")
        return redirect(url_for("manage.new_course"))
    if request.method == "GET":
        values = {"kind": RubricKind.ROLE_PLAY.value, "course": str(courses[0].id)}
        return _rubric_page(None, courses, _rows_from(None, 5), values=values)
    values = {
        key: request.form.get(key, "")
        for key in ("title", "slug", "kind", "instructions", "course")
    }
    rows = _rows_from_form(None)
    course = next((c for c in courses if c.id == _id(values["course"])), None)
    try:
        if course is None:
            raise ServiceError(_("Choose one of your courses."), "course")
        rubric = practical.create_rubric(
            course,
            title=values["title"],
            slug=values["slug"],
            kind=values["kind"],
            instructions=values["instructions"],
            lines=_specs(rows),
        )
    except ServiceError as error:
        db.session.rollback()
        return _rubric_page(None, courses, rows, {error.field or "": error.message}, 400, values)
    flash(_("Rubric saved."), "success")
    return redirect(url_for("practical.edit_rubric", rubric_id=rubric.id))


@bp.route("/manage/assessments/rubrics/<id:rubric_id>", methods=["GET", "POST"])
@trainer_required
def edit_rubric(rubric_id: int):
    rubric = _rubric(rubric_id)
    if request.method == "GET":
        values = {
            "title": rubric.title,
            "kind": rubric.kind,
            "instructions": rubric.instructions,
            "active": rubric.active,
        }
        return _rubric_page(rubric, None, _rows_from(rubric, BLANK_ROWS), values=values)
    values = {key: request.form.get(key, "") for key in ("title", "kind", "instructions")}
    values["active"] = request.form.get("active") == "y"
    rows = _rows_from_form(rubric)
    try:
        practical.update_rubric(rubric, lines=_specs(rows), **values)
    except ServiceError as error:
        db.session.rollback()
        rubric = _rubric(rubric_id)
        return _rubric_page(rubric, None, rows, {error.field or "": error.message}, 400, values)
    flash(_("Rubric saved."), "success")
    return redirect(url_for("practical.edit_rubric", rubric_id=rubric.id))


@bp.post("/manage/assessments/rubrics/<id:rubric_id>/copy")
@trainer_required
def copy_rubric(rubric_id: int):
    rubric = _rubric(rubric_id)
    try:
        copy = practical.copy_rubric(rubric, title=_("%(title)s (copy)", title=rubric.title)[:200])
    except ServiceError as error:
        db.session.rollback()
        rubric = _rubric(rubric_id)
        values = {k: getattr(rubric, k) for k in ("title", "kind", "instructions", "active")}
        rows = _rows_from(rubric, BLANK_ROWS)
        return _rubric_page(rubric, None, rows, {"": error.message}, 400, values)
    flash(_("Copy made: change it, then use it for new assessments."), "success")
    return redirect(url_for("practical.edit_rubric", rubric_id=copy.id))


# --- assessments (trainers) ------------------------------------------------------------------


@bp.get("/manage/assessments/")
@trainer_required
def assessments():
    course_ids = _course_ids()
    rubric_list = practical.rubrics_of(course_ids)
    seminar_list = _seminars(course_ids)
    chosen = {
        "rubric": _id(request.args.get("rubric")),
        "seminar": _id(request.args.get("seminar")),
        "status": request.args.get("status") if request.args.get("status") in STATUS_LABELS else "",
    }
    query = (
        select(Assessment)
        .join(Rubric, Assessment.rubric_id == Rubric.id)
        .where(Rubric.course_id.in_(course_ids or [0]))
        .options(
            joinedload(Assessment.user),
            joinedload(Assessment.rubric),
            joinedload(Assessment.seminar),
        )
        .order_by(Assessment.updated_at.desc(), Assessment.id.desc())
    )
    if chosen["rubric"]:
        query = query.where(Assessment.rubric_id == chosen["rubric"])
    if chosen["seminar"]:
        query = query.where(Assessment.seminar_id == chosen["seminar"])
    if chosen["status"]:
        query = query.where(Assessment.status == chosen["status"])
    return _render(
        "assessments.html",
        pagination=paginate(query),
        rubrics=rubric_list,
        seminars=seminar_list,
        chosen=chosen,
    )[0]


def _trainee_choices(rubric: Rubric | None, seminar: Seminar | None) -> list[User]:
    """Participants of the seminar when one is chosen, else trainees enrolled in the course."""
    if seminar is not None:
        return [
            r.user for r in participants(seminar) if r.user.role == Role.TRAINEE and r.user.active
        ]
    if rubric is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(
                Enrolment.course_id == rubric.course_id,
                User.role == Role.TRAINEE.value,
                User.active.is_(True),
            )
            .order_by(User.full_name, User.id)
        )
    )


@bp.route("/manage/assessments/new", methods=["GET", "POST"])
@trainer_required
def new_assessment():
    course_ids = _course_ids()
    rubric_list = [r for r in practical.rubrics_of(course_ids) if r.active]
    seminar_list = _seminars(course_ids)
    source = request.form if request.method == "POST" else request.args
    rubric = next((r for r in rubric_list if r.id == _id(source.get("rubric"))), None)
    seminar = next((s for s in seminar_list if s.id == _id(source.get("seminar"))), None)
    trainees = _trainee_choices(rubric, seminar)
    errors, existing = {}, None
    if request.method == "POST":
        trainee = next((t for t in trainees if t.id == _id(request.form.get("trainee"))), None)
        try:
            if rubric is None:
                raise ServiceError(_("Choose a rubric."), "rubric")
            if source.get("seminar") and seminar is None:
                raise ServiceError(_("Choose one of the offered seminars."), "seminar")
            if trainee is None:
                raise ServiceError(_("Choose a trainee."), "trainee")
            assessment = practical.start_assessment(rubric, trainee, current_user, seminar=seminar)
        except ServiceError as error:
            db.session.rollback()
            errors = {error.field or "": error.message}
            if rubric is not None and trainee is not None:
                existing = practical.draft_for(rubric, trainee)
        else:
            flash(_("Assessment started. Score each line, then sign it off."), "success")
            return redirect(url_for("practical.sheet", assessment_id=assessment.id))
    return _render(
        "new_assessment.html",
        400 if errors else 200,
        rubrics=rubric_list,
        seminars=seminar_list,
        rubric=rubric,
        seminar=seminar,
        trainees=trainees,
        chosen_trainee=_id(source.get("trainee")),
        errors=errors,
        existing=existing,
    )


def _sheet_values(assessment: Assessment) -> dict:
    return {
        "scores": {score.line_id: str(score.points) for score in assessment.scores},
        "breach": assessment.breach_criterion_id is not None,
        "breach_criterion": str(assessment.breach_criterion_id or ""),
        "breach_note": assessment.breach_note,
        "notes": assessment.notes,
    }


def _sheet_page(assessment: Assessment, values=None, errors=None, status=200):
    criteria = {line.criterion_id: line.criterion for line in assessment.rubric.lines}
    return _render(
        "sheet.html",
        status,
        assessment=assessment,
        values=values or _sheet_values(assessment),
        errors=errors or {},
        breach_criteria=sorted(criteria.values(), key=lambda c: c.code),
        unscored=practical.unscored_lines(assessment),
        draft=assessment.status == AssessmentStatus.DRAFT,
    )


@bp.route("/manage/assessments/<id:assessment_id>", methods=["GET", "POST"])
@trainer_required
def sheet(assessment_id: int):
    assessment = _assessment(assessment_id)
    if request.method == "GET":
        return _sheet_page(assessment)
    values = {
        "scores": {
            line.id: request.form.get(f"line-{line.id}", "").strip()
            for line in assessment.rubric.lines
        },
        "breach": request.form.get("breach") == "y",
        "breach_criterion": request.form.get("breach_criterion", ""),
        "breach_note": request.form.get("breach_note", ""),
        "notes": request.form.get("notes", ""),
    }
    try:
        scores = {}
        for line in assessment.rubric.lines:
            given = values["scores"][line.id]
            if given:
                if not (given.isdigit() and len(given) == 1):
                    raise ServiceError(_("Choose one of the offered scores."), f"line-{line.id}")
                scores[line.id] = int(given)
        breach = (
            (_id(values["breach_criterion"]), values["breach_note"]) if values["breach"] else None
        )
        changed = practical.save_sheet(
            assessment, current_user, scores=scores, notes=values["notes"], breach=breach
        )
    except ServiceError as error:
        db.session.rollback()
        return _sheet_page(
            practical.load_assessment(assessment_id),
            values,
            {error.field or "": error.message},
            400,
        )
    if request.form.get("action") == "review":
        return redirect(url_for("practical.sign_off", assessment_id=assessment_id))
    flash(_("Saved (%(n)d changed).", n=changed), "success")
    return redirect(url_for("practical.sheet", assessment_id=assessment_id))


@bp.route("/manage/assessments/<id:assessment_id>/sign-off", methods=["GET", "POST"])
@trainer_required
def sign_off(assessment_id: int):
    assessment = _assessment(assessment_id)
    error = None
    if request.method == "POST":
        try:
            expected = request.form.get("events", "")
            practical.sign_off(
                assessment,
                current_user,
                expected_events=int(expected) if expected.isdigit() and len(expected) < 9 else -1,
            )
        except ServiceError as failure:
            db.session.rollback()
            error = failure.message
            assessment = practical.load_assessment(assessment_id)
        else:
            flash(_("Assessment signed off. It can no longer change."), "success")
            return redirect(url_for("practical.sheet", assessment_id=assessment_id))
    if assessment.status != AssessmentStatus.DRAFT and error is None:
        return redirect(url_for("practical.sheet", assessment_id=assessment_id))
    results = practical.assessment_results(
        practical.scored_lines(assessment),
        assessment.breach_criterion.code if assessment.breach_criterion else None,
    )
    return _render(
        "sign_off.html",
        400 if error else 200,
        assessment=assessment,
        error=error,
        unscored=practical.unscored_lines(assessment),
        results=results,
        scores={score.line_id: score.points for score in assessment.scores},
    )


# --- trainees --------------------------------------------------------------------------------


def _my_signed_off() -> list[Assessment]:
    return list(
        db.session.scalars(
            select(Assessment)
            .where(
                Assessment.user_id == current_user.id,
                Assessment.status == AssessmentStatus.SIGNED_OFF.value,
            )
            .options(
                joinedload(Assessment.rubric).joinedload(Rubric.course),
                joinedload(Assessment.rubric)
                .selectinload(Rubric.lines)
                .joinedload(RubricLine.criterion),
                joinedload(Assessment.breach_criterion),
                joinedload(Assessment.signed_off_by),
                joinedload(Assessment.seminar),
                selectinload(Assessment.scores),
            )
            .order_by(Assessment.signed_off_at.desc(), Assessment.id.desc())
        )
    )


@bp.get("/assessments/")
@login_required
def my_assessments():
    mine = _my_signed_off()
    counted = {a.id for a in standing.latest_per_rubric(mine)}
    cards = [
        {
            "assessment": a,
            "counted": a.id in counted,
            "scores": {score.line_id: score.points for score in a.scores},
            "results": practical.assessment_results(
                practical.scored_lines(a), a.breach_criterion.code if a.breach_criterion else None
            ),
        }
        for a in mine
    ]
    return _render("mine.html", cards=cards)[0]


@bp.get("/assessments/standing")
@login_required
def my_standing():
    average = current_app.config.get("COMPENSABLE_AVERAGE", DEFAULT_COMPENSABLE_AVERAGE)
    return _render(
        "standing.html", standing=standing.standing(current_user, compensable_average=average)
    )[0]


def dashboard_panel(user: User) -> dict:
    """The trainee's dashboard card: how many assessments are signed off, and the links."""
    count = db.session.scalar(
        select(func.count(Assessment.id)).where(
            Assessment.user_id == user.id,
            Assessment.status == AssessmentStatus.SIGNED_OFF.value,
        )
    )
    return {"signed_off": count or 0}
