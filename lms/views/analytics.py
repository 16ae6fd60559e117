"""/analytics: charts for trainers (their courses and seminars) and administrators
(everything), from the panels features register in ``lms.analytics``."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms import analytics
from lms.database import utcnow
from lms.permissions import trainer_required
from lms.timezone import site_zone

bp = Blueprint("analytics", __name__)


@bp.get("/analytics")
@trainer_required
def index():
    courses = analytics.course_choices(current_user)
    course_id = None
    raw_course = request.args.get("course", "")
    if raw_course:
        if not raw_course.isdigit() or int(raw_course) not in {c for c, _ in courses}:
            abort(404)  # not a course the reader may see: as if it did not exist
        course_id = int(raw_course)
    raw_period = request.args.get("months", "")
    months = analytics.DEFAULT_PERIOD
    if raw_period:
        if not raw_period.isdigit() or int(raw_period) not in analytics.PERIODS:
            abort(400, _l("Choose one of the periods offered."))
        months = int(raw_period)
    today = utcnow().astimezone(site_zone()).date()
    filters = analytics.Filters(course_id, months, today)
    return render_template(
        "main/analytics.html",
        filters=filters,
        courses=courses,
        periods=analytics.PERIODS,
        panels=analytics.panels(current_user, filters),
    )
