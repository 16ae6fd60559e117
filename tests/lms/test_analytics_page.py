"""/analytics through HTTP on the demo: who sees it, figures that match the data, filters,
escaped labels and a bounded number of queries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from certificates.models import Certificate
from courses import learning
from courses.models import Course, CourseCompletion, Enrolment, Module, ModuleCompletion
from lms import accounts, analytics
from lms.database import utcnow
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import User
from lms.timezone import site_zone

ADMIN, OWN, OTHER, TRAINEE = (
    "admin@example.kz",
    "aigerim.trainer@example.kz",
    "dana.trainer@example.kz",
    "asel@example.kz",
)


@pytest.fixture
def seeded(seed_demo):
    return seed_demo()


@pytest.fixture
def other_trainer(seeded, make_user):
    """A trainer who owns nothing of the demo's."""
    return make_user("trainer", email=OTHER, password=DEMO_PASSWORD)


def _client(app, email, language="en"):
    """Demo users have their own languages: the page is read in ``language`` here."""
    user = db.session.scalar(select(User).where(User.email == email))
    accounts.set_language(user, language)
    client = app.test_client()
    client.login(email, DEMO_PASSWORD)
    return client


def _filters(months: int = 12) -> analytics.Filters:
    return analytics.Filters(None, months, utcnow().astimezone(site_zone()).date())


def _row(html: str, label: str) -> list[str]:
    """The figures of the data-table row headed ``label``."""
    found = re.search(
        r'<th scope="row">' + re.escape(label) + r"</th>((?:<td[^>]*>[^<]*</td>)+)", html
    )
    assert found, label
    return re.findall(r"<td[^>]*>([^<]*)</td>", found.group(1))


def test_admin_sees_every_chart_with_the_datas_figures(seeded, app):
    html = _client(app, ADMIN).get("/analytics").get_data(as_text=True)
    for heading in ("Cohort progress", "Criterion pass rates", "Question quality"):
        assert heading in html
    assert "Certificates issued" in html
    assert html.count('role="img"') >= 3
    start = _filters().start_at
    for course in db.session.scalars(select(Course)):
        enrolled = set(
            db.session.scalars(
                select(Enrolment.user_id).where(
                    Enrolment.course_id == course.id, Enrolment.enrolled_at >= start
                )
            )
        )
        if not enrolled:
            continue
        completed = enrolled & set(
            db.session.scalars(
                select(CourseCompletion.user_id).where(CourseCompletion.course_id == course.id)
            )
        )
        started = (
            enrolled
            & set(
                db.session.scalars(
                    select(ModuleCompletion.user_id)
                    .join(Module, Module.id == ModuleCompletion.module_id)
                    .where(Module.course_id == course.id)
                )
            )
        ) - completed
        not_started = len(enrolled) - len(completed) - len(started)
        assert _row(html, course.title) == [
            str(not_started),
            str(len(started)),
            str(len(completed)),
        ]
    issued = db.session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.issued_on >= _filters().start)
    )
    assert issued  # the demo issued certificates this year
    assert f"{issued} certificates issued in the period." in html or (
        issued == 1 and "1 certificate issued in the period." in html
    )


def test_trainers_see_their_own_courses_only(seeded, app, other_trainer):
    own = _client(app, OWN).get("/analytics").get_data(as_text=True)
    other = _client(app, OTHER).get("/analytics").get_data(as_text=True)
    titles = [
        c.title
        for c in db.session.scalars(select(Course))
        if any(o.user.email == OWN for o in c.ownerships)
        and db.session.scalar(select(func.count()).where(Enrolment.course_id == c.id))
    ]
    assert titles
    for title in titles:
        assert f'<th scope="row">{title}</th>' in own
        assert title not in other


def test_filters_by_course_and_period(seeded, app, other_trainer):
    client = _client(app, ADMIN)
    courses = list(db.session.scalars(select(Course).order_by(Course.id)))
    html = client.get(f"/analytics?course={courses[0].id}&months=3").get_data(as_text=True)
    assert f'<option value="{courses[0].id}" selected>' in html
    assert '<option value="3" selected>' in html
    for course in courses[1:]:
        assert f'<th scope="row">{course.title}</th>' not in html
    # A course that does not exist, or is not the trainer's: as if absent; a made-up period
    # is refused with a message.
    assert client.get("/analytics?course=999999").status_code == 404
    assert client.get("/analytics?course=abc").status_code == 404
    refused = client.get("/analytics?months=7")
    assert refused.status_code == 400
    assert "Choose one of the periods offered." in refused.get_data(as_text=True)
    other_course = next(c for c in courses if not any(o.user.email == OTHER for o in c.ownerships))
    assert _client(app, OTHER).get(f"/analytics?course={other_course.id}").status_code == 404


def test_trainees_and_strangers_are_kept_out(seeded, app):
    assert _client(app, TRAINEE).get("/analytics").status_code == 403
    assert app.test_client().get("/analytics").status_code == 302
    assert 'href="/analytics"' in _client(app, OWN).get("/").get_data(as_text=True)
    assert 'href="/analytics"' not in _client(app, TRAINEE).get("/").get_data(as_text=True)


