"""Error pages: HTML for people, JSON under /api/, never a stack trace; the health check."""

from __future__ import annotations

import pytest

from config import TestingConfig
from lms import create_app


def test_404_is_a_friendly_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == 404
    assert error["name"] == "not_found"
    assert error["message"]
    russian = client.get("/api/v1/nothing-here", headers={"Accept-Language": "ru"}).get_json()
    assert russian["error"]["name"] == "not_found"  # machine-readable, never translated
    assert russian["error"]["message"] != error["message"]


def test_405_keeps_the_allow_header(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Method not allowed" in response.get_data(as_text=True)


def test_413_for_a_body_over_the_limit(make_config):
    app = create_app(make_config(MAX_CONTENT_LENGTH=1024))
    response = app.test_client().post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


@pytest.fixture
def failing_app(tmp_path):
    app = create_app(TestingConfig(instance_path=str(tmp_path), PROPAGATE_EXCEPTIONS=False))

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internal detail")

    return app


def test_500_shows_no_stack_trace(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "secret internal detail" not in page and "Traceback" not in page


def test_500_under_api_is_json(failing_app):
    response = failing_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == 500
    assert "secret" not in response.get_data(as_text=True)


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "dependencies": {
            "database": {"status": "ok", "required": True},
            "signing_keys": {"status": "ok", "required": False},
        },
    }


def test_healthz_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        TestingConfig(
            instance_path=str(tmp_path),
            database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        )
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert response.get_json()["dependencies"]["database"]["status"] == "down"


def test_bad_url_parameters_do_not_break_pages(admin_client):
    for url in ["/admin/users?page=-5", "/admin/users?q=" + "я" * 500]:
        assert admin_client.get(url).status_code in {200, 404}
    # Not a certificate number at all: a clear 400, not a crash.
    assert admin_client.get("/verify/" + "Z" * 300).status_code == 400


def test_nul_bytes_are_refused_with_400(admin_client, client):
    assert admin_client.get("/admin/users?q=a%00b").status_code == 400
    assert admin_client.get("/admin/users?q=a&q=%00").status_code == 400
    response = client.post_form("/login", {"email": "a\x00@example.kz", "password": "x\x00y"})
    assert response.status_code == 400
    assert "not allowed" in response.get_data(as_text=True)


def test_huge_page_numbers_are_clamped(admin_client, admin):
    response = admin_client.get("/admin/users?page=99999999999999999999999")
    assert response.status_code == 200
    # Clamped to the last page, which lists the one account (no overflow, no empty list).
    assert admin.email in response.get_data(as_text=True)


def test_control_characters_in_the_user_agent_are_dropped(client, trainee):

    from lms.extensions import db
    from lms.models import LoginSession

    response = client.post_form(
        "/login",
        {"email": trainee.email, "password": "correct horse battery"},
        headers={"User-Agent": "Moz\x00illa\x07/5.0"},
    )
    assert response.status_code == 302

    assert (
        db.session.scalar(__import__("sqlalchemy").select(LoginSession.user_agent)) == "Mozilla/5.0"
    )
