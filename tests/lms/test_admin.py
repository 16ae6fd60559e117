"""Administration pages: who may open them, search, roles, activation, settings."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms import site_settings
from lms.extensions import db
from lms.models import LoginSession

ADMIN_GETS = ["/admin/users", "/admin/users/1", "/admin/settings"]
ADMIN_POSTS = [
    "/admin/users/1/role",
    "/admin/users/1/deactivate",
    "/admin/users/1/activate",
    "/admin/users/1/reset-link",
    "/admin/settings",
]


@pytest.mark.parametrize("url", ADMIN_GETS)
def test_admin_pages_are_closed_to_trainees_and_trainers(trainee_client, trainer_client, url):
    assert trainee_client.get(url).status_code == 403
    assert trainer_client.get(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_POSTS)
def test_admin_actions_are_closed_to_trainees_and_trainers(trainee_client, trainer_client, url):
    assert trainee_client.post_form(url, {"role": "admin"}).status_code == 403
    assert trainer_client.post_form(url, {"role": "admin"}).status_code == 403


@pytest.mark.parametrize("url", ADMIN_GETS)
def test_admin_pages_send_strangers_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_403_page_is_friendly(trainee_client):
    response = trainee_client.get("/admin/users")
    assert "Access denied" in response.get_data(as_text=True)


def test_user_list_searches_email_and_names(admin_client, make_user):
    make_user(email="maria@example.kz", full_name="Мария Викторовна Ким", display_name="Маша")
    make_user(email="ulan@example.kz", full_name="Ұлан Серікұлы Бекмұханов", display_name="Ұлан")
    page = admin_client.get("/admin/users?q=MARIA").get_data(as_text=True)
    assert "maria@example.kz" in page and "ulan@example.kz" not in page
    page = admin_client.get("/admin/users?q=Бекмұханов").get_data(as_text=True)
    assert "ulan@example.kz" in page and "maria@example.kz" not in page
    # Case-insensitive in Cyrillic and Kazakh letters too, on SQLite as on PostgreSQL.
    page = admin_client.get("/admin/users?q=мария").get_data(as_text=True)
    assert "maria@example.kz" in page and "ulan@example.kz" not in page
    page = admin_client.get("/admin/users?q=ҰЛАН").get_data(as_text=True)
    assert "ulan@example.kz" in page
    page = admin_client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "No user matches" in page


def test_user_list_filters_by_role_and_paginates(admin_client, make_user):
    for _ in range(30):
        make_user("trainee")
    make_user("trainer", email="only.trainer@example.kz")
    page = admin_client.get("/admin/users?role=trainer").get_data(as_text=True)
    assert "only.trainer@example.kz" in page and "trainee1@" not in page
    first = admin_client.get("/admin/users").get_data(as_text=True)
    second = admin_client.get("/admin/users?page=2").get_data(as_text=True)
    assert first.count("/admin/users/") - second.count("/admin/users/") > 0
    assert "32 users" in first
    assert admin_client.get("/admin/users?page=abc").status_code == 200
    assert admin_client.get("/admin/users?page=999").status_code == 200
    assert admin_client.get("/admin/users?role=wizard").status_code == 200


def test_admin_changes_a_role(admin_client, trainee):
    response = admin_client.post_form(f"/admin/users/{trainee.id}/role", {"role": "trainer"})
    assert response.status_code == 302
    db.session.refresh(trainee)
    assert trainee.role == "trainer"


def test_unknown_role_is_refused(admin_client, trainee):
    response = admin_client.post_form(f"/admin/users/{trainee.id}/role", {"role": "wizard"})
    assert response.status_code == 400
    db.session.refresh(trainee)
    assert trainee.role == "trainee"


def test_admins_cannot_demote_themselves(admin_client, admin):
    response = admin_client.post_form(f"/admin/users/{admin.id}/role", {"role": "trainee"})
    assert response.status_code == 400
    assert "cannot remove your own administrator role" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_an_admin_can_demote_another_admin(admin_client, make_user):
    other = make_user("admin")
    response = admin_client.post_form(f"/admin/users/{other.id}/role", {"role": "trainer"})
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.role == "trainer"


@pytest.mark.parametrize("change", ["role", "active"])
def test_the_last_active_admin_cannot_be_removed(app, admin, trainer, change):
    from lms import accounts

    with pytest.raises(accounts.AccountError, match="at least one active administrator"):
        if change == "role":
            accounts.set_role(trainer, admin, "trainee")
        else:
            accounts.set_active(trainer, admin, False)
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active


def test_two_admins_removing_each_other_at_once_leave_one(app, admin, make_user):
    """Each request checks 'another admin remains' and writes in one guarded statement."""
    import threading

    from lms import accounts
    from lms.models import User

    other = make_user("admin")
    ids = (admin.id, other.id)
    barrier = threading.Barrier(2)
    outcomes = []

    def remove(actor_id: int, target_id: int) -> None:
        with app.app_context():
            actor, target = db.session.get(User, actor_id), db.session.get(User, target_id)
            barrier.wait()
            try:
                accounts.set_active(actor, target, False)
                outcomes.append("done")
            except accounts.AccountError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=remove, args=pair) for pair in (ids, ids[::-1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()
    active_admins = db.session.scalar(
        select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))
    )
    assert sorted(outcomes) == ["done", "refused"]
    assert active_admins == 1


def test_deactivation_logs_the_user_out_everywhere(admin_client, login, trainee):
    trainee_browser = login(trainee)
    response = admin_client.post_form(f"/admin/users/{trainee.id}/deactivate")
    assert response.status_code == 302
    assert trainee_browser.get("/dashboard").status_code == 302
    assert (
        db.session.scalar(
            select(func.count(LoginSession.id)).where(LoginSession.user_id == trainee.id)
        )
        == 0
    )
    admin_client.post_form(f"/admin/users/{trainee.id}/activate")
    assert login(trainee).get("/dashboard").status_code == 200


def test_admin_cannot_deactivate_self(admin_client, admin):
    response = admin_client.post_form(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active


@pytest.mark.parametrize("user_id", ["99999", "2147483648", "99999999999999999999", "0", "-1"])
def test_unknown_or_impossible_user_ids_are_404(admin_client, user_id):
    assert admin_client.get(f"/admin/users/{user_id}").status_code == 404
    assert admin_client.post_form(f"/admin/users/{user_id}/deactivate").status_code == 404


def test_settings_turn_self_signup_off_and_on(admin_client):
    admin_client.post_form("/admin/settings", {})  # unchecked box = off
    assert site_settings.signup_open() is False
    admin_client.post_form("/admin/settings", {"signup_open": "y"})
    assert site_settings.signup_open() is True
