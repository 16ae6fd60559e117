"""The public side of the register of mediators: only entries whose certificate is valid today
are shown (revoke, suspend, expiry hide one at once; reinstatement and renewal bring it
back; a reissue renames it), search by name (Cyrillic, any case), region, language and
qualification, paging, the JSON feed (shape, links, CORS, ETag), the link from the
verification page, the pages in Russian and Kazakh, and no N+1 on the list."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from certificates import lifecycle, register_list, status
from certificates.register_models import RegisterConsent
from lms.extensions import db
from lms.formatting import format_date

from .register_helpers import list_holder, names_on


@pytest.fixture
def qualification(make_qualification):
    return make_qualification(kind="qualification", slug="cpm", validity_months=12)


@pytest.fixture
def listed(qualification, issue_to, make_user):
    """A holder listed in Almaty, mediating in Kazakh and Russian."""
    holder = make_user(full_name="Әсел Төлеуова")
    certificate = issue_to(qualification, holder)
    list_holder(holder, certificate)
    return certificate


def test_an_entry_shows_what_the_holder_chose_and_links_to_verification(client, listed):
    page = client.get("/mediators").get_data(as_text=True)
    assert "Әсел Төлеуова" in page and "Almaty" in page and "Қазақша" in page
    assert f'href="/verify/{listed.number}"' in page
    assert "not the register of professional mediators" in page
    verification = client.get(f"/verify/{listed.number}").get_data(as_text=True)
    assert "Listed in the public register of mediators" in verification


@pytest.mark.parametrize("change", ["suspend", "revoke", "expire"])
def test_an_entry_goes_the_moment_its_certificate_stops_being_valid(
    client, listed, trainer, monkeypatch, change
):
    assert names_on(client) == ["Әсел Төлеуова"]
    if change == "suspend":
        lifecycle.suspend(listed, "under_review", trainer)
    elif change == "revoke":
        lifecycle.revoke(listed, "issued_in_error", trainer)
    else:  # the site's calendar moves past the expiry date (for the list and the status)
        after = listed.expires_on + timedelta(days=1)
        monkeypatch.setattr(register_list, "site_today", lambda: after)
        monkeypatch.setattr(status, "site_today", lambda: after)
    assert names_on(client) == []
    assert "Әсел Төлеуова" not in client.get("/mediators").get_data(as_text=True)
    verification = client.get(f"/verify/{listed.number}").get_data(as_text=True)
    assert "Listed in the public register" not in verification


def test_the_last_day_of_validity_still_counts(client, listed, monkeypatch):
    monkeypatch.setattr(register_list, "site_today", lambda: listed.expires_on)
    assert names_on(client) == ["Әсел Төлеуова"]


def test_a_reinstatement_shows_the_entry_again(client, listed, trainer):
    lifecycle.suspend(listed, "under_review", trainer)
    lifecycle.reinstate(listed, "Matter closed", trainer)
    assert names_on(client) == ["Әсел Төлеуова"]


def test_the_entry_follows_a_renewal_and_a_reissue(client, listed, trainer, admin):
    renewed = lifecycle.renew(listed, reason="Continuing education", by=trainer)
    item = client.get("/mediators.json").get_json()["items"][0]
    assert item["certificate_number"] == renewed.number
    assert item["valid_until"] == renewed.expires_on.isoformat()
    reissued = lifecycle.reissue(renewed, reason="Name misspelt", by=admin, name="Әсел Төлеуқызы")
    item = client.get("/mediators.json").get_json()["items"][0]
    assert (item["name"], item["certificate_number"]) == ("Әсел Төлеуқызы", reissued.number)


@pytest.fixture
def several(qualification, make_qualification, issue_to, make_user):
    other = make_qualification(kind="qualification", slug="family")
    people = [
        ("Әсел Төлеуова", qualification, "almaty", ["kk", "ru"]),
        ("Ұлан Серікбаев", qualification, "astana", ["kk"]),
        ("Мария Иванова", other, "almaty", ["ru", "en"]),
        ("Daniyar Ospanov", other, "ulytau", ["en"]),
    ]
    for name, q, region, languages in people:
        holder = make_user(full_name=name)
        list_holder(holder, issue_to(q, holder), region=region, languages=languages)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=%C3%A4", []),  # nothing matches
        ("q=әсел", ["Әсел Төлеуова"]),  # Kazakh letters, any case
        ("q=ҰЛАН", ["Ұлан Серікбаев"]),
        ("q=иванова", ["Мария Иванова"]),
        ("q=OSPAN", ["Daniyar Ospanov"]),
        ("region=almaty", ["Әсел Төлеуова", "Мария Иванова"]),
        ("language=kk", ["Әсел Төлеуова", "Ұлан Серікбаев"]),
        ("language=en", ["Daniyar Ospanov", "Мария Иванова"]),
        ("qualification=family", ["Daniyar Ospanov", "Мария Иванова"]),
        ("region=almaty&language=ru&qualification=cpm", ["Әсел Төлеуова"]),
    ],
)
def test_each_filter(client, several, query, expected):
    # The order is by name as the database collates it: compared as sets of names here.
    assert sorted(names_on(client, query)) == sorted(expected)
    page = client.get(f"/mediators?{query}").get_data(as_text=True)
    for name in expected:
        assert name in page
    if not expected:
        assert "No listed mediator matches this search." in page


def test_unknown_filter_values(client, several):
    page = client.get("/mediators?region=atlantis&language=xx")
    assert page.status_code == 200  # ignored on the page
    assert "Daniyar Ospanov" in page.get_data(as_text=True)
    feed = client.get("/mediators.json?region=atlantis")
    assert feed.status_code == 400  # refused in the feed, which a program reads
    assert feed.get_json()["error"]["message"] == "Unknown value of: region."
    assert feed.headers["Access-Control-Allow-Origin"] == "*"


def test_pages_and_feed_links(client, qualification, issue_to, make_user):
    for number in range(23):
        holder = make_user(full_name=f"Mediator {number:02d}")
        list_holder(holder, issue_to(qualification, holder))
    first = client.get("/mediators").get_data(as_text=True)
    assert "Mediator 19" in first and "Mediator 20" not in first  # 20 a page, by name
    assert "23 mediators listed" in first
    second = client.get("/mediators?page=2").get_data(as_text=True)
    assert "Mediator 22" in second and "Mediator 19" not in second
    feed = client.get("/mediators.json?per_page=10&page=2&language=kk").get_json()
    assert (feed["page"], feed["per_page"], feed["total"], feed["pages"]) == (2, 10, 23, 3)
    assert feed["items"][0]["name"] == "Mediator 10"
    links = {name: urlsplit(link) for name, link in feed["links"].items() if link}
    assert feed["links"]["next"].startswith("http://127.0.0.1:5000/mediators.json?")
    for name, page in (("self", "2"), ("first", "1"), ("prev", "1"), ("next", "3"), ("last", "3")):
        query = parse_qs(links[name].query)
        assert query == {"per_page": ["10"], "language": ["kk"], "page": [page]}, name
    assert parse_qs(links["html"].query) == {"language": ["kk"]}  # the same list, as a page
    last = client.get(f"{links['next'].path}?{links['next'].query}").get_json()
    assert last["links"]["next"] is None and len(last["items"]) == 3


def test_the_feed_shape_cors_and_etag(client, listed):
    response = client.get("/mediators.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "no-cache"
    (item,) = response.get_json()["items"]
    assert set(item) == {
        "name",
        "qualification",
        "region",
        "languages",
        "valid_until",
        "contacts",
        "certificate_number",
        "verify_url",
    }
    assert item["region"] == {
        "code": "almaty",
        "name": {"en": "Almaty", "ru": "Алматы", "kk": "Алматы"},
    }
    assert item["qualification"]["slug"] == "cpm"
    assert set(item["qualification"]["title"]) == {"en", "ru", "kk"}
    assert item["languages"] == ["kk", "ru"]
    assert item["verify_url"].endswith(f"/verify/{listed.number}")
    assert item["valid_until"] == listed.expires_on.isoformat()
    etag = response.headers["ETag"]
    again = client.get("/mediators.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    preflight = client.options("/mediators.json")
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_the_etag_changes_when_an_entry_goes(client, listed, trainer):
    etag = client.get("/mediators.json").headers["ETag"]
    lifecycle.suspend(listed, "under_review", trainer)
    response = client.get("/mediators.json", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.get_json()["items"] == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_pages_render_in_russian_and_kazakh(app, login, make_user, listed, language):
    reader = login(make_user(language=language))
    page = reader.get("/mediators")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    heading = {"ru": "Публичный реестр медиаторов", "kk": "Медиаторлардың ашық тізілімі"}
    assert heading[language] in text
    assert "Алматы" in text and "Қазақша" in text
    assert format_date(listed.expires_on, locale=language) in text
    assert "Public register of mediators" not in text
    holder_page = reader.get("/certificates/")
    assert holder_page.status_code == 200


def test_the_list_costs_the_same_queries_for_3_or_12_entries(
    client, qualification, issue_to, make_user, count_queries
):
    def add(count: int) -> None:
        for _ in range(count):
            holder = make_user()
            list_holder(holder, issue_to(qualification, holder))

    add(3)
    client.get("/mediators")  # the session and the caches warm
    with count_queries() as few:
        assert client.get("/mediators").status_code == 200
    add(9)
    with count_queries() as many:
        page = client.get("/mediators")
    assert page.get_data(as_text=True).count('class="card h-100 mediator-entry"') == 12
    assert many.n == few.n <= 4


def test_the_demo_lists_one_mediator_who_consented_in_her_own_language(client, seed_demo):
    seed_demo()
    feed = client.get("/mediators.json").get_json()
    assert [e["name"] for e in feed["items"]] == ["Әсел Қанатқызы Төлеуова"]
    page = client.get("/mediators?q=әсел").get_data(as_text=True)
    assert "Әсел Қанатқызы Төлеуова" in page and "asel.mediator@example.kz" in page
    consent = db.session.query(RegisterConsent).one()
    assert consent.language == "kk" and "медиатор" in consent.text
