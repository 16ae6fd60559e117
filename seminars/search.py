"""What the site search (``lms.search``) finds in seminars: their titles, descriptions and
venues, original and translated, for those who may open the seminar's page (public ones:
open, closed or completed, of a published course; and any the reader manages or is
registered for), as ``views.public`` decides."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager

from courses.models import Course, CourseStatus
from lms import content_translations as ct
from lms.search import Hit, contains, translated_ids
from seminars import permissions
from seminars.calendar import PUBLIC
from seminars.models import Registration, Seminar
from seminars.translations import SEMINAR, preload_seminars

FIELDS = ("title", "description", "venue")


def query(user, words: str) -> Select:
    shown = [Seminar.status.in_(PUBLIC) & (Course.status == CourseStatus.PUBLISHED.value)]
    if user.is_authenticated:
        shown.append(permissions.manages(user))
        shown.append(
            Seminar.id.in_(select(Registration.seminar_id).where(Registration.user_id == user.id))
        )
    return (
        select(Seminar)
        .join(Course, Seminar.course_id == Course.id)
        .where(
            or_(*shown),
            or_(
                *(contains(getattr(Seminar, field), words) for field in FIELDS),
                Seminar.id.in_(translated_ids(SEMINAR.name, FIELDS, words)),
            ),
        )
        .options(contains_eager(Seminar.course))
        .order_by(Seminar.id.desc())
    )


def hits(seminars: list[Seminar]) -> list[Hit]:
    preload_seminars(seminars)
    return [
        Hit(
            ct.text(seminar, "title"),
            url_for("seminars.detail", seminar_id=seminar.id),
            " · ".join(
                part
                for part in (ct.text(seminar.course, "title"), ct.text(seminar, "venue"))
                if part
            ),
        )
        for seminar in seminars
    ]
