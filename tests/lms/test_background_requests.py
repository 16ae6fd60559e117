"""Background requests (live preview, quiz autosave) never rewrite the session cookie, so a
late reply cannot put back an older cookie and lose a form's flash message."""

from __future__ import annotations

import time
from datetime import timedelta

from itsdangerous.timed import TimestampSigner

from lms import background_requests


def test_the_live_preview_sets_no_cookie_while_pages_still_do(trainer_client, monkeypatch):
    """A reply without Set-Cookie cannot put back an older cookie (and its lost flash)."""
    monkeypatch.setattr(background_requests, "REFRESH_AFTER", timedelta(0))  # always due
    token = trainer_client.csrf_token()
    page = trainer_client.get("/dashboard")
    assert "lms_session=" in page.headers.get("Set-Cookie", "")  # the sliding session
    preview = trainer_client.post(
        "/manage/preview", data={"source": "# Heading"}, headers={"X-CSRFToken": token}
    )
    assert preview.status_code == 200 and "<h1" in preview.get_json()["html"]
    assert "Set-Cookie" not in preview.headers


def _signed_hours_ago(app, client, hours: float) -> str:
    """The client's session cookie signed again as if ``hours`` ago."""
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(client.get_cookie("lms_session").value)
    stamp = int(time.time() - hours * 3600)
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: stamp
    try:
        return serializer.dumps(data)
    finally:
        TimestampSigner.get_timestamp = original


def test_an_unchanged_session_cookie_slides_at_most_once_an_hour(app, trainer_client):
    """Pages do not sign and send the session cookie again while it is fresh; one signed
    more than ``REFRESH_AFTER`` ago is sent again (its expiry slid forward), once."""
    trainer_client.get("/dashboard")  # the first page puts a CSRF token in the session
    fresh = trainer_client.get("/dashboard")
    assert fresh.status_code == 200 and "Set-Cookie" not in fresh.headers

    trainer_client.set_cookie("lms_session", _signed_hours_ago(app, trainer_client, 1.5))
    due = trainer_client.get("/dashboard")
    assert due.status_code == 200
    assert "lms_session=" in due.headers.get("Set-Cookie", "")
    signed_at = app.session_interface.get_signing_serializer(app).loads(
        trainer_client.get_cookie("lms_session").value, return_timestamp=True
    )[1]
    assert time.time() - signed_at.timestamp() < 60

    again = trainer_client.get("/dashboard")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers


def test_a_session_cookie_past_the_idle_limit_is_not_accepted(app, trainer_client):
    """Sliding by the hour keeps Flask's check of the cookie's age (the idle limit)."""
    idle_hours = app.permanent_session_lifetime.total_seconds() / 3600
    trainer_client.set_cookie("lms_session", _signed_hours_ago(app, trainer_client, idle_hours + 1))
    page = trainer_client.get("/dashboard")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
