"""Trainers' rubric pages under ``/manage/assessments/rubrics``: list, create, edit, copy."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assessments import rubrics as rubric_authoring
from assessments.models import QUALITY_SCALE, LineKind, Rubric, RubricKind
from assessments.rubrics import LineSpec
from assessments.translations import preload_rubrics
from assessments.views.blueprint import bp, owned_course_ids, render_page
from courses.permissions import courses_owned_by, require_course_owner
from lms import content_translations as ct
from lms.extensions import db
from lms.permissions import trainer_required
from lms.routing import get_or_404, parse_id
from lms.service_error import ServiceError, refused
from quizzes.models import Criterion

BLANK_ROWS = 3
MAX_ROWS = rubric_authoring.MAX_LINES + 10


def owned_rubric(rubric_id: int) -> Rubric:
    """The rubric ``rubric_id`` names: 404 unknown, 403 when its course is not the user's."""
    rubric = get_or_404(Rubric, rubric_id)
    require_course_owner(rubric.course)
    return rubric


def _criteria() -> list[Criterion]:
    return list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.active.is_(True))
            .options(selectinload(Criterion.instruments))
            .order_by(Criterion.code)
        )
    )


@bp.get("/manage/assessments/rubrics")
@trainer_required
def rubrics():
    found = rubric_authoring.rubrics_of(owned_course_ids())
    preload_rubrics(found)
    ct.preload([rubric.course for rubric in found])
    return render_page("rubrics.html", rubrics=found)[0]


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
        line_id = parse_id(request.form.get(f"{ref}-id"))
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
            parse_id(row["criterion"]),
            row["kind"],
            int(minimum) if minimum else None,
            row["guidance"],
            row["id"],
            row["ref"],
        )
        chosen.append((int(order) if order else number + 1, number, spec))
    return [spec for *_, spec in sorted(chosen, key=lambda item: item[:2])]


def _rubric_page(rubric, courses, rows, errors=None, status=200, values=None):
    assessed = rubric is not None and rubric_authoring.has_assessments(rubric)
    return render_page(
        "rubric.html",
        status,
        rubric=rubric,
        courses=courses,
        rows=rows,
        errors=errors or {},
        values=values or {},
        criteria=_criteria(),
        assessed=assessed,
        coverage=ct.coverage([rubric, *rubric.lines]) if rubric is not None else None,
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
    course = next((c for c in courses if c.id == parse_id(values["course"])), None)
    try:
        if course is None:
            raise ServiceError(_("Choose one of your courses."), "course")
        rubric = rubric_authoring.create_rubric(
            course,
            title=values["title"],
            slug=values["slug"],
            kind=values["kind"],
            instructions=values["instructions"],
            lines=_specs(rows),
        )
    except ServiceError as error:
        return _rubric_page(None, courses, rows, {error.field or "": refused(error)}, 400, values)
    flash(_("Rubric saved."), "success")
    return redirect(url_for("practical.edit_rubric", rubric_id=rubric.id))


@bp.route("/manage/assessments/rubrics/<id:rubric_id>", methods=["GET", "POST"])
@trainer_required
def edit_rubric(rubric_id: int):
    rubric = owned_rubric(rubric_id)
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
        rubric_authoring.update_rubric(rubric, lines=_specs(rows), **values)
    except ServiceError as error:
        refused(error)
        rubric = owned_rubric(rubric_id)
        return _rubric_page(rubric, None, rows, {error.field or "": error.message}, 400, values)
    flash(_("Rubric saved."), "success")
    return redirect(url_for("practical.edit_rubric", rubric_id=rubric.id))


@bp.post("/manage/assessments/rubrics/<id:rubric_id>/copy")
@trainer_required
def copy_rubric(rubric_id: int):
    rubric = owned_rubric(rubric_id)
    try:
        copy = rubric_authoring.copy_rubric(
            rubric, title=_("%(title)s (copy)", title=rubric.title)[:200]
        )
    except ServiceError as error:
        refused(error)
        rubric = owned_rubric(rubric_id)
        values = {k: getattr(rubric, k) for k in ("title", "kind", "instructions", "active")}
        rows = _rows_from(rubric, BLANK_ROWS)
        return _rubric_page(rubric, None, rows, {"": error.message}, 400, values)
    flash(_("Copy made: change it, then use it for new assessments."), "success")
    return redirect(url_for("practical.edit_rubric", rubric_id=copy.id))
