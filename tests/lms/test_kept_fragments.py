"""The layout's kept fragments (lms.layout.KeptFragments, base.html): a visitor's header and
everyone's footer are rendered once per process and key, and every page shows exactly what
rendering them anew would show, whatever was kept before it."""

from __future__ import annotations

import pytest
from flask import render_template_string

from lms import site_settings
from lms.layout import KeptFragments


def _kept(app) -> dict:
    return next(e for e in app.jinja_env.extensions.values() if isinstance(e, KeptFragments)).kept


# A visitor's pages in each language, at several endpoints (the verification page with a
# mistyped number, the empty form, a missing page, the catalogue), the search results (whose
# header shows the query and is never kept) and the sign-in page.
VISITS = [
    ("/verify/KZM-7QX3-9D2K-M4TA-B8RZ-K", "ru"),
    ("/verify/KZM-7QX3-9D2K-M4TA-B8RZ-A", "kk"),
    ("/verify", "en"),
    ("/courses/", "kk"),
    ("/no-such-page", "ru"),
    ("/search?q=медиатор", "ru"),
    ("/search?q=other", "ru"),
    ("/login", "en"),
]


def _page(client, path: str, language: str) -> str:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code in (200, 400, 404), (path, response.status_code)
    return response.get_data(as_text=True)


def test_every_page_shows_what_rendering_anew_shows(app, client):
    kept = _kept(app)
    fresh = {}
    for path, language in VISITS:
        kept.clear()
        fresh[path, language] = _page(client, path, language)
    assert kept  # the pages did keep fragments
    for _round in range(2):  # in order, then again with everything kept
        for path, language in VISITS:
            assert _page(client, path, language) == fresh[path, language], (path, language)
    # Each page's own active menu entry, language and search query came through.
    assert 'value="медиатор"' in fresh["/search?q=медиатор", "ru"]
    assert 'value="other"' in fresh["/search?q=other", "ru"]
    assert '<html lang="kk">' in fresh["/courses/", "kk"]
    assert 'name="next" value="/courses/"' in fresh["/courses/", "kk"]
    assert not any(key[1:3] == ("ru", "search.results") for key in kept)


def test_a_signed_in_users_header_is_never_a_visitors(app, client, trainee_client, trainee):
    visitor_page = _page(client, "/courses/", "en")
    assert 'href="/login"' in visitor_page
    page = trainee_client.get("/courses/").get_data(as_text=True)
    assert trainee.display_name in page
    assert 'action="/logout"' in page and 'href="/login"' not in page
    assert 'name="csrf-token"' in page and 'name="csrf-token"' not in visitor_page
    assert not any(key[0].startswith("header") and key[1] is None for key in _kept(app))


def test_the_footer_follows_the_organisations_name(app, client, admin):
    before = _page(client, "/courses/", "en")
    name = site_settings.text_key("organisation_name", "en")
    site_settings.save({name: "Astana Mediation Centre"}, actor=admin)
    after = _page(client, "/courses/", "en")
    assert "Astana Mediation Centre" in after and "Astana Mediation Centre" not in before


def test_a_none_key_renders_every_time_and_the_store_is_bounded(app, monkeypatch):
    monkeypatch.setattr("lms.layout.FRAGMENTS_KEPT", 2)
    kept = _kept(app)
    kept.clear()
    source = "{% kept key %}{{ value }}{% endkept %}"
    with app.test_request_context("/"):
        assert render_template_string(source, key=None, value="a") == "a"
        assert render_template_string(source, key=None, value="b") == "b"
        assert render_template_string(source, key=("k",), value="<c>") == "&lt;c&gt;"
        assert render_template_string(source, key=("k",), value="d") == "&lt;c&gt;"  # kept
        assert render_template_string(source, key=("l",), value="e") == "e"
        assert render_template_string(source, key=("m",), value="f") == "f"
        assert render_template_string(source, key=("m",), value="g") == "g"  # store full
    assert set(kept) == {("k",), ("l",)}


def test_nothing_is_kept_while_templates_reload_on_change(app, monkeypatch):
    monkeypatch.setattr(app.jinja_env, "auto_reload", True)
    source = "{% kept key %}{{ value }}{% endkept %}"
    with app.test_request_context("/"):
        assert render_template_string(source, key=("k",), value="a") == "a"
        assert render_template_string(source, key=("k",), value="b") == "b"
    assert _kept(app) == {}


@pytest.fixture(autouse=True)
def _nothing_kept_from_other_tests(app):
    _kept(app).clear()
    yield
    _kept(app).clear()
