"""Confirming e-mail addresses through HTTP: on sign-up (with and without the site setting
that requires it), sending the link again, expired and tampered links, the change of address
from the account page, and the administrator's direct change."""

from __future__ import annotations

import re
import time

import pytest
from flask_babel import force_locale, gettext
from itsdangerous import TimestampSigner
from sqlalchemy import select

from lms import email_confirmation, site_settings
from lms.extensions import db
from lms.models import OutboxMessage, User
from tests.conftest import DEFAULT_PASSWORD

SIGNUP = {
    "email": "Asel.Toleuova@Example.KZ",
    "display_name": "Әсел",
    "full_name": "Әсел Қанатқызы Төлеуова",
    "language": "en",
    "password": "құпия сөз әрдайым",
    "confirm": "құпия сөз әрдайым",
}
ASEL = "asel.toleuova@example.kz"
SAME_ANSWER = "If an account with this address is waiting for confirmation"
NOT_CONFIRMED = "Confirm your e-mail address before you log in"


def _outbox(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
    return list(db.session.scalars(query))


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _link(message: OutboxMessage, public_url: str) -> str:
    """The confirmation link's path, found as an absolute link in both parts."""
    pattern = re.escape(public_url) + r"(/confirm-email/[A-Za-z0-9_.\-]+)"
    match = re.search(pattern, message.text)
    assert match, message.text
    assert public_url + match.group(1) in message.html
    return match.group(1)


def _page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def required(app):
    site_settings.set_email_confirmation_required(True)


# --- sign-up ----------------------------------------------------------------------------------


def test_signup_mails_a_link_in_the_users_language_that_confirms(app, client):
    response = client.post_form("/signup", {**SIGNUP, "language": "kk"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")  # not required: signed in
    user = _user(ASEL)
    assert not user.email_confirmed

    [message] = _outbox()
    assert message.kind == "email_confirmation"
    assert message.to_address == ASEL
    assert message.language == "kk"
    with force_locale("kk"):
        assert message.subject == gettext("Confirm your e-mail address")
    assert message.subject != "Confirm your e-mail address"  # translated, not English
    assert "List-Unsubscribe" not in message.headers  # a security message

    path = _link(message, app.config["PUBLIC_URL"])
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/account")
    assert _user(ASEL).email_confirmed
    # Opening it again is harmless: still confirmed, the same time, no error.
    confirmed_at = _user(ASEL).email_confirmed_at
    assert client.get(path).status_code == 302
    assert _user(ASEL).email_confirmed_at == confirmed_at


def test_without_the_requirement_the_dashboard_asks_to_confirm_and_resends(app, client):
    client.post_form("/signup", SIGNUP)
    for url in ("/dashboard", "/account"):
        page = _page(client.get(url))
        assert "Please confirm your e-mail address" in page
        assert 'action="/account/email/resend"' in page
        assert 'data-bs-dismiss="alert"' in page

    answer = client.post_form("/account/email/resend")
    assert answer.status_code == 302
    first, second = _outbox(kind="email_confirmation")
    assert second.to_address == ASEL
    # Either link confirms (they name the same account and address).
    client.get(_link(first, app.config["PUBLIC_URL"]))
    assert _user(ASEL).email_confirmed
    assert "Please confirm your e-mail address" not in _page(client.get("/dashboard"))
    client.post_form("/account/email/resend")
    assert len(_outbox()) == 2  # nothing left to confirm: nothing sent


def test_accounts_made_by_administrators_the_cli_and_the_demo_count_as_confirmed(
    app, make_user, runner, seed_demo
):
    assert make_user().email_confirmed
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "cli@example.kz",
            "--name",
            "Cli",
            "--full-name",
            "Cli User",
        ],
        input="an unusual long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert _user("cli@example.kz").email_confirmed
    seed_demo()
    db.session.expire_all()
    assert all(user.email_confirmed for user in db.session.scalars(select(User)))
    assert _outbox(kind="email_confirmation") == []


class TestRequired:
    def test_a_new_account_cannot_log_in_until_it_confirms(self, app, client, required):
        response = client.post_form("/signup", SIGNUP)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/login")
        assert client.get("/dashboard").status_code == 302  # not signed in

        blocked = client.login(ASEL, SIGNUP["password"])
        assert blocked.status_code == 403
        page = _page(blocked)
        assert NOT_CONFIRMED in page
        assert ASEL in page
        assert 'action="/confirm-email/resend"' in page
        assert client.get("/dashboard").status_code == 302

        # A wrong password learns nothing about confirmation.
        wrong = client.login(ASEL, "not the password at all")
        assert wrong.status_code == 200
        assert NOT_CONFIRMED not in _page(wrong)
        assert "/confirm-email/resend" not in _page(wrong)

        [message] = _outbox()
        client.get(_link(message, app.config["PUBLIC_URL"]))
        assert client.login(ASEL, SIGNUP["password"]).status_code == 302

    def test_the_requirement_does_not_touch_confirmed_accounts(self, client, trainee, required):
        assert client.login(trainee.email).status_code == 302

    def test_sending_again_answers_the_same_for_every_address(
        self, app, client, make_user, required
    ):
        client.post_form("/signup", SIGNUP)
        make_user(email="confirmed@example.kz")
        answers = [
            client.post_form("/confirm-email/resend", {"email": email}, follow_redirects=True)
            for email in (ASEL, "nobody@example.kz", "confirmed@example.kz")
        ]
        assert [answer.status_code for answer in answers] == [200, 200, 200]
        assert all(SAME_ANSWER in _page(answer) for answer in answers)
        messages = _outbox(kind="email_confirmation")
        assert [m.to_address for m in messages] == [ASEL, ASEL]
        client.get(_link(messages[1], app.config["PUBLIC_URL"]))
        assert _user(ASEL).email_confirmed

    def test_sending_again_is_rate_limited_per_address(self, client, required):
        client.post_form("/signup", SIGNUP)
        answers = [client.post_form("/confirm-email/resend", {"email": ASEL}) for _ in range(4)]
        assert [a.status_code for a in answers] == [302, 302, 302, 429]
        assert "Too many requests for a confirmation link" in _page(answers[-1])
        assert int(answers[-1].headers["Retry-After"]) > 0
        assert len(_outbox(kind="email_confirmation")) == 1 + 3

    def test_blocked_logins_do_not_count_as_failed_attempts(self, app, client, required):
        client.post_form("/signup", SIGNUP)
        limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_IP"].split()[0])
        for _ in range(limit + 1):
            assert client.login(ASEL, SIGNUP["password"]).status_code == 403

    def test_the_administrator_turns_the_requirement_on_in_site_settings(self, admin_client):
        page = _page(admin_client.get("/admin/settings"))
        assert 'name="email_confirmation_required"' in page
        admin_client.post_form("/admin/settings", {"email_confirmation_required": "y"})
        assert site_settings.email_confirmation_required() is True
        admin_client.post_form("/admin/settings", {})
        assert site_settings.email_confirmation_required() is False


# --- links that do not work ------------------------------------------------------------------


def test_an_expired_link_says_so_and_how_to_get_a_new_one(app, client, monkeypatch):
    hours = app.config["EMAIL_CONFIRMATION_HOURS"]
    past = int(time.time()) - hours * 3600 - 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: past)
    client.post_form("/signup", SIGNUP)
    monkeypatch.undo()
    [message] = _outbox()
    answer = client.get(_link(message, app.config["PUBLIC_URL"]))
    assert answer.status_code == 400
    page = _page(answer)
    assert "This confirmation link has expired" in page
    assert "Send the link again" in page
    assert not _user(ASEL).email_confirmed


def test_a_tampered_or_foreign_link_is_refused(app, client, make_user):
    client.post_form("/signup", SIGNUP)
    path = _link(_outbox()[0], app.config["PUBLIC_URL"])
    token = path.rsplit("/", 1)[1]
    payload, timestamp, signature = token.split(".")
    other = make_user(email="other@example.kz")
    foreign = email_confirmation._serializer().dumps([other.id, "other@example.kz"])

    def flip(text: str) -> str:  # another first character (the last may carry only padding)
        return ("B" if text[0] == "A" else "A") + text[1:]

    forged = [
        f"{payload}.{timestamp}.{flip(signature)}",  # signature changed
        f"{flip(payload)}.{timestamp}.{signature}",  # payload changed
        ".".join([*foreign.split(".")[:2], signature]),  # another account, this signature
        "not-a-token",
    ]
    for bad in forged:
        answer = client.get(f"/confirm-email/{bad}")
        assert answer.status_code == 400, bad
        assert "This confirmation link is not valid" in _page(answer)
    assert not _user(ASEL).email_confirmed


def test_a_link_stops_working_when_the_address_changes(app, client, admin_client):
    client.post_form("/signup", SIGNUP)
    path = _link(_outbox()[0], app.config["PUBLIC_URL"])
    user = _user(ASEL)
    admin_client.post_form(
        f"/admin/users/{user.id}/email", {"email": "new@example.kz", "at_once": "y"}
    )
    assert client.get(path).status_code == 400
    assert _user("new@example.kz").id == user.id


# --- changing the address from the account page ----------------------------------------------


def _ask_change(client, email: str, password: str = DEFAULT_PASSWORD):
    return client.post_form("/account/email", {"email": email, "current_password": password})


def test_a_change_waits_for_the_link_sent_to_the_new_address(app, client, login, make_user):
    user = make_user(email="old@example.kz", language="ru")
    browser = login(user)
    answer = _ask_change(browser, "  New@Example.KZ ")
    assert answer.status_code == 302
    user = _user("old@example.kz")
    assert user.pending_email == "new@example.kz"
    page = _page(browser.get("/account"))
    assert "new@example.kz" in page  # shown as waiting (the page is in Russian)
    assert 'action="/account/email/cancel"' in page

    (confirm,) = _outbox(kind="email_confirmation")
    (notice,) = _outbox(kind="email_change_notice")
    assert confirm.to_address == "new@example.kz"
    assert confirm.language == notice.language == "ru"
    assert notice.to_address == "old@example.kz"
    assert "new@example.kz" in notice.text
    assert app.config["PUBLIC_URL"] + "/account" in notice.text
    assert "List-Unsubscribe" not in notice.headers  # a security message

    # Until the link is opened, the old address is the login.
    assert client.login("new@example.kz").status_code == 200
    assert browser.get(_link(confirm, app.config["PUBLIC_URL"])).status_code == 302
    user = _user("new@example.kz")
    assert user is not None and user.pending_email is None and user.email_confirmed
    assert client.login("old@example.kz").status_code == 200
    assert client.login("new@example.kz").status_code == 302


def test_a_change_needs_the_password_a_new_free_address(trainee_client, trainee, make_user):
    make_user(email="taken@example.kz")
    cases = [
        ({"email": "fresh@example.kz", "password": "wrong password here"}, "not correct"),
        ({"email": "TAKEN@example.kz"}, "already exists"),
        ({"email": trainee.email}, "already your address"),
        ({"email": "not an address"}, "valid email"),
    ]
    for change, message in cases:
        answer = _ask_change(trainee_client, **change)
        assert answer.status_code == 400
        assert message in _page(answer)
        assert f'value="{trainee.display_name}"' in _page(answer)  # the profile form stays
    assert _user(trainee.email).pending_email is None
    assert _outbox() == []


def test_a_change_can_be_cancelled_and_its_link_then_does_nothing(app, trainee_client, trainee):
    _ask_change(trainee_client, "new@example.kz")
    assert trainee_client.post_form("/account/email/cancel").status_code == 302
    assert _user(trainee.email).pending_email is None
    [confirm] = _outbox(kind="email_confirmation")
    assert trainee_client.get(_link(confirm, app.config["PUBLIC_URL"])).status_code == 400
    assert _user(trainee.email) is not None
    assert _user("new@example.kz") is None


def test_sending_the_change_link_again(app, trainee_client, trainee):
    _ask_change(trainee_client, "new@example.kz")
    assert trainee_client.post_form("/account/email/resend").status_code == 302
    first, second = _outbox(kind="email_confirmation")
    assert first.to_address == second.to_address == "new@example.kz"
    assert len(_outbox(kind="email_change_notice")) == 1  # the old address hears it once
    trainee_client.get(_link(second, app.config["PUBLIC_URL"]))
    assert _user("new@example.kz").id == trainee.id


def test_an_address_taken_meanwhile_is_refused_in_words(app, trainee_client, trainee, make_user):
    _ask_change(trainee_client, "new@example.kz")
    make_user(email="new@example.kz")  # another account takes it first
    [confirm] = _outbox(kind="email_confirmation")
    answer = trainee_client.get(_link(confirm, app.config["PUBLIC_URL"]))
    assert answer.status_code == 409
    page = _page(answer)
    assert "Another account started using new@example.kz" in page
    assert trainee.email in page
    user = _user(trainee.email)
    assert user is not None and user.pending_email is None


def test_a_confirmed_change_spends_password_links_for_the_old_address(
    app, admin_client, trainee_client, trainee, client
):
    admin_page = _page(admin_client.post_form(f"/admin/users/{trainee.id}/reset-link"))
    reset_path = re.search(r'value="http://[^/"]+(/reset/[^"]+)"', admin_page).group(1)
    _ask_change(trainee_client, "new@example.kz")
    [confirm] = _outbox(kind="email_confirmation")
    trainee_client.get(_link(confirm, app.config["PUBLIC_URL"]))
    assert client.get(reset_path).status_code == 404


def test_asking_for_links_from_the_account_page_is_limited(app, trainee_client):
    limit = int(app.config["CONFIRM_LIMIT_PER_USER"].split()[0])
    statuses = [
        _ask_change(trainee_client, f"new{number}@example.kz").status_code
        for number in range(limit)
    ]
    statuses.append(trainee_client.post_form("/account/email/resend").status_code)
    assert statuses == [302] * limit + [429]
    # A refused form (wrong password) sends nothing and does not count.
    assert len(_outbox(kind="email_confirmation")) == limit


# --- administrators --------------------------------------------------------------------------


def test_an_administrator_sets_an_address_directly(admin_client, make_user):
    user = make_user(email="typo@example.kz", email_confirmed=False)
    user.pending_email = "waiting@example.kz"
    db.session.commit()
    answer = admin_client.post_form(
        f"/admin/users/{user.id}/email", {"email": "Right@Example.kz", "at_once": "y"}
    )
    assert answer.status_code == 302
    user = _user("right@example.kz")
    assert user.email_confirmed and user.pending_email is None
    assert _outbox() == []  # no link: the administrator vouches for it
    page = _page(admin_client.get(f"/admin/users/{user.id}"))
    assert "right@example.kz" in page and "Confirmed" in page


def test_an_administrator_cannot_give_an_address_already_in_use(admin_client, admin, make_user):
    user = make_user(email="one@example.kz")
    answer = admin_client.post_form(f"/admin/users/{user.id}/email", {"email": admin.email})
    assert answer.status_code == 400
    assert "already exists" in _page(answer)
    assert _user("one@example.kz") is not None


def test_only_administrators_change_addresses_of_others(trainee_client, trainer, client):
    url = f"/admin/users/{trainer.id}/email"
    assert trainee_client.post_form(url, {"email": "x@example.kz"}).status_code == 403
    assert client.post_form(url, {"email": "x@example.kz"}).status_code == 302  # to login
    assert _user(trainer.email) is not None
