"""The seminar messages: confirmed, waitlisted, promoted (with the .ics), cancelled (by the
trainee or by staff) and the reminder the day before; in the recipient's language, with a
link that opens the seminar's page; nothing for a kind the user turned off."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext
from icalendar import Calendar
from sqlalchemy import select

from lms import mail
from lms.extensions import db
from lms.models import MailOptOut, OutboxMessage
from seminars import authoring, notifications, registration
from seminars.models import Registration

ONLINE = "https://meet.example.kz/seminar-42"


def _outbox(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
    return list(db.session.scalars(query))


def _to(user) -> list[OutboxMessage]:
    return _outbox(to_address=user.email)


def _said(language: str, msgid: str, **values) -> str:
    """What the site says for ``msgid`` in ``language`` (and it is translated)."""
    with force_locale(language):
        text = gettext(msgid, **values)
    if language != "en":
        assert text != msgid % values if values else text != msgid, (language, msgid)
    return text


def _seminar_link(app, message: OutboxMessage, seminar) -> str:
    """The seminar page's path, from the absolute link in both parts of the message."""
    url = f"{app.config['PUBLIC_URL']}/seminars/{seminar.id}"
    assert url in message.text and f'href="{url}"' in message.html
    return url.removeprefix(app.config["PUBLIC_URL"])


def _local(moment: datetime, app) -> datetime:
    return moment.astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"]))


def _register(login, user, seminar):
    response = login(user).post_form(f"/seminars/{seminar.id}/register")
    assert response.status_code == 302
    return db.session.scalar(
        select(Registration).where(
            Registration.seminar_id == seminar.id, Registration.user_id == user.id
        )
    )


@pytest.fixture
def seminar(make_seminar):
    seminar = make_seminar("Медиация: негіздері", capacity=1)
    seminar.online_link = ONLINE
    db.session.commit()
    return seminar


@pytest.mark.parametrize(
    ("language", "words"), [("kk", "орныңыз расталды"), ("ru", "ваше место подтверждено")]
)
def test_registering_sends_the_confirmation_in_the_recipients_language(
    app, seminar, make_user, login, language, words
):
    user = make_user(language=language)
    entry = _register(login, user, seminar)
    [message] = _to(user)
    assert message.kind == "seminar_registration" and message.language == language
    assert message.subject == _said(
        language, "Seminar “%(title)s”: your seat is confirmed", title=seminar.title
    )
    assert words in message.subject
    first = seminar.sessions[0]
    for part in (message.text, message.html):
        assert seminar.title in part and "Astana, House of Friendship" in part
        # Times as the site's people read them (Asia/Almaty), not UTC.
        assert f"{_local(first.starts_at, app):%H:%M}" in part
        assert ONLINE in part  # a seat holder gets the online link, as on the page
    seat = _said(language, "You have a seat at the seminar “%(title)s”.", title=seminar.title)
    assert seat in message.text and seat in message.html
    assert "List-Unsubscribe" in message.headers
    # The link opens the seminar's page for its reader.
    page = login(user).get(_seminar_link(app, message, seminar))
    assert page.status_code == 200 and seminar.title in page.get_data(as_text=True)
    # The .ics goes with it, built at delivery: a valid calendar with the online link.
    assert message.attachments == [{"kind": "seminar_ics", "ref": entry.id}]
    [ics] = mail.build_attachments(message)
    assert ics.mimetype == "text/calendar" and ics.filename.endswith(".ics")
    calendar = Calendar.from_ical(ics.data)
    events = calendar.walk("VEVENT")
    assert calendar.name == "VCALENDAR" and len(events) == len(seminar.sessions)
    host = app.config["PUBLIC_URL"].split("://")[1].split(":")[0].split("/")[0]
    assert str(events[0]["uid"]).endswith("@" + host)
    assert str(events[0]["url"]) == ONLINE


def test_a_full_seminar_sends_the_waitlisted_message_with_the_place(app, seminar, make_user, login):
    seated, waiting = make_user(language="ru"), make_user(language="kk")
    _register(login, seated, seminar)
    _register(login, waiting, seminar)
    [message] = _to(waiting)
    assert message.kind == "seminar_registration" and message.language == "kk"
    assert message.subject == _said(
        "kk", "Seminar “%(title)s”: you are on the waitlist", title=seminar.title
    )
    rank = _said(
        "kk",
        "You are number %(n)d on the waitlist. You will get a seat automatically if one frees up.",
        n=1,
    )
    assert rank in message.text
    assert ONLINE not in message.text and ONLINE not in message.html  # no seat, no link
    assert message.attachments in ([], None)
    assert f"/seminars/{seminar.id}" in message.text


