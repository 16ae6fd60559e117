"""The demo's seminars keep the 2025 training rules' group size and say honestly that the
five-day, 40-hour seminar is not the General course of mediation (at least 72 hours).
One seeding serves every check: seed-demo takes a while."""

from __future__ import annotations

from sqlalchemy import select

from certificates.demo import PILOT_SEMINAR_TITLE
from lms.extensions import db
from seminars.authoring import total_hours
from seminars.demo import DEMO_SEMINAR_TITLE
from seminars.models import Seminar


def _seminar(title: str) -> Seminar:
    return db.session.scalar(select(Seminar).where(Seminar.title == title))


def test_demo_seminars_fit_the_group_size_and_do_not_pass_for_the_general_course(
    app, seed_demo, client
):
    seed_demo()

    seminars = list(db.session.scalars(select(Seminar)))
    assert len(seminars) >= 3
    for seminar in seminars:
        assert seminar.capacity <= app.config["SEMINAR_MAX_CAPACITY"] == 10, seminar.title

    for title in (DEMO_SEMINAR_TITLE, PILOT_SEMINAR_TITLE):
        seminar = _seminar(title)
        assert total_hours(seminar) == 40
        english, russian, kazakh = seminar.description_paragraphs
        assert "40 academic hours" in english and "72 academic hours" in english
        assert "not the “General course of mediation”" in english
        assert "40 академических часов" in russian and "72 академических часов" in russian
        assert "Это не «Общий курс медиации»" in russian
        assert "40 академиялық сағат" in kazakh and "72 академиялық сағат" in kazakh
        assert "«Медиацияның жалпы курсы» (кемінде 72 академиялық сағат) емес" in kazakh

    # The seminar page shows each language as its own paragraph.
    seminar = _seminar(DEMO_SEMINAR_TITLE)
    page = client.get(f"/seminars/{seminar.id}").get_data(as_text=True)
    for paragraph in seminar.description_paragraphs:
        assert f">{paragraph}</p>" in page
    # The course it delivers says so too.
    page = client.get(f"/courses/{seminar.course.slug}").get_data(as_text=True)
    assert "is not the “General course of mediation”" in page
    assert "at least 72 academic hours" in page
