"""The certificates' analytics: certificates issued per month (by ``issued_on``), whatever
their status since (a revoked certificate was still issued that month). Administrators see
every certificate; a trainer those issued on a seminar they manage or for a qualification
that includes a course they own. Two queries."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from certificates.models import Certificate, QualificationCourse
from courses.permissions import owns_course
from lms import charts
from lms.analytics import Filters, month_of
from lms.extensions import db
from lms.formatting import format_short_month
from lms.models import User
from seminars.models import Seminar
from seminars.permissions import manages


def issued_per_month(user: User, filters: Filters) -> dict:
    """Month (first day) -> certificates issued, for every month of the period."""
    owned_qualifications = select(QualificationCourse.qualification_id).where(
        owns_course(user, QualificationCourse.course_id)
    )
    managed_seminars = select(Seminar.id).where(manages(user))
    query = select(Certificate.issued_on).where(
        Certificate.issued_on >= filters.start,
        or_(
            Certificate.seminar_id.in_(managed_seminars),
            Certificate.qualification_id.in_(owned_qualifications),
        ),
    )
    if filters.course_id:
        query = query.where(
            or_(
                Certificate.seminar_id.in_(
                    select(Seminar.id).where(Seminar.course_id == filters.course_id)
                ),
                Certificate.qualification_id.in_(
                    select(QualificationCourse.qualification_id).where(
                        QualificationCourse.course_id == filters.course_id
                    )
                ),
            )
        )
    counts = dict.fromkeys(filters.month_starts(), 0)
    for (issued_on,) in db.session.execute(query):
        month = month_of(issued_on)
        if month in counts:
            counts[month] += 1
    return counts


def certificates_panel(user: User, filters: Filters) -> dict:
    counts = issued_per_month(user, filters)
    chart = charts.bar_chart(
        "certificates-per-month",
        _("Certificates issued per month"),
        [(format_short_month(month), count) for month, count in counts.items()],
        desc=_("The number of certificates issued in each month of the period."),
        value_label=_("Certificates"),
    )
    return {"chart": chart, "total": sum(counts.values())}