def test_the_page_reads_in_russian_and_kazakh(seeded, app):
    russian = _client(app, ADMIN, "ru").get("/analytics").get_data(as_text=True)
    assert "Прогресс групп" in russian and "Таблица данных" in russian
    kazakh = _client(app, ADMIN, "kk").get("/analytics").get_data(as_text=True)
    assert "Топтардың үлгерімі" in kazakh and "Деректер кестесі" in kazakh


def test_course_titles_are_escaped(seeded, app):
    course = db.session.scalars(select(Course).join(Enrolment).limit(1)).first()
    course.title = '<script>alert("x")</script><svg onload=alert(1)>'
    db.session.commit()
    html = _client(app, ADMIN).get("/analytics").get_data(as_text=True)
    assert "<script>alert" not in html and "<svg onload" not in html
    assert "&lt;script&gt;alert(" in html


def test_the_pages_query_count_does_not_grow_with_the_data(seeded, app, make_course, make_user):
    client = _client(app, ADMIN)

    def count() -> int:
        statements = []

        def before(*args, **kwargs):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get("/analytics").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    count()  # warm caches
    first = count()
    for number in range(3):
        course = make_course(f"Extra course {number}", slug=f"extra-{number}")
        for _ in range(3):
            person = make_user()
            learning.enrol(person, course)
            learning.complete_module(person, course.modules[0])
    assert count() == first


def test_pass_rates_and_question_quality_match_the_attempts(seeded, app):
    import json

    from quizzes.gradebook import item_statistics_of
    from quizzes.models import Attempt, AttemptStatus, Quiz

    html = _client(app, ADMIN).get("/analytics").get_data(as_text=True)
    met: dict[str, list[int]] = {}
    for (text,) in db.session.execute(
        select(Attempt.result_json).where(
            Attempt.status == AttemptStatus.GRADED.value,
            Attempt.submitted_at >= _filters().start_at,
        )
    ):
        for entry in json.loads(text).get("criteria", []):
            tally = met.setdefault(entry["code"], [0, 0])
            tally[0] += bool(entry["met"])
            tally[1] += 1
    assert met  # the demo has graded attempts
    for code, (passed, measured) in met.items():
        found = re.search(
            r'<th scope="row">' + re.escape(code) + r"[^<]*(?:<span[^>]*>[^<]*</span>)?</th>\s*"
            r'<td class="num">(\d+)</td><td class="num">(\d+)</td>',
            html,
        )
        assert found, code
        assert (int(found.group(1)), int(found.group(2))) == (passed, measured)
    stats = item_statistics_of(list(db.session.scalars(select(Quiz.id))), _filters().start_at)
    section = html.split('id="analytics-quality"', 1)[1].split("</section>", 1)[0]
    table = section.split("</details>", 1)[1]  # after the chart's own data table
    assert table.count("<tr>") - 1 == len(stats)  # a row per question, after the header
    flagged = sum(
        1
        for _version, item in stats
        if item.discrimination is not None and item.discrimination <= 0
    )
    assert table.count("does not separate stronger from weaker trainees") == flagged


def test_practical_pass_rates_match_the_signed_off_assessments(seeded, app):
    from assessments.analytics import practical_pass_rates
    from assessments.models import Assessment, AssessmentStatus

    signed_off = db.session.scalar(
        select(func.count())
        .select_from(Assessment)
        .where(
            Assessment.status == AssessmentStatus.SIGNED_OFF.value,
            Assessment.signed_off_at >= _filters().start_at,
        )
    )
    admin = db.session.scalar(select(User).where(User.email == ADMIN))
    rates = practical_pass_rates(admin, _filters())
    html = _client(app, ADMIN).get("/analytics").get_data(as_text=True)
    section = html.split('id="analytics-practical"', 1)[1].split("</section>", 1)[0]
    if not signed_off:
        assert "No data yet." in section
        return
    assert rates
    for code, months in rates.items():
        met = sum(v[0] for v in months.values())
        measured = sum(v[1] for v in months.values())
        assert measured <= signed_off * 2  # at most two instruments per assessment
        assert (
            f'<th scope="row">{code}</th><td class="num">{met}</td><td class="num">{measured}</td>'
        ) in section


def test_question_quality_names_questions_in_words_without_markdown(seeded, app):
    """Demo stems start with "**Case.**": the labels read "Case. ...", never the asterisks."""
    from quizzes.gradebook import item_statistics_of
    from quizzes.models import Quiz

    stats = item_statistics_of(list(db.session.scalars(select(Quiz.id))), _filters().start_at)
    marked = [v for v, _item in stats if v.stem_source.startswith("**")]
    assert marked  # the demo has such a question among those answered
    html = _client(app, ADMIN).get("/analytics").get_data(as_text=True)
    section = html.split('id="analytics-quality"', 1)[1].split("</section>", 1)[0]
    assert "**" not in section
    words = " ".join(marked[0].stem_source.replace("**", "").split())
    assert words[:40] in section
