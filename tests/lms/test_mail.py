"""E-mail: the outbox, self-service password reset, and a real SMTP server (aiosmtpd) on a
free port that receives what the site sends."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms import mail
from lms.extensions import db
from lms.models import OutboxMessage, PasswordResetToken
from tests.conftest import DEFAULT_PASSWORD

SAME_ANSWER = "If an account uses this address, we sent a link"
NEW_PASSWORD = "a brand new passphrase 42"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content)
        self.messages.append(message_from_bytes(envelope.original_content, policy=default_policy))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


@pytest.fixture
def smtp_inbox(app):
    """A real SMTP server on a free port; the site's MAIL_URL points at it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield inbox
    finally:
        controller.stop()


def _outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _ask_for_link(client, email: str):
    return client.post_form("/forgot-password", {"email": email})


def _reset_path(text: str, public_url: str) -> str:
    match = re.search(re.escape(public_url) + r"(/reset/[A-Za-z0-9_\-]+)", text)
    assert match, text
    return match.group(1)


def _parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if not part.is_multipart()
    }


# --- without a mail server: the outbox --------------------------------------------------------


def test_the_login_page_links_to_the_forgotten_password_form(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in page
    assert client.get("/forgot-password").status_code == 200


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, make_user):
    make_user(email="known@example.kz")
    unknown = _ask_for_link(client, "nobody@example.kz")
    known = _ask_for_link(client, "known@example.kz")
    assert unknown.status_code == known.status_code == 200
    assert SAME_ANSWER in unknown.get_data(as_text=True)
    assert SAME_ANSWER in known.get_data(as_text=True)
    assert [m.to_address for m in _outbox()] == ["known@example.kz"]


def test_a_deactivated_account_gets_no_mail(client, make_user):
    user = make_user(email="gone@example.kz")
    user.active = False
    db.session.commit()
    assert SAME_ANSWER in _ask_for_link(client, "gone@example.kz").get_data(as_text=True)
    assert _outbox() == []


def test_the_mailed_link_sets_a_new_password(app, client, make_user):
    user = make_user(email="asel@example.kz")
    _ask_for_link(client, "ASEL@example.kz")
    [message] = _outbox()
    assert message.state == "kept"  # no mail server: the outbox keeps it
    assert message.kind == "password_reset"
    assert "List-Unsubscribe" not in message.headers
    assert user.display_name in message.text
    path = _reset_path(message.text, app.config["PUBLIC_URL"])
    assert path in message.html
    assert client.get(path).status_code == 200
    answer = client.post_form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert client.login("asel@example.kz", DEFAULT_PASSWORD).status_code == 200  # old one gone
    assert client.login("asel@example.kz", NEW_PASSWORD).status_code == 302
    assert client.get(path).status_code == 404  # spent
    # The mailed link is an ordinary reset link with no administrator behind it.
    token = db.session.scalar(select(PasswordResetToken))
    assert token.created_by_id is None


