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


def _browser(app, address: str):
    """A fresh browser at ``address`` (the limits see the client's address)."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def test_wrong_passwords_from_one_address_never_lock_the_owner_out(app, trainee):
    # The default limits: ten failures from the attacker's address ...
    attacker = _browser(app, "203.0.113.7")
    for _ in range(10):
        assert attacker.login(trainee.email, "wrong password!").status_code == 200
    blocked = attacker.login(trainee.email)  # ... and that address waits, right password or not
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    page = blocked.get_data(as_text=True)
    assert "Too many failed attempts to log in to this account from your network." in page
    assert 'name="email"' in page  # the login form again, not a dead end
    # The owner, at another address, logs in at once.
    owner = _browser(app, "198.51.100.20")
    assert owner.login(trainee.email).status_code == 302


def test_the_throttled_address_is_told_in_its_language(app, trainee):
    attacker = _browser(app, "203.0.113.7")
    attacker.post_form("/language", {"language": "ru", "next": "/login"})
    for _ in range(10):
        attacker.login(trainee.email, "wrong password!")
    blocked = attacker.login(trainee.email, "wrong password!")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert "Слишком много неудачных попыток войти в эту учётную запись из вашей сети" in (
        blocked.get_data(as_text=True)
    )


class TestThrottling:
    @pytest.fixture
    def config_overrides(self):
        return {
            "LOGIN_LIMIT_PER_ACCOUNT_AND_IP": "3 per minute",
            "LOGIN_LIMIT_PER_ACCOUNT": "6 per minute",
            "LOGIN_LIMIT_PER_IP": "5 per minute",
        }

    def test_the_same_account_and_address_waits(self, app, trainee):
        browser = _browser(app, "203.0.113.7")
        for _ in range(3):
            assert browser.login(trainee.email, "wrong password!").status_code == 200
        assert browser.login(trainee.email).status_code == 429
        # Other accounts from that address are not held up by this pair.
        assert browser.login("someone.else@example.kz", "wrong password!").status_code == 200

    def test_guessing_from_many_addresses_holds_up_only_new_browsers(self, app, trainee):
        owner = _browser(app, "198.51.100.20")
        assert owner.login(trainee.email).status_code == 302  # this browser is now known
        owner.post_form("/logout")
        for number in range(6):
            attacker = _browser(app, f"203.0.113.{number}")
            assert attacker.login(trainee.email, "wrong password!").status_code == 200
        newcomer = _browser(app, "192.0.2.50")
        refused = newcomer.login(trainee.email)
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert "browsers it has never been used in" in refused.get_data(as_text=True)
        # The owner's own browser logs in, at home or travelling.
        assert owner.login(trainee.email).status_code == 302
        owner.post_form("/logout")
        owner.environ_base["REMOTE_ADDR"] = "192.0.2.99"
        assert owner.login(trainee.email).status_code == 302

    def test_a_forged_or_foreign_device_cookie_is_not_trusted(self, app, trainee, make_user):
        other = make_user()
        browser = _browser(app, "198.51.100.20")
        assert browser.login(other.email).status_code == 302  # known for another account only
        browser.post_form("/logout")
        forged = _browser(app, "192.0.2.51")
        forged.set_cookie("lms_login_device", "W10.forged.signature", path="/login")
        for number in range(6):
            _browser(app, f"203.0.113.{number}").login(trainee.email, "wrong password!")
        assert browser.login(trainee.email).status_code == 429
        assert forged.login(trainee.email).status_code == 429

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
        sprayed = client.login("someone.else@example.kz", "wrong password!")
        assert sprayed.status_code == 429
        assert "Too many failed logins from your network." in sprayed.get_data(as_text=True)
