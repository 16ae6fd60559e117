"""A user's data download (/account/export) and deleting an account, by its owner and by an
administrator: what goes, what stays, who can, and that both are in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from lms import audit, mail
from lms.extensions import db
from lms.models import AuditEvent, LoginSession, User

from ..conftest import DEFAULT_PASSWORD


def recorded(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_the_download_holds_the_profile_sessions_messages_and_audit_events(trainee_client, trainee):
    mail.unsubscribe(trainee, "seminar_reminder")
    db.session.commit()
    response = trainee_client.post_form("/account/export")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    document = response.get_json()
    assert document["profile"]["email"] == trainee.email
    assert document["profile"]["full_name"] == trainee.full_name
    assert len(document["login_sessions"]) == 1
    text = response.get_data(as_text=True)
    token_hash = db.session.scalar(select(LoginSession.token_hash))
    assert token_hash not in text and "token" not in document["login_sessions"][0]
    assert document["mail_opt_outs"] == ["seminar_reminder"]
    assert [e["action"] for e in document["audit_events"]] == [audit.LOGIN]
    for part in ("courses", "quiz_attempts", "seminars", "assessments", "certificates", "messages"):
        assert part in document
    (event,) = recorded(audit.DATA_EXPORTED)
    assert (event.actor_id, event.subject_id) == (trainee.id, trainee.id)


def test_the_download_is_post_only_for_the_signed_in_user_and_rate_limited(
    client, trainee_client, app
):
    assert trainee_client.get("/account/export").status_code == 405
    assert "/login" in client.post_form("/account/export").headers.get("Location", "/login")
    app.config["EXPORT_LIMIT_PER_USER"] = "2 per hour"
    assert trainee_client.post_form("/account/export").status_code == 200
    assert trainee_client.post_form("/account/export").status_code == 200
    assert trainee_client.post_form("/account/export").status_code == 429
    assert len(recorded(audit.DATA_EXPORTED)) == 2


def test_the_data_page_warns_before_deleting(trainee_client):
    page = trainee_client.get("/account/data").get_data(as_text=True)
    assert "cannot be undone" in page and "stay valid and verifiable" in page
    assert 'action="/account/delete"' in page
    assert "/account/data" in trainee_client.get("/account").get_data(as_text=True)


def test_deleting_needs_the_password_and_the_box(trainee_client, trainee):
    wrong = trainee_client.post_form(
        "/account/delete", {"current_password": "not my password", "understood": "y"}
    )
    unticked = trainee_client.post_form("/account/delete", {"current_password": DEFAULT_PASSWORD})
    assert wrong.status_code == 400 and unticked.status_code == 400
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, trainee.id).deleted_at is None
    assert recorded(audit.ACCOUNT_DELETED) == []


def test_an_owner_deletes_their_account(trainee_client, trainee, login, client):
    other_browser = login(trainee)
    email, user_id = trainee.email, trainee.id
    response = trainee_client.post_form(
        "/account/delete", {"current_password": DEFAULT_PASSWORD, "understood": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.email == f"deleted-{user_id}@invalid"
    assert user.display_name == user.full_name == "Deleted user"
    assert not user.active and user.deleted_at is not None
    assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == user_id)) is None
    # Both browsers are logged out, and the old password opens nothing.
    assert trainee_client.get("/account").status_code == 302
    assert other_browser.get("/account").status_code == 302
    assert client.login(email).status_code == 200
    assert client.login(user.email, DEFAULT_PASSWORD).status_code == 200
    (event,) = recorded(audit.ACCOUNT_DELETED)
    assert (event.actor_id, event.actor_email, event.subject_label) == (user_id, email, email)


def test_an_administrator_deletes_an_account_but_not_their_own(admin_client, admin, trainee):
    refused = admin_client.post_form(f"/admin/users/{trainee.id}/delete")
    assert refused.status_code == 400
    response = admin_client.post_form(f"/admin/users/{trainee.id}/delete", {"understood": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, trainee.id).deleted_at is not None
    page = admin_client.get(f"/admin/users/{trainee.id}").get_data(as_text=True)
    assert "This account was deleted" in page
    again = admin_client.post_form(f"/admin/users/{trainee.id}/delete", {"understood": "y"})
    assert again.status_code == 400  # already deleted: nothing more is erased or recorded
    own = admin_client.post_form(f"/admin/users/{admin.id}/delete", {"understood": "y"})
    assert own.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).deleted_at is None
    (event,) = recorded(audit.ACCOUNT_DELETED)
    assert (event.actor_id, event.subject_id) == (admin.id, trainee.id)


def test_deleting_is_closed_to_trainers(trainer_client, trainee):
    assert (
        trainer_client.post_form(
            f"/admin/users/{trainee.id}/delete", {"understood": "y"}
        ).status_code
        == 403
    )


def test_the_last_administrator_cannot_delete_their_account(admin_client, admin):
    response = admin_client.post_form(
        "/account/delete", {"current_password": DEFAULT_PASSWORD, "understood": "y"}
    )
    assert response.status_code == 400
    assert "at least one active administrator" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).deleted_at is None