def test_cancelling_tells_the_trainee_and_the_promoted_one_gets_the_calendar(
    app, seminar, make_user, login
):
    seated, waiting = make_user(language="ru"), make_user(language="ru")
    _register(login, seated, seminar)
    waiting_entry = _register(login, waiting, seminar)
    assert login(seated).post_form(f"/seminars/{seminar.id}/cancel").status_code == 302

    cancelled = _to(seated)[-1]
    assert cancelled.subject == _said(
        "ru", "Seminar “%(title)s”: your registration is cancelled", title=seminar.title
    )
    assert (
        _said(
            "ru",
            "Your registration for the seminar “%(title)s” is cancelled, as you asked.",
            title=seminar.title,
        )
        in cancelled.text
    )
    assert ONLINE not in cancelled.text

    promoted = _to(waiting)[-1]
    assert promoted.kind == "seminar_registration"
    assert promoted.subject == _said(
        "ru", "Seminar “%(title)s”: a seat is now yours", title=seminar.title
    )
    assert ONLINE in promoted.text  # now a seat holder
    assert promoted.attachments == [{"kind": "seminar_ics", "ref": waiting_entry.id}]
    [ics] = mail.build_attachments(promoted)
    calendar = Calendar.from_ical(ics.data)
    assert calendar.name == "VCALENDAR"
    assert [str(event["summary"]) for event in calendar.walk("VEVENT")] == [
        f"{seminar.title}: {session.topic}" for session in seminar.sessions
    ]
    assert str(calendar.walk("VEVENT")[0]["url"]) == ONLINE
    page = login(waiting).get(_seminar_link(app, promoted, seminar))
    assert page.status_code == 200


def test_staff_cancelling_says_who_did_it(app, seminar, make_user, login, trainer):
    person = make_user(language="kk")
    entry = _register(login, person, seminar)
    response = login(trainer).post_form(
        f"/manage/seminars/{seminar.id}/participants/{entry.id}/cancel"
    )
    assert response.status_code == 302
    message = _to(person)[-1]
    expected = _said(
        "kk",
        "Your registration for the seminar “%(title)s” was cancelled by %(name)s, of the "
        "seminar's staff.",
        title=seminar.title,
        name=trainer.full_name,
    )
    assert expected in message.text and trainer.full_name in message.html
    assert message.subject == _said(
        "kk", "Seminar “%(title)s”: your registration is cancelled", title=seminar.title
    )


def test_a_user_who_turned_the_kind_off_gets_nothing_but_is_registered(
    app, seminar, make_user, login
):
    user = make_user(language="ru")
    db.session.add(MailOptOut(user_id=user.id, kind="seminar_registration"))
    db.session.commit()
    entry = _register(login, user, seminar)
    assert entry.status == "registered"
    assert _to(user) == []


def test_a_message_that_cannot_be_made_does_not_fail_the_registration(
    app, seminar, trainee, login, monkeypatch
):
    def broken(entry):
        raise RuntimeError("template missing")

    monkeypatch.setattr(notifications, "send_confirmed", broken)
    entry = _register(login, trainee, seminar)
    assert entry is not None and entry.status == "registered"
    assert _to(trainee) == []


def test_staff_adding_someone_by_hand_sends_the_confirmation(
    app, seminar, make_user, trainer, login
):
    person = make_user(language="ru")
    response = login(trainer).post_form(
        f"/manage/seminars/{seminar.id}/participants", {"email": person.email}
    )
    assert response.status_code == 302
    [message] = _to(person)
    assert message.subject == _said(
        "ru", "Seminar “%(title)s”: your seat is confirmed", title=seminar.title
    )


# --- the reminder the day before --------------------------------------------------------------


def _day_before(app, seminar, at: time) -> datetime:
    """``at`` (site-local) on the day before the seminar's first session."""
    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    first = seminar.sessions[0].starts_at.astimezone(zone)
    return datetime.combine(first.date() - timedelta(days=1), at, zone)


@pytest.fixture
def booked(make_seminar, make_user):
    """Capacity 2: ``holder`` and ``quiet`` (turned reminders off) hold seats, ``waiting``
    waits, ``gone`` registered and cancelled before it filled up."""
    seminar = make_seminar("Reminded", capacity=2, starts_in=timedelta(days=4))
    seminar.online_link = ONLINE
    db.session.commit()
    people = {name: make_user(language="kk") for name in ("gone", "holder", "quiet", "waiting")}
    registration.cancel(registration.add_participant(seminar, people["gone"]))
    for name in ("holder", "quiet", "waiting"):
        registration.add_participant(seminar, people[name])
    db.session.add(MailOptOut(user_id=people["quiet"].id, kind="seminar_reminder"))
    db.session.commit()
    return seminar, people


