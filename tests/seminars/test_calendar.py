"""The seminars' calendar page and the personal .ics feed, through HTTP."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import CalendarFeedToken, User
from lms.timezone import site_zone
from lms.tokens import token_hash
from seminars.demo import DEMO_DAYS, DEMO_SEMINAR_TITLE, UPCOMING_SEMINAR_TITLE
from seminars.models import Seminar


def _month_of(seminar: Seminar) -> str:
    return seminar.sessions[0].starts_at.astimezone(site_zone()).strftime("%Y-%m")


def test_the_calendar_shows_the_demos_sessions_to_everyone(app, seed_demo, client, login):
    seed_demo()
    held = db.session.scalar(select(Seminar).where(Seminar.title == DEMO_SEMINAR_TITLE))
    coming = db.session.scalar(select(Seminar).where(Seminar.title == UPCOMING_SEMINAR_TITLE))

    page = client.get(f"/seminars/calendar?month={_month_of(held)}").get_data(as_text=True)
    assert '<table class="table table-bordered calendar-month">' in page
    for topic in DEMO_DAYS:
        assert topic in page
    assert "my seminar</span>" not in page  # a visitor has none
    # The upcoming list names the seminar still to come, and not the one already held.
    upcoming = page.split('id="upcoming-heading"')[1]
    assert "Day 1: from proposal to contract" in upcoming
    assert DEMO_DAYS[0] not in upcoming

    # Asel holds a seat in the held seminar: its sessions are marked hers, the other's not.
    asel = db.session.scalar(select(User).where(User.email == "asel@example.kz"))
    browser = login(asel, DEMO_PASSWORD)
    page = browser.get(f"/seminars/calendar?month={_month_of(held)}").get_data(as_text=True)
    assert page.count("calendar-session calendar-mine") == len(DEMO_DAYS)
    page = browser.get(f"/seminars/calendar?month={_month_of(coming)}").get_data(as_text=True)
    assert f'href="/seminars/{coming.id}" class="calendar-session">' in page  # in Kazakh
    assert f'href="/seminars/{coming.id}" class="calendar-session calendar-mine"' not in page


def test_a_month_that_is_not_one_is_not_found(client):
    for month in ("2026-13", "26-01", "x", "2026-1", "1999-12", "２０２６-01"):
        assert client.get(f"/seminars/calendar?month={month}").status_code == 404, month
    assert client.get("/seminars/calendar").status_code == 200


def test_drafts_are_in_no_ones_calendar_but_their_trainers(
    make_seminar, client, trainer_client, trainee_client
):
    seminar = make_seminar("Quiet draft", status="draft", starts_in=timedelta(days=2))
    topic_page = f"/seminars/calendar?month={_month_of(seminar)}"
    assert "Quiet draft" not in client.get(topic_page).get_data(as_text=True)
    assert "Quiet draft" not in trainee_client.get(topic_page).get_data(as_text=True)
    page = trainer_client.get(topic_page).get_data(as_text=True)
    assert "Quiet draft" in page and "calendar-mine" in page


def _feed_url(client) -> str:
    page = client.post_form("/account/calendar/new").get_data(as_text=True)
    start = page.index("/seminars/feed/")
    return page[start : page.index('"', start)]


def test_the_personal_feed_lists_ones_own_sessions_by_a_secret_address(
    app, make_seminar, make_user, login, trainer
):
    trainee = make_user("trainee", language="ru")
    mine = make_seminar("Mine", starts_in=timedelta(days=5))
    make_seminar("Not mine", starts_in=timedelta(days=6))
    from seminars import registration

    other = make_user("trainee", full_name="Другой Слушатель")
    registration.register(mine, trainee)
    registration.register(mine, other)
    browser = login(trainee)

    assert browser.get("/account/calendar").status_code == 200
    url = _feed_url(browser)
    stored = db.session.scalar(select(CalendarFeedToken.token_hash))
    token = url.removeprefix("/seminars/feed/").removesuffix(".ics")
    assert stored == token_hash(token) and token not in stored  # only the hash is kept

    stranger = app.test_client()  # a calendar program: no login
    response = stranger.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    feed = Calendar.from_ical(response.data)
    events = list(feed.walk("VEVENT"))
    assert sorted(str(e["summary"]) for e in events) == ["Mine: Day 1", "Mine: Day 2"]
    uids = {str(e["uid"]) for e in events}
    assert uids == {f"seminar-{mine.id}-session-{s.id}@localhost" for s in mine.sessions}
    for event in events:
        assert event.decoded("dtstart").utcoffset() == timedelta(0)  # in UTC
    body = response.get_data(as_text=True)
    assert "Другой" not in body and other.email not in body and trainee.email not in body
    # The same UIDs on the next fetch: calendar programs update, never double.
    again = Calendar.from_ical(stranger.get(url).data)
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == uids

    # The seminar's trainer gets the sessions they teach.
    trainer_url = _feed_url(login(trainer))
    trainer_feed = Calendar.from_ical(stranger.get(trainer_url).data)
    assert {str(e["summary"]) for e in trainer_feed.walk("VEVENT")} >= {"Mine: Day 1"}

    # A wrong token is not found; a new address revokes the old one; stopping revokes it.
    assert stranger.get("/seminars/feed/not-a-token.ics").status_code == 404
    assert stranger.get("/seminars/feed/" + "x" * 500 + ".ics").status_code == 404
    new_url = _feed_url(browser)
    assert new_url != url
    assert stranger.get(url).status_code == 404
    assert stranger.get(new_url).status_code == 200
    assert browser.post_form("/account/calendar/revoke").status_code == 302
    assert stranger.get(new_url).status_code == 404
    # A deactivated account's feed stops too.
    newest = _feed_url(browser)
    trainee.active = False
    db.session.commit()
    assert stranger.get(newest).status_code == 404


def test_the_calendar_costs_the_same_queries_however_many_sessions(
    make_seminar, trainee_client, count_queries
):
    make_seminar("First", starts_in=timedelta(days=1))
    trainee_client.get("/seminars/calendar")
    with count_queries() as few:
        assert trainee_client.get("/seminars/calendar").status_code == 200
    for number in range(4):
        make_seminar(f"More {number}", starts_in=timedelta(days=1, hours=number), sessions=3)
    with count_queries() as many:
        page = trainee_client.get("/seminars/calendar").get_data(as_text=True)
    assert "More 3" in page
    assert many.n == few.n
