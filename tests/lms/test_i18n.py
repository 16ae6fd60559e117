"""Languages: the switcher, the browser's preference, the saved preference."""

from __future__ import annotations

import pytest

from lms.extensions import db

CATALOGUE_MISSING = "compiled translations missing: run `make translations` (make test does)"


@pytest.fixture(autouse=True)
def _compiled_catalogues(app):
    from pathlib import Path

    root = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    for language in ("ru", "kk"):
        if not (root / language / "LC_MESSAGES" / "messages.mo").exists():
            pytest.fail(CATALOGUE_MISSING)


def test_switcher_changes_the_page_language(client):
    response = client.post_form("/language", {"language": "ru", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Войти" in page


def test_switcher_ignores_unknown_languages_and_foreign_next(client):
    response = client.post_form("/language", {"language": "xx", "next": "https://evil.example.com"})
    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_browser_language_is_used_for_strangers(client):
    page = client.get("/", headers={"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.8"}).get_data(
        as_text=True
    )
    assert '<html lang="kk">' in page
    assert "Кіру" in page


def test_signed_in_users_keep_their_language(trainee_client, trainee):
    trainee_client.post_form("/language", {"language": "kk", "next": "/dashboard"})
    db.session.refresh(trainee)
    assert trainee.language == "kk"
    page = trainee_client.get("/dashboard", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert '<html lang="kk">' in page


def test_error_pages_are_translated(client):
    page = client.get("/nothing", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Page not found" not in page


def test_messages_after_login_use_the_users_language(client, make_user):
    user = make_user(language="ru")
    response = client.login(user.email)
    assert response.status_code == 302
    page = client.get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Welcome, " not in page  # the flash, in Russian
    assert "Добро пожаловать" in page


def test_a_visitor_chooses_a_language_by_a_plain_link(client):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/language"' in page and 'method="get"' in page
    response = client.get("/language?language=kk&next=/courses/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses/"
    assert '<html lang="kk">' in client.get("/").get_data(as_text=True)


def test_the_visitors_link_refuses_unknown_languages_and_foreign_next(client):
    response = client.get("/language?language=xx&next=//evil.example.com/")
    assert response.headers["Location"] == "/"
    assert "Set-Cookie" not in response.headers
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_public_pages_carry_no_token_and_set_no_cookie_for_visitors(client):
    for path in ("/", "/verify", "/courses/", "/glossary", "/mediators"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
        assert 'name="csrf-token"' not in response.get_data(as_text=True), path


def test_a_signed_in_user_switches_by_a_form_that_saves_the_choice(trainee_client, trainee):
    page = trainee_client.get("/dashboard").get_data(as_text=True)
    assert 'method="post"' in page and '<meta name="csrf-token"' in page
    # The visitors' link changes nothing for an account (its language is saved, by POST).
    trainee_client.get("/language?language=kk&next=/dashboard")
    db.session.refresh(trainee)
    assert trainee.language != "kk"
    assert '<html lang="kk">' not in trainee_client.get("/dashboard").get_data(as_text=True)


def test_templates_translate_as_jinjas_gettext_does(app):
    """lms.i18n.template_gettext keeps Jinja's newstyle semantics: variables escaped, the
    text always %-formatted, and each language its own texts."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = "{{ _('Log in') }}|{{ _('50%% done') }}|{{ _('Certificate %(number)s', number=n) }}"
    with app.test_request_context("/"):
        english = render_template_string(source, n="<b>")
        with force_locale("ru"):
            russian = render_template_string(source, n="<b>")
        again = render_template_string(source, n="<b>")
    assert english == again == "Log in|50% done|Certificate &lt;b&gt;"
    assert russian.startswith("Войти|50% done|")
    assert "&lt;b&gt;" in russian and "<b>" not in russian


@pytest.mark.parametrize(
    "header, expected",
    [
        ("kk-KZ,kk;q=0.9,ru;q=0.8", "kk"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        ("de-DE,de;q=0.9", "en"),  # none offered: the default
        ("en-GB;q=0.5,kk;q=0.7", "kk"),  # by quality, not by order
        ("", "en"),
        ("*", "en"),  # anything: the first offered
    ],
)
def test_a_visitors_language_is_the_browsers_best_match(app, header, expected):
    """The match is kept per Accept-Language value (lms.i18n), and agrees with Werkzeug's
    own on the request each time; the Locale given to Flask-Babel is made once per
    language."""
    from flask_babel import get_locale

    headers = {"Accept-Language": header} if header else {}
    locales = []
    for _ in range(2):
        with app.test_request_context("/", headers=headers):
            from flask import request

            werkzeug = request.accept_languages.best_match(app.config["LANGUAGES"])
            assert str(get_locale()) == (werkzeug or app.config["BABEL_DEFAULT_LOCALE"])
            assert str(get_locale()) == expected
            locales.append(get_locale())
    assert locales[0] is locales[1]