def test_the_reminder_goes_once_the_day_before_to_seat_holders_only(app, booked):
    seminar, people = booked
    before = {name: len(_to(user)) for name, user in people.items()}

    assert notifications.send_reminders(_day_before(app, seminar, time(8, 59))) == 0
    assert notifications.send_reminders(_day_before(app, seminar, time(9, 0))) == 1
    assert notifications.send_reminders(_day_before(app, seminar, time(9, 15))) == 0
    assert notifications.send_reminders(_day_before(app, seminar, time(23, 45))) == 0

    after = {name: len(_to(user)) for name, user in people.items()}
    assert {name: after[name] - before[name] for name in people} == {
        "gone": 0,
        "holder": 1,
        "quiet": 0,
        "waiting": 0,
    }
    [reminder] = _outbox(kind="seminar_reminder")
    assert reminder.to_address == people["holder"].email and reminder.language == "kk"
    assert reminder.subject == _said(
        "kk", "Seminar “%(title)s” starts tomorrow", title=seminar.title
    )
    first = _local(seminar.sessions[0].starts_at, app)
    assert f"{first:%H:%M}" in reminder.text and ONLINE in reminder.text
    assert f"/seminars/{seminar.id}" in reminder.text


def test_a_missed_morning_is_caught_up_later_that_day(app, booked):
    seminar, _people = booked
    assert notifications.send_reminders(_day_before(app, seminar, time(22, 30))) == 1
    assert notifications.send_reminders(_day_before(app, seminar, time(23, 59))) == 0


def test_no_reminder_too_early_on_the_day_itself_or_after(app, booked):
    seminar, _people = booked
    two_days_before = _day_before(app, seminar, time(12, 0)) - timedelta(days=1)
    on_the_day = _day_before(app, seminar, time(9, 30)) + timedelta(days=1)
    for now in (two_days_before, on_the_day, on_the_day + timedelta(days=3)):
        assert notifications.send_reminders(now) == 0
    assert _outbox(kind="seminar_reminder") == []


def test_no_reminder_for_a_cancelled_seminar(app, booked):
    seminar, _people = booked
    authoring.set_status(seminar, "cancelled")
    assert notifications.send_reminders(_day_before(app, seminar, time(10, 0))) == 0
    assert _outbox(kind="seminar_reminder") == []


def test_the_schedule_is_registered_and_runs_the_service(app, booked):
    from lms import jobs

    seminar, _people = booked
    assert notifications.SCHEDULE in jobs.SCHEDULES
    assert notifications.send_reminders(_day_before(app, seminar, time(9, 0))) == 1
    jobs.run_schedule(notifications.SCHEDULE)  # now: weeks away from any reminder
    assert len(_outbox(kind="seminar_reminder")) == 1


def test_cancelling_the_whole_seminar_tells_everyone_registered_or_waiting(
    app, seminar, make_user, login, trainer
):
    seated, waiting, gone = make_user(language="ru"), make_user(language="kk"), make_user()
    _register(login, seated, seminar)
    _register(login, waiting, seminar)
    registration.cancel(_register(login, gone, seminar), by=gone)
    before = {user.id: len(_to(user)) for user in (seated, waiting, gone)}

    answer = login(trainer).post_form(
        f"/manage/seminars/{seminar.id}/status", {"status": "cancelled"}
    )
    assert answer.status_code == 302
    for user, language in ((seated, "ru"), (waiting, "kk")):
        [message] = _to(user)[before[user.id] :]
        assert message.kind == "seminar_registration" and message.language == language
        assert message.subject == _said(
            language, "Seminar “%(title)s” is cancelled", title=seminar.title
        )
        assert ONLINE not in message.text  # nothing to join any more
        assert message.attachments == []
        _seminar_link(app, message, seminar)
    assert len(_to(gone)) == before[gone.id]  # already cancelled: nothing more to say
    # A seminar already cancelled cannot be cancelled again, and nothing more is sent.
    again = login(trainer).post_form(
        f"/manage/seminars/{seminar.id}/status", {"status": "cancelled"}
    )
    assert again.status_code in (302, 400)
    assert len(_to(seated)) == before[seated.id] + 1
