"""Security headers, CSRF, cookies, proxy handling and redirect safety."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from lms import create_app
from lms.extensions import db
from lms.models import User
from lms.security import safe_next_url


@pytest.mark.parametrize(
    "url", ["/", "/login", "/does-not-exist", "/healthz", "/static/css/site.css"]
)
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script(client, trainee_client, admin_client):
    from html.parser import HTMLParser

    class Scripts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.problems = []

        def handle_starttag(self, tag, attrs):
            names = dict(attrs)
            if tag == "script" and not names.get("src"):
                self.problems.append("inline <script>")
            self.problems += [f"{tag}[{name}]" for name in names if name.startswith("on")]
            self.problems += [f"{tag}[style]" for name in names if name == "style"]

    pages = [
        (client, "/"),
        (client, "/login"),
        (client, "/signup"),
        (client, "/verify"),
        (trainee_client, "/dashboard"),
        (trainee_client, "/account/security"),
        (admin_client, "/admin/users"),
        (admin_client, "/admin/settings"),
    ]
    for browser, url in pages:
        parser = Scripts()
        parser.feed(browser.get(url).get_data(as_text=True))
        assert parser.problems == [], url


def test_form_without_csrf_token_is_rejected(client):
    response = client.post(
        "/signup",
        data={
            "email": "x@example.kz",
            "display_name": "X",
            "full_name": "X Y",
            "language": "en",
            "password": "long enough pass",
            "confirm": "long enough pass",
        },
    )
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_form_with_a_forged_csrf_token_is_rejected(client, trainee):
    response = client.post(
        "/login", data={"email": trainee.email, "password": "x", "csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_a_session_token_is_signed_once_per_process_and_still_accepted(
    trainee_client, login, trainer, monkeypatch
):
    """The layout's csrf_token() keeps the signed form of a session's token (tokens never
    expire here): the same on every page of the session however the clock moves, another
    session's its own, and accepted by a form as before."""
    import itertools
    import re

    import flask_wtf.csrf
    from itsdangerous import URLSafeTimedSerializer
    from itsdangerous.timed import TimestampSigner

    clock = itertools.count(1_800_000_000, 7)

    class MovingClock(TimestampSigner):  # every signature another second
        def get_timestamp(self):
            return next(clock)

    class Serializer(URLSafeTimedSerializer):
        default_signer = MovingClock

    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", Serializer)
    meta = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

    def token_of(browser) -> str:
        return meta.search(browser.get("/dashboard").get_data(as_text=True)).group(1)

    first, again = token_of(trainee_client), token_of(trainee_client)
    assert first == again  # Flask-WTF alone signs anew: another timestamp, another token
    other = login(trainer)
    assert token_of(other) != first
    # The kept token works: the language form of a signed-in user takes it.
    response = trainee_client.post(
        "/language", data={"language": "kk", "next": "/dashboard", "csrf_token": first}
    )
    assert response.status_code == 302
    forged = first[:-2] + ("AA" if not first.endswith("AA") else "BB")
    response = trainee_client.post(
        "/language", data={"language": "ru", "next": "/dashboard", "csrf_token": forged}
    )
    assert response.status_code == 400


def test_session_cookie_is_httponly_and_samesite_lax(client, trainee):
    response = client.login(trainee.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests and development


def test_production_cookies_are_secure():
    from config import ProductionConfig

    config = ProductionConfig(
        {"LMS_SECRET_KEY": "s" * 40, "LMS_DATABASE_URL": "sqlite:///:memory:"}
    )
    assert config.SESSION_COOKIE_SECURE is True
    assert config.REMEMBER_COOKIE_SECURE is True


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/dashboard", "/dashboard"),
        ("/a/b?c=d#e", "/a/b?c=d#e"),
        ("", None),
        (None, None),
        ("dashboard", None),
        ("//evil.example.com", None),
        ("///evil.example.com", None),
        ("/\\evil.example.com", None),
        ("https://evil.example.com/x", None),
        ("javascript:alert(1)", None),
        ("/ok\r\nSet-Cookie: x", None),
        ("/" + "a" * 3000, None),
    ],
)
def test_safe_next_url(target, safe):
    assert safe_next_url(target) == safe


def _remote_addr_app(tmp_path, hops: int):
    app = create_app(TestingConfig(instance_path=str(tmp_path), PROXY_FIX_HOPS=hops))

    @app.get("/_whoami")
    def whoami():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    return app


