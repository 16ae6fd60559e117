"""Seminars and their sessions in several languages (issue 19): pages, calendar and e-mails in
the reader's language with the original where not translated (said discreetly, with ``lang``),
and the trainers' side-by-side editor (who may use it, coverage, out-of-date markers)."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lms import content_translations as ct
from lms.extensions import db
from lms.models import OutboxMessage
from seminars import authoring, registration

RU_TITLE = "Базовая подготовка"
KK_TITLE = "Базалық даярлау"


@pytest.fixture
def seminar(make_seminar):
    seminar = make_seminar("Basic training")
    authoring.update_seminar(
        seminar,
        title="Basic training",
        language="ru",
        description="Five days in person.\n\nRole-plays every day.",
        venue="Astana, House of Friendship",
        online_link="",
        registration_opens_at=None,
        registration_closes_at=None,
    )
    ct.save(seminar, "ru", {"title": RU_TITLE, "description": "Пять дней очно."})
    ct.save(seminar.sessions[0], "ru", {"topic": "День 1"})
    ct.save(seminar, "kk", {"title": KK_TITLE})
    db.session.commit()
    return seminar


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_russian_reader_sees_the_translation_and_the_original_where_there_is_none(
    app, seminar, make_user, login
):
    reader = login(make_user(language="ru"))
    page = _page(reader, f"/seminars/{seminar.id}")
    assert f'<h1 class="h3">{RU_TITLE}</h1>' in page
    assert "Пять дней очно." in page and "Five days in person." not in page
    assert "День 1" in page
    # Day 2 and the venue are not translated: shown in English, marked, and said once.
    assert re.search(r'<td[^>]* lang="en">Day 2</td>', page)
    assert re.search(r'<span lang="en">Astana, House of Friendship</span>', page)
    assert page.count("translation-note") == 1

    listing = _page(reader, "/seminars/")
    assert RU_TITLE in listing and "Basic training</a>" not in listing


def test_an_english_reader_sees_the_original_without_a_note(app, seminar, client):
    page = _page(client, f"/seminars/{seminar.id}")
    assert '<h1 class="h3">Basic training</h1>' in page
    assert "translation-note" not in page and RU_TITLE not in page


def test_the_dashboards_and_the_calendar_follow_the_reader(app, seminar, make_user, login):
    person = make_user(language="kk")
    registration.register(seminar, person)
    browser = login(person)
    assert KK_TITLE in _page(browser, "/dashboard")
    calendar = Calendar.from_ical(browser.get(f"/seminars/{seminar.id}/calendar.ics").data)
    assert calendar["x-wr-calname"] == KK_TITLE


def test_the_mail_to_a_russian_recipient_has_the_russian_title(app, seminar, make_user, login):
    person = make_user(language="ru")
    response = login(person).post_form(f"/seminars/{seminar.id}/register")
    assert response.status_code == 302
    [message] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == person.email)
    )
    assert RU_TITLE in message.subject and "Basic training" not in message.subject
    assert RU_TITLE in message.text and "День 1" in message.text
    assert f"<strong>{RU_TITLE}</strong>" in message.html
    assert '<span lang="en">Day 2</span>' in message.html  # not translated: the original


def test_the_mail_to_an_english_recipient_keeps_the_original(app, seminar, make_user, login):
    person = make_user(language="en")
    login(person).post_form(f"/seminars/{seminar.id}/register")
    [message] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == person.email)
    )
    assert "Basic training" in message.subject and RU_TITLE not in message.text


# --- the editor -------------------------------------------------------------------------------


def _url(seminar, language: str = "") -> str:
    return f"/manage/seminars/{seminar.id}/translations" + (
        f"?language={language}" if language else ""
    )


def test_the_editor_shows_the_original_beside_each_translation_with_coverage(
    app, seminar, trainer_client
):
    page = _page(trainer_client, _url(seminar, "ru"))
    assert 'lang="en"' in page and "Five days in person." in page  # the original, read-only
    assert f'value="{RU_TITLE}"' in page
    assert f'name="session-{seminar.sessions[1].id}-topic"' in page
    # Russian: title, description, session 1 of title, description, venue, 2 topics.
    assert "3 of 5 translated" in page
    assert _page(trainer_client, f"/manage/seminars/{seminar.id}").count("Translations") >= 1


def test_saving_translations_and_the_out_of_date_marker(app, seminar, trainer_client):
    session = seminar.sessions[1]
    response = trainer_client.post_form(
        _url(seminar),
        {
            "language": "kk",
            "seminar-venue": "Астана, Достық үйі",
            f"session-{session.id}-topic": "2-күн",
        },
    )
    assert response.status_code == 302
    assert ct.text(session, "topic", "kk") == "2-күн"
    assert ct.text(seminar, "title", "kk") == KK_TITLE  # not posted: kept

    # The original changes: the Kazakh topic is out of date until a translator checks it.
    authoring.update_session(
        session,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        topic="Day 2: the agreement",
        academic_hours=session.academic_hours,
        trainer=session.trainer,
    )
    page = _page(trainer_client, _url(seminar, "kk"))
    assert "Out of date" in page and "1 out of date" in page

    # Posting the same text again is not a check: it stays out of date.
    name = f"session-{session.id}-topic"
    trainer_client.post_form(_url(seminar), {"language": "kk", name: "2-күн"})
    assert "Out of date" in _page(trainer_client, _url(seminar, "kk"))
    # Ticking that it still matches clears the marker.
    trainer_client.post_form(
        _url(seminar), {"language": "kk", name: "2-күн", f"{name}-confirm": "y"}
    )
    assert "Out of date" not in _page(trainer_client, _url(seminar, "kk"))


def test_a_refused_field_saves_nothing_and_says_why(app, seminar, trainer_client):
    response = trainer_client.post_form(
        _url(seminar),
        {"language": "ru", "seminar-venue": "Астана", "seminar-title": "x" * 201},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="seminar-title"' in page and "aria-invalid" in page
    db.session.expire_all()
    assert ct.text(seminar, "venue", "ru") == "Astana, House of Friendship"
    assert ct.text(seminar, "title", "ru") == RU_TITLE


@pytest.mark.parametrize("language", ["en", "de", ""])
def test_the_original_language_or_an_unknown_one_is_refused(app, seminar, trainer_client, language):
    response = trainer_client.post_form(_url(seminar), {"language": language, "seminar-title": "X"})
    assert response.status_code == 400
    assert trainer_client.get(_url(seminar, "de")).status_code == 404


def test_only_those_who_may_edit_the_seminar_use_the_editor(app, seminar, make_user, login):
    other = login(make_user("trainer"))
    assert other.get(_url(seminar)).status_code == 403
    response = other.post_form(_url(seminar), {"language": "ru", "seminar-title": "Взлом"})
    assert response.status_code == 403
    assert ct.text(seminar, "title", "ru") == RU_TITLE
    trainee = login(make_user("trainee"))
    assert trainee.get(_url(seminar)).status_code == 403


def test_the_editor_refuses_a_post_without_its_csrf_token(app, seminar, trainer_client):
    response = trainer_client.post(_url(seminar), data={"language": "ru", "seminar-title": "X"})
    assert response.status_code == 400
    assert ct.text(seminar, "title", "ru") == RU_TITLE


def test_list_pages_read_translations_in_a_fixed_number_of_queries(
    app, make_seminar, client, count_queries
):
    counts = []
    for size in (1, 5):
        for number in range(size):
            seminar = make_seminar(f"Seminar {size}-{number}")
            ct.save(seminar, "ru", {"title": f"Семинар {size}-{number}"})
        db.session.commit()
        client.get("/seminars/")
        with count_queries() as counted:
            client.get("/seminars/", headers={"Accept-Language": "ru"})
        counts.append(counted.n)
    assert counts[0] == counts[1]


def test_courses_read_for_the_original_language_are_read_once(app, make_seminar, count_queries):
    """``load_courses`` reads the courses missing from the session in one query, and keeps
    them until each seminar holds its own: none is read again on its own."""
    from seminars.models import Seminar
    from seminars.translations import load_courses

    for number in range(3):
        make_seminar(f"Seminar {number}")
    db.session.commit()
    db.session.expunge_all()
    seminars = list(db.session.scalars(select(Seminar)))
    with count_queries() as counted:
        courses = load_courses(seminars)
    assert counted.n == 1
    assert [course.id for course in courses] == [seminar.course_id for seminar in seminars]
