"""lms.public_reading: records open to any site's pages, answered conditionally."""

from __future__ import annotations

from lms.public_reading import conditional, open_for_reading


def test_a_record_is_open_to_any_site_with_each_header_once(client):
    for url in ("/.well-known/jwks.json", "/.well-known/did.json"):
        headers = client.get(url).headers
        assert headers.getlist("Access-Control-Allow-Origin") == ["*"]
        assert headers.getlist("Access-Control-Allow-Headers") == ["Content-Type, If-None-Match"]
    preflight = client.options("/api/v1/certificates/ANY-NUMBER")
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS"


def test_only_a_conditional_request_is_answered_conditionally(app):
    def answer(**headers):
        with app.test_request_context("/record", headers=headers):
            response = app.response_class('{"a": 1}', mimetype="application/json")
            response.set_etag("v1")
            return open_for_reading(conditional(response))

    plain = answer()
    assert plain.status_code == 200 and plain.get_data() == b'{"a": 1}'
    assert "Date" not in plain.headers  # Werkzeug's conditional answer was not built
    same = answer(**{"If-None-Match": '"v1"'})
    assert same.status_code == 304
    assert same.headers["Access-Control-Allow-Origin"] == "*"
    changed = answer(**{"If-None-Match": '"v0"'})
    assert changed.status_code == 200 and changed.get_data() == b'{"a": 1}'
    part = answer(Range="bytes=0-3")
    assert part.status_code == 200  # no ranges offered: the whole record