def test_proxy_fix_is_off_by_default(tmp_path):
    app = _remote_addr_app(tmp_path, 0)
    response = app.test_client().get(
        "/_whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    )
    assert response.get_data(as_text=True) == "127.0.0.1 http"


def test_proxy_fix_trusts_one_proxy_when_configured(tmp_path):
    app = _remote_addr_app(tmp_path, 1)
    response = app.test_client().get(
        "/_whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    )
    assert response.get_data(as_text=True) == "203.0.113.7 https"
    assert "Strict-Transport-Security" in response.headers


def test_a_reply_keeps_its_own_headers_and_gets_each_security_header_once(app, client):
    """The security headers are added only where the reply has none of its own (a PDF shown
    inline sets its own policy; the keys say how long to keep them), each exactly once."""
    from flask import make_response

    with app.test_request_context("/somewhere"):
        response = make_response("<p>own</p>")
        response.headers["content-security-policy"] = "frame-ancestors 'none'"  # any case
        response.headers["Cache-Control"] = "private, max-age=60"
        own = app.process_response(response).headers  # every hook after the view
    assert own.getlist("Content-Security-Policy") == ["frame-ancestors 'none'"]
    assert own.getlist("Cache-Control") == ["private, max-age=60"]
    assert own.getlist("X-Frame-Options") == ["DENY"]
    page = client.get("/").headers
    assert page.getlist("Cache-Control") == ["no-store"]  # a page of the site's own
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Permissions-Policy"):
        assert len(page.getlist(name)) == 1
    keys = client.get("/.well-known/jwks.json").headers
    assert "no-store" not in keys["Cache-Control"] and "max-age" in keys["Cache-Control"]
    secure = client.get("/", base_url="https://localhost").headers
    assert secure.getlist("Strict-Transport-Security") == ["max-age=31536000"]
    assert "Strict-Transport-Security" not in page


def test_the_session_serializer_is_built_once_per_set_of_keys(app, client, trainee, login):
    """Sessions are read without building a serializer per request; a new secret key (with
    the old one as a fallback) gets a serializer of its own, and a session signed with the
    old key still opens."""
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    browser = login(trainee)
    assert browser.get("/dashboard").status_code == 200
    old_key = app.secret_key
    try:
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        app.secret_key = app.config["SECRET_KEY"] = "another-secret-key-for-this-test-0123456789"
        rotated = interface.get_signing_serializer(app)
        assert rotated is not first and interface.get_signing_serializer(app) is rotated
        assert browser.get("/dashboard").status_code == 200  # signed with the old key
        app.config["SECRET_KEY_FALLBACKS"] = []
        app.secret_key = app.config["SECRET_KEY"] = "a-third-secret-key-for-this-test-0123456789"
        assert browser.get("/dashboard").status_code == 302  # its key is no longer known
    finally:
        app.secret_key = app.config["SECRET_KEY"] = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []


def test_a_visitors_reply_says_once_that_it_varies_with_the_cookie(app, client):
    """An empty session nobody changed writes no cookie; the reply still names ``Cookie``
    in ``Vary`` (the page differs for a signed-in user), once, beside what it names."""
    from flask import session

    home = client.get("/")
    assert home.headers.getlist("Vary") == ["Cookie"] and "Set-Cookie" not in home.headers
    cases = [
        (None, "Cookie"),
        ("Accept-Language", "Accept-Language, Cookie"),
        ("Accept-Language, cookie", "Accept-Language, cookie"),
        ("*", "*"),
    ]
    for before, after in cases:
        with app.test_request_context("/"):
            response = app.response_class("page")
            if before:
                response.headers["Vary"] = before
            session.get("_flashes")  # read, as every page does
            app.session_interface.save_session(app, session, response)
            assert response.headers.getlist("Vary") == [after]
            assert "Set-Cookie" not in response.headers


def test_the_csrf_check_runs_for_unsafe_methods_only(app, client):
    """Flask-WTF's hook is wrapped (lms.security): a GET or HEAD never reaches it, a POST
    does, and a form without its token is still refused."""
    from lms.security import _on_unsafe_methods

    hooks = app.before_request_funcs[None]
    found = [i for i, f in enumerate(hooks) if f.__name__ == "csrf_protect"]
    assert len(found) == 1 and hasattr(hooks[found[0]], "wrapped")
    installed = hooks[found[0]]
    calls = []

    def counted() -> None:
        calls.append(1)
        installed.wrapped()

    hooks[found[0]] = _on_unsafe_methods(counted)
    try:
        assert client.get("/").status_code == 200
        assert client.head("/courses/").status_code == 200
        assert calls == []
        refused = client.post("/login", data={"email": "a@example.kz", "password": "x"})
    finally:
        hooks[found[0]] = installed
    assert refused.status_code == 400 and calls == [1]
    assert "form expired" in refused.get_data(as_text=True)
