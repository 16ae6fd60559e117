"""Trainers' assessment pages under ``/manage/assessments``: the list, starting one, the
scoring sheet, sign-off."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assessments import lifecycle, results, rubrics, scoring
from assessments.models import Assessment, AssessmentStatus, Rubric
from assessments.translations import preload_assessments
from assessments.views.blueprint import (
    STATUS_LABELS,
    bp,
    owned_course_ids,
    render_page,
)
from courses.models import Enrolment
from courses.permissions import require_course_owner
from lms import content_translations as ct
from lms.extensions import db
from lms.models import Role, User
from lms.pagination import paginate
from lms.permissions import trainer_required
from lms.routing import get_or_404, parse_id
from lms.service_error import ServiceError, refused
from seminars.models import Seminar
from seminars.permissions import seminars_managed_by
from seminars.registration import participants


def _assessment(assessment_id: int) -> Assessment:
    assessment = get_or_404(Assessment, assessment_id, options=lifecycle.load_options())
    require_course_owner(assessment.rubric.course)
    return assessment


@bp.get("/manage/assessments/")
@trainer_required
def assessments():
    course_ids = owned_course_ids()
    rubric_list = rubrics.rubrics_of(course_ids)
    seminar_list = seminars_managed_by(current_user, include_cancelled=False)
    chosen = {
        "rubric": parse_id(request.args.get("rubric")),
        "seminar": parse_id(request.args.get("seminar")),
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
    pagination = paginate(query)
    preload_assessments(pagination.items, rubric_list, seminar_list)
    return render_page(
        "assessments.html",
        pagination=pagination,
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
    course_ids = owned_course_ids()
    rubric_list = [r for r in rubrics.rubrics_of(course_ids) if r.active]
    seminar_list = seminars_managed_by(current_user, include_cancelled=False)
    source = request.form if request.method == "POST" else request.args
    rubric = next((r for r in rubric_list if r.id == parse_id(source.get("rubric"))), None)
    seminar = next((s for s in seminar_list if s.id == parse_id(source.get("seminar"))), None)
    trainees = _trainee_choices(rubric, seminar)
    errors, existing = {}, None
    if request.method == "POST":
        trainee = next((t for t in trainees if t.id == parse_id(request.form.get("trainee"))), None)
        try:
            if rubric is None:
                raise ServiceError(_("Choose a rubric."), "rubric")
            if source.get("seminar") and seminar is None:
                raise ServiceError(_("Choose one of the offered seminars."), "seminar")
            if trainee is None:
                raise ServiceError(_("Choose a trainee."), "trainee")
            assessment = lifecycle.start_assessment(rubric, trainee, current_user, seminar=seminar)
        except ServiceError as error:
            errors = {error.field or "": refused(error)}
            if rubric is not None and trainee is not None:
                existing = lifecycle.draft_for(rubric, trainee)
        else:
            flash(_("Assessment started. Score each line, then sign it off."), "success")
            return redirect(url_for("practical.sheet", assessment_id=assessment.id))
    preload_assessments([], rubric_list, seminar_list)
    return render_page(
        "new_assessment.html",
        400 if errors else 200,
        rubrics=rubric_list,
        seminars=seminar_list,
        rubric=rubric,
        seminar=seminar,
        trainees=trainees,
        chosen_trainee=parse_id(source.get("trainee")),
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
    ct.preload(criteria.values())  # their titles in the reader's language, one query
    preload_assessments([assessment])
    return render_page(
        "sheet.html",
        status,
        assessment=assessment,
        values=values or _sheet_values(assessment),
        errors=errors or {},
        breach_criteria=sorted(criteria.values(), key=lambda c: c.code),
        unscored=lifecycle.unscored_lines(assessment),
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
            (parse_id(values["breach_criterion"]), values["breach_note"])
            if values["breach"]
            else None
        )
        changed = scoring.save_sheet(
            assessment, current_user, scores=scores, notes=values["notes"], breach=breach
        )
    except ServiceError as error:
        refused(error)
        return _sheet_page(
            lifecycle.load_assessment(assessment_id),
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
            lifecycle.sign_off(
                assessment,
                current_user,
                expected_events=int(expected) if expected.isdigit() and len(expected) < 9 else -1,
            )
        except ServiceError as failure:
            error = refused(failure)
            assessment = lifecycle.load_assessment(assessment_id)
        else:
            flash(_("Assessment signed off. It can no longer change."), "success")
            return redirect(url_for("practical.sheet", assessment_id=assessment_id))
    if assessment.status != AssessmentStatus.DRAFT and error is None:
        return redirect(url_for("practical.sheet", assessment_id=assessment_id))
    per_criterion = results.assessment_results(
        results.scored_lines(assessment),
        assessment.breach_criterion.code if assessment.breach_criterion else None,
    )
    preload_assessments([assessment])
    return render_page(
        "sign_off.html",
        400 if error else 200,
        assessment=assessment,
        error=error,
        unscored=lifecycle.unscored_lines(assessment),
        results=per_criterion,
        scores={score.line_id: score.points for score in assessment.scores},
    )
