"""The audit log: what the core records (logins, roles, activation, resets, addresses), the
administrators' page (filters, pages, CSV) and that no route changes an entry. The triggers
that refuse UPDATE and DELETE are tested in tests/test_migrations.py on both databases."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import audit
from lms.database import utcnow
from lms.extensions import db
from lms.models import AuditEvent
from lms.timezone import to_local

from ..conftest import DEFAULT_PASSWORD


def events(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def table(page: str) -> str:
    """The rows of the events table (the filter's list of actions names every label)."""
    return page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""


def test_logins_failures_and_logouts_are_recorded_without_what_was_typed(client, trainee, app):
    assert client.login(trainee.email, "wrong password here").status_code == 200
    assert client.login("nobody@example.kz", "=HYPERLINK(secret)").status_code == 200
    assert client.login(trainee.email).status_code == 302
    client.post_form("/logout")

    failed = events(audit.LOGIN_FAILED)
    assert [(e.subject_id, e.details) for e in failed] == [
        (trainee.id, {"reason": "password"}),
        (None, {"reason": "unknown"}),
    ]
    assert all(e.actor_id is None for e in failed)
    stored = " ".join(f"{e.subject_label} {e.details}" for e in events())
    assert "nobody@example.kz" not in stored and "HYPERLINK" not in stored
    (login,) = events(audit.LOGIN)
    assert (login.actor_id, login.actor_email, login.subject_id) == (
        trainee.id,
        trainee.email,
        trainee.id,
    )
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        assert login.ip_hash == audit.address_hash("127.0.0.1")
    assert "127.0.0.1" not in login.ip_hash
    assert [e.actor_id for e in events(audit.LOGOUT)] == [trainee.id]


def test_a_deactivated_account_that_tries_to_log_in_is_recorded(client, admin_client, trainee):
    admin_client.post_form(f"/admin/users/{trainee.id}/deactivate")
    client.login(trainee.email)
    (failure,) = events(audit.LOGIN_FAILED)
    assert failure.details == {"reason": "inactive"}


def test_role_activation_email_and_password_links_are_recorded(
    admin_client, admin, trainee, client
):
    old_email = trainee.email
    admin_client.post_form(f"/admin/users/{trainee.id}/role", {"role": "trainer"})
    admin_client.post_form(f"/admin/users/{trainee.id}/deactivate")
    admin_client.post_form(f"/admin/users/{trainee.id}/activate")
    admin_client.post_form(
        f"/admin/users/{trainee.id}/email", {"email": "new@example.kz", "at_once": "y"}
    )
    page = admin_client.post_form(f"/admin/users/{trainee.id}/reset-link")
    token = page.get_data(as_text=True).split("/reset/")[1].split('"')[0]
    new_password = "a fresh violet kettle"
    response = client.post_form(
        f"/reset/{token}", {"password": new_password, "confirm": new_password}
    )
    assert response.status_code == 302

    recorded = [(e.action, e.actor_id, e.subject_id, e.details) for e in events()]
    assert recorded[-6:] == [
        (audit.ROLE_CHANGED, admin.id, trainee.id, {"from": "trainee", "to": "trainer"}),
        (audit.DEACTIVATED, admin.id, trainee.id, {}),
        (audit.ACTIVATED, admin.id, trainee.id, {}),
        (
            audit.EMAIL_CHANGED,
            admin.id,
            trainee.id,
            {"from": old_email, "to": "new@example.kz"},
        ),
        (audit.RESET_LINK_CREATED, admin.id, trainee.id, {}),
        (audit.RESET_COMPLETED, trainee.id, trainee.id, {}),
    ]


def test_a_refused_role_change_records_nothing(admin_client, admin):
    response = admin_client.post_form(f"/admin/users/{admin.id}/role", {"role": "trainee"})
    assert response.status_code == 400
    assert events(audit.ROLE_CHANGED) == []


def test_self_service_reset_and_password_change_are_recorded(client, trainee, trainee_client):
    client.post_form("/forgot-password", {"email": trainee.email})
    (requested,) = events(audit.RESET_REQUESTED)
    assert (requested.actor_id, requested.subject_id) == (None, trainee.id)
    new_password = "a fresh violet kettle"
    trainee_client.post_form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "password": new_password, "confirm": new_password},
    )
    assert [e.actor_id for e in events(audit.PASSWORD_CHANGED)] == [trainee.id]


