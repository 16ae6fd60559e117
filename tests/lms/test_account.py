"""Profile, password change, login sessions and admin-made password links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import password_reset
from lms.database import utcnow
from lms.extensions import db
from lms.models import LoginSession, PasswordResetToken
from tests.conftest import DEFAULT_PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def test_profile_edit_keeps_kazakh_letters(trainee_client, trainee):
    response = trainee_client.post_form(
        "/account",
        {"display_name": "Ұлан", "full_name": "  Ұлан   Серікұлы Бекмұханов ", "language": "ru"},
    )
    assert response.status_code == 302
    db.session.refresh(trainee)
    assert trainee.full_name == "Ұлан Серікұлы Бекмұханов"
    assert trainee.display_name == "Ұлан"
    assert trainee.language == "ru"


def test_profile_rejects_bad_input_without_saving(trainee_client, trainee):
    before = trainee.full_name
    response = trainee_client.post_form(
        "/account", {"display_name": "Ұлан", "full_name": "", "language": "xx"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required" in page
    assert 'aria-invalid="true"' in page
    db.session.refresh(trainee)
    assert trainee.full_name == before


def test_a_refused_profile_edit_changes_nothing_even_in_that_page(trainee_client, trainee):
    response = trainee_client.post_form(
        "/account",
        {"display_name": "CHANGED", "full_name": "Bad\u200bname", "language": "en"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "invisible control characters" in page
    assert "CHANGED" not in page.split("<main", 1)[0]  # the navbar still shows the old name
    db.session.refresh(trainee)
    assert trainee.display_name != "CHANGED"


def test_full_name_needs_two_characters_everywhere(app, trainee):
    from lms import accounts

    with pytest.raises(accounts.AccountError) as error:
        accounts.update_profile(trainee, display_name="A", full_name="Ә", language="en")
    assert error.value.field == "full_name"


def test_password_change_ends_other_sessions_but_keeps_this_one(login, trainee):
    here, elsewhere = login(trainee), login(trainee)
    response = here.post_form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert here.get("/dashboard").status_code == 200
    assert elsewhere.get("/dashboard").status_code == 302
    assert db.session.scalar(select(func.count(LoginSession.id))) == 1
    assert login(trainee, NEW_PASSWORD).get("/dashboard").status_code == 200


def test_password_change_needs_the_current_password(trainee_client, trainee, login):
    response = trainee_client.post_form(
        "/account/password",
        {"current_password": "wrong password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)
    assert login(trainee).get("/dashboard").status_code == 200  # the old password still works


def test_log_out_other_sessions(login, trainee):
    here, elsewhere = login(trainee), login(trainee)
    page = here.get("/account/security").get_data(as_text=True)
    assert "this session" in page
    here.post_form("/account/sessions/end-others")
    assert here.get("/dashboard").status_code == 200
    assert elsewhere.get("/dashboard").status_code == 302


def _reset_url(admin_client, user) -> str:
    page = admin_client.post_form(f"/admin/users/{user.id}/reset-link").get_data(as_text=True)
    match = re.search(r'value="http://localhost(/reset/[^"]+)"', page)
    assert match, page
    return match.group(1)


def test_reset_link_sets_a_password_once_and_ends_sessions(admin_client, client, login, trainee):
    victim_session = login(trainee)
    url = _reset_url(admin_client, trainee)
    assert client.get(url).status_code == 200
    response = client.post_form(url, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert victim_session.get("/dashboard").status_code == 302
    assert login(trainee, NEW_PASSWORD)
    second = client.post_form(
        url, {"password": "yet another phrase", "confirm": "yet another phrase"}
    )
    assert second.status_code == 404
    assert "cannot be used" in second.get_data(as_text=True)


def test_reset_link_expires(app, admin, trainee, client):
    token = password_reset.create_reset_token(trainee, created_by=admin)
    reset = db.session.scalar(select(PasswordResetToken))
    reset.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/reset/{token}").status_code == 404


def test_new_reset_link_replaces_the_old_one(admin_client, client, trainee):
    first = _reset_url(admin_client, trainee)
    second = _reset_url(admin_client, trainee)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_reset_link_rejects_a_weak_password_and_stays_usable(admin_client, client, trainee):
    url = _reset_url(admin_client, trainee)
    response = client.post_form(url, {"password": "short", "confirm": "short"})
    assert response.status_code == 400
    assert client.get(url).status_code == 200


def test_unknown_reset_token_is_404(client):
    assert client.get("/reset/" + "x" * 43).status_code == 404
    assert client.get("/reset/" + "x" * 500).status_code == 404


def test_deactivation_and_password_change_spend_outstanding_links(admin_client, client, trainee):
    url = _reset_url(admin_client, trainee)
    admin_client.post_form(f"/admin/users/{trainee.id}/deactivate")
    admin_client.post_form(f"/admin/users/{trainee.id}/activate")
    assert client.get(url).status_code == 404

    url = _reset_url(admin_client, trainee)
    from lms import accounts

    accounts.set_password(trainee, NEW_PASSWORD)
    assert client.get(url).status_code == 404


def test_following_a_reset_link_does_not_log_out_another_user(admin_client, trainee):
    url = _reset_url(admin_client, trainee)
    assert admin_client.get(url).status_code == 200
    response = admin_client.post_form(url, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert admin_client.get("/admin/users").status_code == 200


def test_reset_pages_are_never_cached(admin_client, client, trainee):
    page = admin_client.post_form(f"/admin/users/{trainee.id}/reset-link")
    assert page.headers["Cache-Control"] == "no-store"
    url = re.search(r'value="http://localhost(/reset/[^"]+)"', page.get_data(as_text=True))[1]
    assert client.get(url).headers["Cache-Control"] == "no-store"
