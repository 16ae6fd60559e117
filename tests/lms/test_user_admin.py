"""Administrators create and edit users through HTTP (lms/user_admin.py, lms/views/admin.py):
the new account's set-password e-mail, refusals, audit events with before and after, the
e-mail change by link or at once, deleted accounts left alone, the last administrator, and
"last seen" from the login sessions, with the list's filters and sorting."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from lms import account_deletion, audit
from lms.database import utcnow
from lms.extensions import db
from lms.formatting import format_datetime, format_short_datetime
from lms.models import AuditEvent, LoginSession, OutboxMessage, User

NEW = {
    "email": "  Zhanna.Sarsenova@Example.KZ ",
    "display_name": "Жанна",
    "full_name": "Жанна Серікқызы Сәрсенова",
    "role": "trainer",
    "language": "kk",
}
ZHANNA = "zhanna.sarsenova@example.kz"
PASSWORD = "тау бұлағы таза сусын"


def _page(response) -> str:
    return response.get_data(as_text=True)


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _outbox(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
    return list(db.session.scalars(query))


def _events(action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def _count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


# --- creating --------------------------------------------------------------------------------


def test_an_administrator_creates_a_user_who_chooses_a_password_from_the_e_mail(
    app, admin_client, admin, client
):
    page = _page(admin_client.get("/admin/users"))
    assert 'href="/admin/users/new"' in page
    form = _page(admin_client.get("/admin/users/new"))
    assert 'name="full_name"' in form and 'name="password"' not in form

    answer = admin_client.post_form("/admin/users/new", NEW)
    assert answer.status_code == 302
    user = _user(ZHANNA)
    assert answer.headers["Location"].endswith(f"/admin/users/{user.id}")
    assert (user.display_name, user.full_name, user.role, user.language) == (
        "Жанна",
        "Жанна Серікқызы Сәрсенова",
        "trainer",
        "kk",
    )
    assert user.active and user.email_confirmed
    assert client.login(ZHANNA, "!unusable:").status_code == 200  # no password works yet

    (message,) = _outbox(kind="account_created")
    assert message.to_address == ZHANNA and message.language == "kk"
    with app.test_request_context(), force_locale("kk"):
        assert message.subject == gettext("Your account: choose a password")
    assert "List-Unsubscribe" not in message.headers  # a security message, always sent
    path = re.search(re.escape(app.config["PUBLIC_URL"]) + r"(/reset/[^\s]+)", message.text)[1]
    assert app.config["PUBLIC_URL"] + path in message.html
    assert app.config["PUBLIC_URL"] + "/forgot-password" in message.text

    answer = client.post_form(path, {"password": PASSWORD, "confirm": PASSWORD})
    assert answer.status_code == 302
    assert client.login(ZHANNA, PASSWORD).status_code == 302

    (created,) = _events(audit.ACCOUNT_CREATED)
    assert (created.actor_id, created.subject_id) == (admin.id, user.id)
    assert created.details == {"role": "trainer", "language": "kk"}
    (link,) = _events(audit.RESET_LINK_CREATED)
    assert link.subject_id == user.id


def test_the_new_user_page_says_when_no_mail_server_is_set(admin_client):
    answer = admin_client.post_form("/admin/users/new", NEW, follow_redirects=True)
    page = _page(answer)
    assert "is created" in page and ZHANNA in page
    assert "No mail server is set up" in page


@pytest.mark.parametrize(
    "email", ["ZHANNA.SARSENOVA@example.kz", "ｚｈａｎｎａ.ｓａｒｓｅｎｏｖａ@example.kz"]
)
def test_an_address_in_use_is_refused_whatever_its_case(admin_client, make_user, email):
    make_user(email=ZHANNA)
    before = _count_users()
    answer = admin_client.post_form("/admin/users/new", {**NEW, "email": email})
    assert answer.status_code == 400
    assert "An account with this email address already exists." in _page(answer)
    assert _count_users() == before
    assert _outbox() == [] and _events(audit.ACCOUNT_CREATED) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"display_name": ""}, "This field is required."),
        ({"full_name": "Ж"}, "Field must be between 2 and 200 characters long."),
        ({"full_name": "Жанна\u202eСәрсенова"}, "invisible control characters"),
        ({"role": "wizard"}, "Not a valid choice."),
        ({"language": "de"}, "Not a valid choice."),
    ],
)
def test_bad_input_is_refused_in_words_and_creates_nothing(admin_client, change, message):
    before = _count_users()
    answer = admin_client.post_form("/admin/users/new", {**NEW, **change})
    assert answer.status_code == 400
    assert message in _page(answer)
    assert _count_users() == before and _outbox() == []


def test_the_form_speaks_the_administrators_language(login, make_user):
    browser = login(make_user("admin", language="ru"))
    answer = browser.post_form("/admin/users/new", {**NEW, "email": "плохой адрес"})
    assert answer.status_code == 400
    with force_locale("ru"):
        assert gettext("Enter a valid email address.") in _page(answer)


def test_trainers_and_trainees_cannot_create_users(trainer_client, trainee_client):
    before = _count_users()
    for browser in (trainer_client, trainee_client):
        assert browser.get("/admin/users/new").status_code == 403
        assert browser.post_form("/admin/users/new", NEW).status_code == 403
    assert _count_users() == before


# --- editing ---------------------------------------------------------------------------------


def test_names_and_language_are_edited_and_recorded_before_and_after(admin_client, admin, trainee):
    old_full_name = trainee.full_name
    url = f"/admin/users/{trainee.id}/details"
    answer = admin_client.post_form(
        url,
        {"display_name": trainee.display_name, "full_name": "  Әсел  Төлеуова ", "language": "ru"},
    )
    assert answer.status_code == 302
    user = _user(trainee.email)
    assert (user.full_name, user.language) == ("Әсел Төлеуова", "ru")
    (event,) = _events(audit.DETAILS_CHANGED)
    assert (event.actor_id, event.subject_id) == (admin.id, trainee.id)
    assert event.details == {
        "full_name": {"from": old_full_name, "to": "Әсел Төлеуова"},
        "language": {"from": "en", "to": "ru"},
    }
    # Saving the same values changes and records nothing.
    same = {"display_name": user.display_name, "full_name": user.full_name, "language": "ru"}
    page = _page(admin_client.post_form(url, same, follow_redirects=True))
    assert "Nothing was changed." in page
    assert len(_events(audit.DETAILS_CHANGED)) == 1


def test_a_refused_edit_changes_nothing(admin_client, trainee):
    url = f"/admin/users/{trainee.id}/details"
    answer = admin_client.post_form(
        url, {"display_name": "New\u200bname", "full_name": "Another Name", "language": "ru"}
    )
    assert answer.status_code == 400
    assert "invisible control characters" in _page(answer)
    user = _user(trainee.email)
    assert (user.full_name, user.language) != ("Another Name", "ru")
    assert _events(audit.DETAILS_CHANGED) == []


def test_a_new_address_waits_for_the_link_mailed_to_it(app, admin_client, admin, make_user, login):
    user = make_user(email="old@example.kz", language="ru")
    answer = admin_client.post_form(f"/admin/users/{user.id}/email", {"email": "New@Example.kz"})
    assert answer.status_code == 302
    user = _user("old@example.kz")
    assert user.pending_email == "new@example.kz"
    (link,) = _outbox(kind="email_confirmation")
    assert link.to_address == "new@example.kz" and link.language == "ru"
    with app.test_request_context(), force_locale("ru"):
        said = gettext(
            "An administrator of %(site)s asked to use %(email)s as the e-mail address of your "
            "account. Open this link to confirm it; the account keeps its old address until then:",
            site=app.config["SITE_NAME"],
            email="new@example.kz",
        )
    assert said.startswith("Администратор") and said in link.text
    assert _outbox(kind="email_change_notice") == []  # the old address is not told
    (event,) = _events(audit.EMAIL_CHANGE_REQUESTED)
    assert (event.actor_id, event.details) == (
        admin.id,
        {"from": "old@example.kz", "to": "new@example.kz"},
    )
    path = re.search(r"(/confirm-email/[A-Za-z0-9_.\-]+)", link.text)[1]
    assert login(user).get(path).status_code == 302
    assert _user("new@example.kz").id == user.id


def test_an_address_already_in_use_is_refused_for_a_change(admin_client, trainee, trainer):
    for data in ({"email": trainer.email.upper()}, {"email": trainer.email, "at_once": "y"}):
        answer = admin_client.post_form(f"/admin/users/{trainee.id}/email", data)
        assert answer.status_code == 400
        assert "already exists" in _page(answer)
    assert _user(trainee.email).pending_email is None


def test_role_and_active_changes_are_recorded_and_the_last_admin_stays(
    admin_client, admin, make_user
):
    other = make_user("admin")
    assert (
        admin_client.post_form(f"/admin/users/{other.id}/role", {"role": "trainer"}).status_code
        == 302
    )
    (event,) = _events(audit.ROLE_CHANGED)
    assert (event.actor_id, event.details) == (admin.id, {"from": "admin", "to": "trainer"})
    # The one active administrator left cannot take the role away from themselves.
    answer = admin_client.post_form(f"/admin/users/{admin.id}/role", {"role": "trainee"})
    assert answer.status_code == 400
    assert _user(admin.email).role == "admin"
    assert len(_events(audit.ROLE_CHANGED)) == 1


def test_a_deleted_account_is_never_edited(admin_client, admin, trainee):
    account_deletion.delete_account(trainee, by=admin)
    user_id = trainee.id
    page = _page(admin_client.get(f"/admin/users/{user_id}"))
    assert f"/admin/users/{user_id}/details" not in page
    assert f"/admin/users/{user_id}/role" not in page
    assert f"/admin/users/{user_id}/activate" not in page
    refused = "This account is deleted: it cannot be changed."
    for url, data in [
        ("details", {"display_name": "Back", "full_name": "Back Again", "language": "en"}),
        ("email", {"email": "back@example.kz"}),
        ("email", {"email": "back@example.kz", "at_once": "y"}),
        ("role", {"role": "admin"}),
        ("activate", {}),
        ("reset-link", {}),
    ]:
        answer = admin_client.post_form(f"/admin/users/{user_id}/{url}", data)
        assert answer.status_code == 409, url
        assert refused in _page(answer)
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    assert user.display_name == account_deletion.PLACEHOLDER_NAME
    assert user.role == "trainee" and not user.active and user.pending_email is None


# --- last seen and the list ------------------------------------------------------------------

LOGGED_IN = datetime(2026, 11, 2, 8, 15, tzinfo=UTC)
SEEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _session_seen(user: User, moment: datetime) -> None:
    for row in db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)):
        row.last_seen_at = moment
    db.session.commit()


def test_last_seen_is_the_latest_of_the_login_and_the_sessions(admin_client, login, make_user):
    active = make_user(email="active@example.kz")
    login(active)
    active.last_login_at = None  # as for accounts that signed up before sign-up set it
    db.session.commit()
    _session_seen(active, SEEN)
    idle = make_user(email="idle@example.kz")

    page = _page(admin_client.get(f"/admin/users/{active.id}"))
    assert format_datetime(SEEN) in page and ">never" not in page
    listing = _page(admin_client.get("/admin/users?q=active@"))
    assert format_short_datetime(SEEN) in listing and "never" not in listing
    assert "never" in _page(admin_client.get(f"/admin/users/{idle.id}"))

    # A later login wins over an older session.
    active.last_login_at = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    db.session.commit()
    page = _page(admin_client.get(f"/admin/users/{active.id}"))
    assert format_datetime(active.last_login_at) in page


def test_signing_up_counts_as_a_login(client):
    client.post_form(
        "/signup",
        {
            "email": "new.trainee@example.kz",
            "display_name": "Ұлан",
            "full_name": "Ұлан Бекмұханов",
            "language": "kk",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert _user("new.trainee@example.kz").last_login_at is not None


def _emails_in(page: str) -> list[str]:
    return re.findall(r'<td class="text-break"[^>]*>([^<]+)</td>', page)


def test_the_list_filters_by_status_and_role_and_sorts(admin_client, admin, login, make_user):
    now = utcnow()
    seen = make_user(email="seen@example.kz")
    login(seen)
    seen.last_login_at = now - timedelta(days=20)
    _session_seen(seen, now - timedelta(days=1))
    earlier = make_user(email="earlier@example.kz")
    earlier.last_login_at = now - timedelta(days=10)
    off = make_user("trainer", email="off@example.kz", full_name="Аа Бб")
    off.active = False
    db.session.commit()
    gone = make_user(email="gone@example.kz")
    account_deletion.delete_account(gone, by=admin)

    def emails(query: str) -> list[str]:
        answer = admin_client.get(f"/admin/users?{query}")
        assert answer.status_code == 200
        return _emails_in(_page(answer))

    assert emails("status=deactivated") == ["off@example.kz"]
    assert emails("status=deleted") == [account_deletion.tombstone(gone)]
    assert "off@example.kz" not in emails("status=active")
    assert emails("status=deactivated&role=trainee") == []
    assert emails("role=trainer&status=wizard") == ["off@example.kz"]  # a bad value is ignored
    # The administrator logged in just now; accounts never seen come last.
    by_seen = emails("sort=last_seen")
    assert by_seen[:3] == [admin.email, "seen@example.kz", "earlier@example.kz"]
    assert by_seen.index("earlier@example.kz") < by_seen.index("off@example.kz")
    by_name = emails("sort=name")
    assert by_name.index("off@example.kz") < by_name.index("seen@example.kz")  # "Аа" < "Әсел"
    by_email = emails("sort=email")
    assert by_email == sorted(by_email) and by_email != emails("")
    # Pages keep the filters and the order.
    for _ in range(30):
        make_user()
    page = _page(admin_client.get("/admin/users?sort=email&status=active"))
    assert "sort=email" in page.split('aria-label="Pages"')[1]


def test_the_services_refuse_a_deleted_account_too(app, admin, trainee):
    from lms import accounts, email_confirmation, user_admin

    account_deletion.delete_account(trainee, by=admin)
    calls = [
        lambda: user_admin.update_details(
            admin, trainee, display_name="Back", full_name="Back Again", language="en"
        ),
        lambda: accounts.set_role(admin, trainee, "admin"),
        lambda: accounts.set_active(admin, trainee, True),
        lambda: accounts.set_email(trainee, "back@example.kz", by=admin),
        lambda: email_confirmation.request_change_by_admin(
            trainee, new_email="back@example.kz", by=admin
        ),
    ]
    for call in calls:
        with pytest.raises(accounts.AccountError, match="deleted"):
            call()
        db.session.rollback()
    db.session.refresh(trainee)
    assert not trainee.active and trainee.role == "trainee"
    assert trainee.email == account_deletion.tombstone(trainee)