def test_an_unregistered_action_is_refused(app):
    with pytest.raises(ValueError):
        audit.record("nothing.registered")


def test_the_audit_page_is_for_administrators_only(client, trainee_client, trainer_client):
    for url in ("/admin/audit", "/admin/audit.csv"):
        assert trainee_client.get(url).status_code == 403
        assert trainer_client.get(url).status_code == 403
        assert "/login" in client.get(url).headers["Location"]


def test_no_route_changes_or_removes_an_entry(admin_client, app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    assert admin_client.post_form("/admin/audit").status_code == 405


def test_the_audit_page_filters_by_action_actor_subject_and_dates(
    admin_client, admin, make_user, app
):
    asel = make_user(email="asel@example.kz")
    boris = make_user(email="boris@example.kz")
    admin_client.post_form(f"/admin/users/{asel.id}/role", {"role": "trainer"})
    admin_client.post_form(f"/admin/users/{boris.id}/deactivate")
    audit.record(
        audit.LOGIN,
        actor=boris,
        subject=boris,
        at=utcnow() - timedelta(days=40),
        commit=True,
    )

    def shown(query: str) -> str:
        response = admin_client.get(f"/admin/audit{query}")
        assert response.status_code == 200
        return table(response.get_data(as_text=True))

    page = shown("?action=account.role_changed")
    assert "asel@example.kz" in page and "boris@example.kz" not in page
    assert "Role changed" in page
    page = shown("?actor=boris")
    assert page.count("<tr ") == 1 and "Logged in" in page
    page = shown(f"?subject_type=user&subject_id={boris.id}")
    assert "Account deactivated" in page and "Role changed" not in page
    old = to_local(utcnow() - timedelta(days=40)).date().isoformat()  # the site's calendar
    page = shown(f"?since={old}&until={old}")
    assert page.count("<tr ") == 1 and "boris@example.kz" in page
    # Junk in the filters is an ordinary page, never a 500.
    for junk in ("?action=nope", "?since=yesterday", "?page=-3"):
        assert admin_client.get(f"/admin/audit{junk}").status_code == 200


def test_the_audit_page_is_paged(admin_client, admin):
    for _ in range(60):
        audit.record(audit.LOGIN, actor=admin, subject=admin)
    db.session.commit()
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    second = admin_client.get("/admin/audit?page=2").get_data(as_text=True)
    assert first.count('id="audit-') == 50
    assert second.count('id="audit-') == 11  # 60, and the admin's own login


def test_the_csv_export_is_filtered_complete_and_formula_safe(admin_client, admin, app):
    audit.record(
        audit.LOGIN,
        actor=admin,
        subject=audit.Subject("seminar", 7, '=HYPERLINK("http://x")'),
        details={"note": "ok"},
        commit=True,
    )
    response = admin_client.get("/admin/audit.csv?action=auth.login")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == audit.CSV_HEADER
    assert {row[1] for row in rows[1:]} == {"auth.login"}
    labels = [row[7] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in labels
    assert any(row[8] == '{"note": "ok"}' for row in rows[1:])


def test_action_labels_are_shown_in_the_readers_language(admin_client, admin):
    from lms import accounts

    accounts.set_language(admin, "ru")
    ru = admin_client.get("/admin/audit?action=auth.login").get_data(as_text=True)
    accounts.set_language(admin, "kk")
    kk = admin_client.get("/admin/audit?action=auth.login").get_data(as_text=True)
    assert "Вход в систему" in table(ru)
    assert "Жүйеге кірді" in table(kk)
