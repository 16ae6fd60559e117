"""Sign-up, login, logout and throttling through the HTTP client."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms import site_settings
from lms.extensions import db
from lms.models import LoginSession, User
from tests.conftest import DEFAULT_PASSWORD

SIGNUP = {
    "email": "  Asel.Toleuova@Example.KZ ",
    "display_name": "Әсел",
    "full_name": "Әсел Қанатқызы Төлеуова",
    "language": "kk",
    "password": "құпия сөз әрдайым",
    "confirm": "құпия сөз әрдайым",
}
FAILED_LOGIN = "The email or password is not correct."


def test_signup_creates_a_trainee_and_logs_in(client):
    response = client.post_form("/signup", SIGNUP)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    user = db.session.scalar(select(User))
    assert user.email == "asel.toleuova@example.kz"
    assert user.full_name == "Әсел Қанатқызы Төлеуова"
    assert user.role == "trainee"
    assert user.language == "kk"
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/dashboard").status_code == 200


def test_signup_email_is_unique_whatever_its_case(client, make_user):
    make_user(email="asel.toleuova@example.kz")
    response = client.post_form("/signup", SIGNUP)
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "valid email"),
        ({"password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"confirm": "something else entirely"}, "do not match"),
        ({"full_name": ""}, "This field is required"),
        ({"full_name": "Әсел\u200bТөлеуова"}, "invisible control characters"),
        ({"language": "de"}, "Not a valid choice"),
        ({"display_name": "x" * 81}, "Field cannot be longer than 80 characters"),
        ({"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"}, "too easy"),
    ],
)
def test_signup_rejects_bad_input_with_a_message(client, changes, message):
    response = client.post_form("/signup", {**SIGNUP, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_signup_can_be_closed_by_the_admin(client):
    site_settings.set_signup_open(False)
    assert client.get("/signup").status_code == 403
    response = client.post_form("/signup", SIGNUP)
    assert response.status_code == 403
    assert "Sign-up is closed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_login_succeeds_and_records_a_server_side_session(client, trainee):
    response = client.login(trainee.email.upper())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert db.session.scalar(select(func.count(LoginSession.id))) == 1
    assert trainee.display_name in client.get("/dashboard").get_data(as_text=True)


def test_unknown_email_and_wrong_password_get_the_same_answer(client, trainee):
    wrong_password = client.login(trainee.email, "not the password at all")
    unknown_email = client.login("nobody@example.kz", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert FAILED_LOGIN in wrong_password.get_data(as_text=True)
    assert FAILED_LOGIN in unknown_email.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_deactivated_account_cannot_log_in(client, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    response = client.login(user.email)
    assert FAILED_LOGIN in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account", "/account"),
        ("/admin/users?q=a", "/admin/users?q=a"),
        ("https://evil.example.com/", "/dashboard"),
        ("//evil.example.com/", "/dashboard"),
        ("/\\evil.example.com", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("http:/evil.example.com", "/dashboard"),
    ],
)
def test_login_next_only_redirects_within_the_site(client, trainee, target, expected):
    response = client.post_form(
        "/login", {"email": trainee.email, "password": DEFAULT_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_page_keeps_a_safe_next_and_drops_an_unsafe_one(client):
    page = client.get("/login?next=/account").get_data(as_text=True)
    assert '<input id="next" name="next" type="hidden" value="/account">' in page
    page = client.get("/login?next=https://evil.example.com").get_data(as_text=True)
    assert '<input id="next" name="next" type="hidden" value="">' in page


def test_protected_page_sends_strangers_to_login_with_next(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, trainee):
    client.login(trainee.email)
    stolen = app.test_client()
    stolen.set_cookie("lms_session", client.get_cookie("lms_session").value)
    assert stolen.get("/dashboard").status_code == 200

    client.post_form("/logout")
    assert client.get("/dashboard").status_code == 302
    assert stolen.get("/dashboard").status_code == 302
    assert db.session.scalar(select(func.count(LoginSession.id))) == 0


def test_logout_needs_post_with_csrf(client, trainee):
    client.login(trainee.email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


class TestThrottling:
    @pytest.fixture
    def config_overrides(self):
        return {"LOGIN_LIMIT_PER_ACCOUNT": "3 per minute", "LOGIN_LIMIT_PER_IP": "5 per minute"}

    def test_failed_logins_per_account_are_throttled(self, client, trainee):
        for _ in range(3):
            assert client.login(trainee.email, "wrong password!").status_code == 200
        blocked = client.login(trainee.email)  # even the right password waits now
        assert blocked.status_code == 429
        page = blocked.get_data(as_text=True)
        assert "Too many attempts" in page
        assert "Retry-After" in blocked.headers

    def test_other_accounts_are_not_blocked_by_one_account_limit(self, client, make_user):
        victim, other = make_user(), make_user()
        for _ in range(3):
            client.login(victim.email, "wrong password!")
        assert client.login(other.email).status_code == 302

    def test_successful_logins_do_not_count(self, app, trainee):
        for _ in range(5):
            browser = app.test_client()
            assert browser.login(trainee.email).status_code == 302

    def test_failed_logins_per_ip_are_throttled(self, client):
        for number in range(5):
            assert client.login(f"nobody{number}@example.kz", "wrong password!").status_code == 200
        assert client.login("someone.else@example.kz", "wrong password!").status_code == 429
