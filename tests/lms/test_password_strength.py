"""The password policy scores passwords with zxcvbn, the person's own email and names included."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms import accounts, password_reset
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import User
from tests.conftest import DEFAULT_PASSWORD

SIGNUP = {
    "email": "aigerim@example.kz",
    "display_name": "Aigerim",
    "full_name": "Aigerim Nurlanova",
    "language": "en",
}


def _signup(client, password: str, **changes):
    return client.post_form(
        "/signup", {**SIGNUP, "password": password, "confirm": password, **changes}
    )


@pytest.mark.parametrize(
    ("password", "hint"),
    [
        ("Password1!", "It is one of the passwords people use most."),
        ("qwertyuiop12", "It is one of the passwords people use most."),
        ("abcdefghij12", "Sequences such as abc or 6543 are easy to guess."),
        ("nurlanova1990", "Leave your name and email address out of it."),
    ],
)
def test_weak_passwords_are_refused_at_signup_with_a_hint(client, password, hint):
    response = _signup(client, password)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This password is too easy to guess." in page
    assert hint in page
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_the_hint_is_in_the_readers_language(client):
    client.post_form("/language", {"language": "ru", "next": "/signup"})
    page = _signup(client, "Password1!").get_data(as_text=True)
    assert "Этот пароль слишком легко угадать. Это один из самых распространённых паролей." in page


def test_the_name_counts_only_for_its_owner(client):
    # "nurlanova1990" is refused for Aigerim Nurlanova (above) but strong enough for someone else.
    response = _signup(client, "nurlanova1990", full_name="Dana Seitova", display_name="Dana")
    assert response.status_code == 302


def test_the_service_applies_the_same_policy(app):
    with pytest.raises(accounts.AccountError, match="too easy") as caught:
        accounts.create_user(
            email="a@example.kz", password="Password1!", display_name="A", full_name="A B"
        )
    assert caught.value.field == "password"


def test_the_suites_and_the_demos_passwords_are_strong_enough(app):
    for password in (DEFAULT_PASSWORD, DEMO_PASSWORD):
        assert accounts.password_problem(password, email="asel@example.kz") is None


def test_change_and_reset_refuse_a_weak_password(app, trainee_client, trainee, admin):
    response = trainee_client.post_form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "password": "Password1!", "confirm": "Password1!"},
    )
    assert response.status_code == 400
    assert "too easy to guess" in response.get_data(as_text=True)
    token = password_reset.create_reset_token(trainee, created_by=admin)
    with pytest.raises(accounts.AccountError, match="too easy"):
        password_reset.use_reset_token(password_reset.find_valid_reset(token), "Password1!")