def test_requests_for_one_address_are_limited(client, make_user):
    make_user(email="flood@example.kz")
    answers = [_ask_for_link(client, "flood@example.kz") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    page = answers[-1].get_data(as_text=True)
    assert "Too many requests for a reset link" in page
    assert 'action="/forgot-password"' in page
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert len(_outbox()) == 3


def test_requests_from_one_network_are_limited(client):
    answers = [_ask_for_link(client, f"probe{n}@example.kz") for n in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429
    assert "Too many requests for a reset link" in answers[10].get_data(as_text=True)


def test_the_outbox_page_lists_messages_for_administrators_only(
    admin_client, trainee_client, make_user
):
    user = make_user(email="reader@example.kz")
    mail.send_mail(
        user,
        "password_reset",
        "password_reset",
        subject=_l("Set a new password"),
        user=user,
        reset_url="https://example.kz/reset/x",
        hours=72,
    )
    hostile = OutboxMessage(
        to_address="x@example.kz",
        subject="Hostile",
        text="<b>plain</b>",
        html='<script>alert("x")</script><p>hi</p>',
        kind="test",
        language="en",
        headers={},
        state="failed",
        error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    db.session.add(hostile)
    db.session.commit()
    assert trainee_client.get("/admin/outbox").status_code == 403
    listing = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert listing.index("Hostile") < listing.index("Set a new password")  # newest first
    assert "reader@example.kz" in listing
    detail = admin_client.get(f"/admin/outbox/{hostile.id}")
    page = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert "<script>alert" not in page and "<b>plain</b>" not in page
    assert 'sandbox=""' in page and 'srcdoc="&lt;script&gt;' in page
    assert "Connection refused" in page
    assert admin_client.get("/admin/outbox/999999").status_code == 404
    assert 'href="/admin/outbox"' in admin_client.get("/dashboard").get_data(as_text=True)


# --- with a real SMTP server --------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("kk", "Жаңа құпиясөз орнату", "Сәлеметсіз бе"),
        ("ru", "Установка нового пароля", "Здравствуйте"),
    ],
)
def test_the_reset_mail_arrives_in_the_users_language(
    app, client, make_user, smtp_inbox, language, subject, greeting
):
    make_user(email=f"{language}@example.kz", language=language, display_name="Әсел")
    assert _ask_for_link(client, f"{language}@example.kz").status_code == 200
    [received] = smtp_inbox.messages
    assert smtp_inbox.recipients == [[f"{language}@example.kz"]]
    # The encoded subject is folded onto its own line; unfolding leaves a leading space.
    assert received["Subject"].strip() == subject
    assert received.get("List-Unsubscribe") is None  # a security message
    assert received.is_multipart()
    parts = _parts(received)
    assert set(parts) == {"text/plain", "text/html"}
    assert f"{greeting}, Әсел." in parts["text/plain"]
    assert app.config["SITE_NAME"] in parts["text/plain"]
    path = _reset_path(parts["text/plain"], app.config["PUBLIC_URL"])
    assert f'href="{app.config["PUBLIC_URL"]}{path}"' in parts["text/html"]
    assert client.get(path).status_code == 200
    [row] = _outbox()
    assert (row.state, row.error, row.language) == ("sent", None, language)
    assert row.sent_at is not None


@pytest.fixture
def news_kind():
    """A kind of message that is not about security, for these tests only."""
    mail.register_mail_kind("test_news", label=_l("News"), group=_l("Courses"))
    yield "test_news"
    mail.MAIL_KINDS.pop("test_news", None)


def test_a_change_of_address_mails_both_addresses_in_the_users_language(
    app, login, make_user, smtp_inbox
):
    user = make_user(email="old@example.kz", language="ru", display_name="Әсел")
    browser = login(user)
    answer = browser.post_form(
        "/account/email", {"email": "new@example.kz", "current_password": DEFAULT_PASSWORD}
    )
    assert answer.status_code == 302
    by_recipient = {
        tuple(rcpt): message
        for rcpt, message in zip(smtp_inbox.recipients, smtp_inbox.messages, strict=True)
    }
    confirm = by_recipient[("new@example.kz",)]
    notice = by_recipient[("old@example.kz",)]
    assert confirm["Subject"].strip() == "Подтвердите адрес электронной почты"
    assert notice["Subject"].strip() == "Запрошена смена адреса электронной почты"
    for received in (confirm, notice):
        assert received.get("List-Unsubscribe") is None  # security messages
        assert "Здравствуйте, Әсел." in _parts(received)["text/plain"]
    text = _parts(confirm)["text/plain"]
    match = re.search(re.escape(app.config["PUBLIC_URL"]) + r"(/confirm-email/[\w.\-]+)", text)
    assert match, text
    assert browser.get(match.group(1)).status_code == 302
    db.session.expire_all()
    assert user.email == "new@example.kz"


def test_other_kinds_carry_list_unsubscribe(app, client, make_user, smtp_inbox, news_kind):
    user = make_user(email="news@example.kz", language="ru")
    # Outside a request, with no work in progress: sent at once.
    mail.send_mail(
        user,
        news_kind,
        "password_reset",
        subject=_l("Set a new password"),
        user=user,
        reset_url="https://example.kz/x",
        hours=1,
    )
    [received] = smtp_inbox.messages
    link = received["List-Unsubscribe"].strip()
    assert link.startswith(f"<{app.config['PUBLIC_URL']}/account/unsubscribe/")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The footer of both parts carries the same link.
    url = link.strip("<>")
    parts = _parts(received)
    assert url in parts["text/plain"]
    assert f'href="{url}"' in parts["text/html"]
    # A mail client's one-click POST (no session, no CSRF token) stops that kind.
    path = url.removeprefix(app.config["PUBLIC_URL"])
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert mail.opted_out(user, news_kind)
    assert (
        mail.send_mail(
            user, news_kind, "password_reset", subject="x", user=user, reset_url="x", hours=1
        )
        is None
    )
    assert len(smtp_inbox.messages) == 1


def test_a_server_that_is_down_keeps_the_message_queued_then_failed_and_no_error_page(
    app, client, make_user, admin_client, smtp_inbox
):
    port = int(app.config["MAIL_URL"].rsplit(":", 1)[1])
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{_free_port()}"  # nothing listens there
    make_user(email="down@example.kz")
    answer = _ask_for_link(client, "down@example.kz")
    assert answer.status_code == 200
    assert SAME_ANSWER in answer.get_data(as_text=True)
    [row] = _outbox()
    # The first try failed: the queue will try again, and the row says why meanwhile.
    assert (row.state, row.attempts) == ("queued", 1)
    assert "refused" in row.error.lower()
    assert row.sent_at is None
    # The last retry fails too: the message is kept as failed, with the error.
    assert mail.deliver(row.id, final=True) is False
    [row] = _outbox()
    assert (row.state, row.attempts) == ("failed", 2)
    page = admin_client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "refused" in page.lower() and "Send again" in page
    # The server is back: the administrator sends it again and it arrives.
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
    answer = admin_client.post_form(f"/admin/outbox/{row.id}/send-again", {})
    assert answer.status_code == 303
    [row] = _outbox()
    assert (row.state, row.error) == ("sent", None)
    assert smtp_inbox.recipients == [["down@example.kz"]]


def test_nothing_is_sent_when_the_transaction_rolls_back(app, make_user, smtp_inbox):
    user = make_user(email="undo@example.kz")
    user.display_name = "Changed"  # work in progress: the message waits for the commit
    mail.send_mail(
        user,
        "password_reset",
        "password_reset",
        subject=_l("Set a new password"),
        user=user,
        reset_url="https://example.kz/x",
        hours=1,
    )
    assert smtp_inbox.messages == []
    db.session.rollback()
    assert smtp_inbox.messages == []
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    # The next commit does not send the forgotten message either.
    user.display_name = "Again"
    db.session.commit()
    assert smtp_inbox.messages == []

    user.display_name = "Committed"
    mail.send_mail(
        user,
        "password_reset",
        "password_reset",
        subject=_l("Set a new password"),
        user=user,
        reset_url="https://example.kz/x",
        hours=1,
    )
    assert smtp_inbox.messages == []
    db.session.commit()
    assert len(smtp_inbox.messages) == 1


def test_mail_url_is_read_into_smtp_settings(app):
    assert mail.smtp_settings("smtp://u%40x:p%2Fw@mail.example.kz:587?tls=starttls") == {
        "host": "mail.example.kz",
        "port": 587,
        "username": "u@x",
        "password": "p/w",
        "use_ssl": False,
        "use_tls": True,
        "timeout": app.config["MAIL_TIMEOUT_SECONDS"],
    }
    settings = mail.smtp_settings("smtps://mail.example.kz")
    assert (settings["port"], settings["use_ssl"], settings["use_tls"]) == (465, True, False)
    with pytest.raises(mail.MailSettingsError):
        mail.smtp_settings("http://mail.example.kz")
