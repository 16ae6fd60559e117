"""Sessions and stored passwords (issue 18, "not yet tried"): idle and absolute session
lifetime on a frozen clock; planted password hashes fail as an ordinary wrong password; a
hash made with other parameters is upgraded at the next login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select

from lms import login_sessions
from lms.extensions import db
from lms.models import LoginSession, User

from ..conftest import DEFAULT_PASSWORD

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
WRONG = "The email or password is not correct."


@pytest.fixture
def frozen(monkeypatch):
    """The sessions' clock stopped at ``NOW`` (``frozen.now`` moves it)."""

    class Clock:
        now = NOW

    clock = Clock()
    monkeypatch.setattr(login_sessions, "utcnow", lambda: clock.now)
    return clock


def _signed_in(app, user, *, started: datetime, seen: datetime):
    client = app.test_client()
    assert client.login(user.email).status_code == 302
    row = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).one()
    row.created_at, row.last_seen_at = started, seen
    db.session.commit()
    return client


def _is_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def test_a_session_ends_after_the_idle_limit(app, trainee, frozen):
    idle = timedelta(days=app.config["SESSION_IDLE_DAYS"])
    fresh = _signed_in(app, trainee, started=NOW - idle, seen=NOW - idle + timedelta(minutes=1))
    assert _is_in(fresh)  # used a minute inside the limit: still signed in, and touched
    seen = db.session.scalars(select(LoginSession.last_seen_at)).one()
    assert seen == NOW
    frozen.now = NOW + idle + timedelta(minutes=1)  # then left alone one minute too long
    assert not _is_in(fresh)
    assert db.session.scalars(select(LoginSession)).all() == []


def test_a_session_in_daily_use_still_ends_at_the_absolute_limit(app, trainee, frozen):
    absolute = timedelta(days=app.config["SESSION_MAX_DAYS"])
    assert absolute > timedelta(days=app.config["SESSION_IDLE_DAYS"])
    client = _signed_in(
        app, trainee, started=NOW - absolute + timedelta(hours=1), seen=NOW - timedelta(hours=1)
    )
    assert _is_in(client)
    frozen.now = NOW + timedelta(hours=2)  # used an hour ago, but started over the limit ago
    assert not _is_in(client)
    assert db.session.scalars(select(LoginSession)).all() == []


@pytest.mark.parametrize(
    "planted",
    [
        "",
        "!",
        "!unusable:0123456789abcdef",  # what a roster import gives a new account
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  # bcrypt
        "pbkdf2:sha256:600000$salt$" + "0" * 64,  # werkzeug's scheme
        "$argon2id$v=19$m=8,t=1,p=1$broken",
        "correct horse battery",  # a password stored as it is
        "пароль",  # not even ASCII
    ],
)
def test_a_planted_hash_fails_as_an_ordinary_wrong_password(app, client, trainee, planted):
    trainee.password_hash = planted
    db.session.commit()
    for password in (DEFAULT_PASSWORD, planted or "x", "пароль"):
        response = client.login(trainee.email, password)
        assert response.status_code == 200, planted
        assert WRONG in response.get_data(as_text=True)
    assert db.session.get(User, trainee.id).password_hash == planted
    assert not _is_in(client)


def test_a_hash_made_with_other_parameters_is_upgraded_at_the_next_login(app, client, trainee):
    old = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1, type=Type.ID)
    trainee.password_hash = old.hash(DEFAULT_PASSWORD)
    db.session.commit()
    assert client.login(trainee.email).status_code == 302
    upgraded = db.session.get(User, trainee.id).password_hash
    config = app.config
    assert upgraded.startswith(
        f"$argon2id$v=19$m={config['ARGON2_MEMORY_COST_KIB']},"
        f"t={config['ARGON2_TIME_COST']},p={config['ARGON2_PARALLELISM']}$"
    )
    client.post_form("/logout")
    assert client.login(trainee.email).status_code == 302  # the new hash verifies
