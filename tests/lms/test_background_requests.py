"""Background requests (live preview, quiz autosave) never rewrite the session cookie, so a
late reply cannot put back an older cookie and lose a form's flash message."""

from __future__ import annotations


def test_the_live_preview_sets_no_cookie_while_pages_still_do(trainer_client):
    """A reply without Set-Cookie cannot put back an older cookie (and its lost flash)."""
    token = trainer_client.csrf_token()
    page = trainer_client.get("/dashboard")
    assert "lms_session=" in page.headers.get("Set-Cookie", "")  # the sliding session
    preview = trainer_client.post(
        "/manage/preview", data={"source": "# Heading"}, headers={"X-CSRFToken": token}
    )
    assert preview.status_code == 200 and "<h1" in preview.get_json()["html"]
    assert "Set-Cookie" not in preview.headers
