"""Public pages as visitors see them, kept for a few seconds (lms.public_pages)."""

from __future__ import annotations

import pytest
from flask import template_rendered

from lms import public_pages, site_settings


@pytest.fixture
def config_overrides() -> dict:
    return {"PUBLIC_PAGE_SECONDS": 60}


@pytest.fixture(autouse=True)
def _fresh():
    public_pages.clear()
    yield
    public_pages.clear()


@pytest.fixture
def rendered(app):
    """Names of the templates rendered during the test."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def test_a_visitors_page_is_rendered_once_per_language(client, rendered):
    first = client.get("/", headers={"Accept-Language": "ru"})
    second = client.get("/", headers={"Accept-Language": "ru"})
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()
    assert rendered.count("main/home.html") == 1
    # The hooks after every view still run on the kept page.
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert second.headers["Cache-Control"] == "no-store"
    kazakh = client.get("/", headers={"Accept-Language": "kk"})
    assert '<html lang="kk">' in kazakh.get_data(as_text=True)
    assert rendered.count("main/home.html") == 2


def test_signed_in_users_never_get_a_kept_page(client, trainee_client, trainee):
    client.get("/")
    page = trainee_client.get("/").get_data(as_text=True)
    assert trainee.display_name in page
    assert "Log out" in page


def test_a_page_with_a_message_to_show_is_rendered_for_its_reader(client):
    client.get("/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message only for this visitor")]
    assert "A message only for this visitor" in client.get("/").get_data(as_text=True)
    # The message is shown once; the next page is the kept one again.
    assert "A message only for this visitor" not in client.get("/").get_data(as_text=True)


def test_pages_are_kept_per_address(client, rendered):
    client.get("/verify")
    client.get("/verify?unused=1")
    client.get("/verify")
    assert rendered.count("certificates/verify.html") == 2


def test_a_change_shows_once_the_seconds_have_passed(client, monkeypatch):
    client.get("/")
    site_settings._set("organisation_name.en", "Almaty Mediation Centre")
    assert "Almaty Mediation Centre" not in client.get("/").get_data(as_text=True)
    later = public_pages.time.monotonic() + 61
    monkeypatch.setattr(public_pages.time, "monotonic", lambda: later)
    assert "Almaty Mediation Centre" in client.get("/").get_data(as_text=True)


def test_only_successful_pages_are_kept(client, rendered):
    assert client.get("/verify?number=ABC").status_code == 302
    assert client.get("/glossary?x=1", headers={"Accept-Language": "ru"}).status_code == 200
    assert [key[2] for key in public_pages._pages] == ["/glossary?x=1"]


def test_at_most_a_bounded_number_of_pages_is_kept(client, monkeypatch):
    monkeypatch.setattr(public_pages, "MAX_PAGES", 3)
    for n in range(6):
        client.get(f"/glossary?n={n}")
    assert [key[2] for key in public_pages._pages] == [f"/glossary?n={n}" for n in (3, 4, 5)]


def test_a_page_that_sets_a_cookie_is_not_kept(app, client, monkeypatch):
    def home_with_cookie():
        response = app.make_response("<p>for one visitor</p>")
        response.set_cookie("visitor", "a")
        return response

    monkeypatch.setitem(
        app.view_functions, "main.home", public_pages.for_visitors(home_with_cookie)
    )
    assert "visitor=a" in client.get("/").headers["Set-Cookie"]
    assert public_pages._pages == {}


def test_the_catalogue_is_kept_per_search(client, rendered):
    client.get("/courses/")
    client.get("/courses/?q=mediation")
    client.get("/courses/")
    client.get("/courses/?q=mediation")
    assert rendered.count("courses/catalogue.html") == 2


def test_a_visitor_without_cookies_is_answered_without_loading_a_user(
    app, client, trainee, login, monkeypatch
):
    """A sign-in lives in the session cookie only, so a request with no cookie at all is a
    visitor's: the kept page and the language are found without Flask-Login loading a user
    (it hashes address and browser each time); a signed-in browser still gets its own page."""
    from lms.extensions import login_manager

    loads = []
    original = login_manager._load_user
    monkeypatch.setattr(login_manager, "_load_user", lambda: loads.append(1) or original())
    first = client.get("/", headers={"Accept-Language": "ru"})
    assert first.status_code == 200 and '<html lang="ru">' in first.get_data(as_text=True)
    loads.clear()
    again = client.get("/", headers={"Accept-Language": "ru"})
    assert again.get_data() == first.get_data() and loads == []
    assert again.headers.getlist("Vary") == ["Cookie"]  # it differs for a signed-in user
    browser = login(trainee)
    page = browser.get("/").get_data(as_text=True)
    assert trainee.display_name in page and loads  # the user was loaded for them
