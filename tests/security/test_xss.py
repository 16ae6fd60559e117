"""Stored XSS: the payloads of ``tests/security/xss.py`` in every field a user controls,
then every page each role reaches by following links (through the HTTP client), every CSV
export and the e-mails built from those fields: none may carry a payload as markup.

The same pages are opened in chromium by ``test_xss_browser.py``; this test is the exact one
(the Content-Security-Policy would stop an injected inline script in a browser anyway, so a
browser that runs nothing does not prove the output was encoded).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import OutboxMessage, User
from seminars import registration
from seminars.models import Registration, Seminar
from tests.security.xss import PAYLOADS, TEMPLATE_RESULT, findings, plant

VISITORS = {
    "stranger": None,
    "trainee": "asel@example.kz",
    "other trainee": "ulan@example.kz",
    "trainer": "aigerim.trainer@example.kz",
    "admin": "admin@example.kz",
}
SKIPPED = ("/logout", "/static/", "/bootstrap/")
PAGE_LIMIT = 250
SAME_SHAPE = 2


@pytest.fixture
def config_overrides():
    return {"VERIFY_LIMIT_PER_IP": "10000 per minute"}


def _shape(path: str) -> str:
    import re

    return re.sub(r"\d+", "#", urlsplit(path).path)


def _walk(client, start: str) -> tuple[list[str], dict[str, list[str]], int]:
    """Visit what ``client`` reaches by links from ``start``; returns the pages visited, the
    findings per page, and how many pages showed a payload (as text)."""
    queue, seen, shapes = [start], {start}, Counter()
    visited, bad, showing = [], {}, 0
    while queue and len(visited) < PAGE_LIMIT:
        url = queue.pop(0)
        response = client.get(url)
        visited.append(url)
        if response.mimetype != "text/html" or response.status_code >= 300:
            continue
        html = response.get_data(as_text=True)
        if found := findings(html):
            bad[url] = found
        if "onerror=alert" in BeautifulSoup(html, "html.parser").get_text():
            showing += 1
        for link in BeautifulSoup(html, "html.parser").select("a[href]"):
            target = urljoin(url, link["href"]).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or parts.scheme not in ("", "http"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in seen or local.startswith(SKIPPED) or "page=" in parts.query:
                continue
            seen.add(local)
            if shapes[_shape(local)] >= SAME_SHAPE:
                continue
            shapes[_shape(local)] += 1
            queue.append(local)
    return visited, bad, showing


@pytest.mark.parametrize("who", list(VISITORS))
def test_no_page_carries_a_payload_as_markup(app, seed_demo, who):
    seed_demo()
    planted = plant()
    assert len(planted) > 20
    client = app.test_client()
    if email := VISITORS[who]:
        assert client.login(email, DEMO_PASSWORD).status_code == 302
    visited, bad, showing = _walk(client, "/dashboard" if VISITORS[who] else "/")
    assert len(visited) > 10, f"the walk as {who} reached almost nothing"
    assert showing >= 3, f"the walk as {who} saw the payloads on only {showing} pages"
    assert not bad, "\n".join(f"{url}: {found}" for url, found in bad.items())


def test_csv_exports_carry_the_payloads_as_text(app, seed_demo):
    """The exports hold the hostile names as plain cells (formula cells are neutralised by
    the tests next to each export: tests/certificates/test_manage_pages.py,
    tests/quizzes/test_marking.py, tests/seminars/test_attendance.py)."""
    seed_demo()
    plant()
    client = app.test_client()
    assert client.login("aigerim.trainer@example.kz", DEMO_PASSWORD).status_code == 302
    seminar = db.session.scalar(select(Seminar).order_by(Seminar.id))
    for url in (
        "/manage/certificates/export.csv",
        f"/manage/seminars/{seminar.id}/attendance.csv",
        "/manage/quizzes/1/gradebook.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "text/csv", url
        text = response.get_data(as_text=True)
        assert TEMPLATE_RESULT not in text
        cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], url


def test_e_mails_built_from_hostile_fields_escape_them(app, seed_demo):
    """A seat confirmation carries the seminar's title, venue, topics and the trainee's
    display name: in its HTML part they are text, never markup."""
    seed_demo()
    plant()
    ulan = db.session.scalar(select(User).where(User.email == "ulan@example.kz"))
    seminar = db.session.scalar(select(Seminar).where(Seminar.status == "open"))
    before = db.session.scalar(select(db.func.max(OutboxMessage.id))) or 0
    registration.register(seminar, ulan)
    db.session.commit()
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id > before, OutboxMessage.user_id == ulan.id)
    ).all()
    assert messages, "registering sends a confirmation"
    for message in messages:
        assert not findings(message.html), message.html
        assert "&lt;" in message.html, "the hostile title is in the message, escaped"
        # The subject and the text part are plain text: no HTML is made of them.
        assert seminar.title in message.text or any(p in message.text for p in PAYLOADS)


def test_a_certificate_issued_to_a_hostile_name_shows_it_as_text(app, seed_demo):
    """The holder's name is stored in the certificate's facts at issue and shown to anyone on
    the public verification page, the holder's list and the register."""
    from certificates import issuance
    from certificates.models import Qualification

    seed_demo()
    plant()
    asel = db.session.scalar(select(User).where(User.email == "asel@example.kz"))
    assert "<script>" in asel.full_name + asel.display_name
    attendance = db.session.scalar(
        select(Qualification).where(Qualification.slug == "seminar-attendance")
    )
    seminar = db.session.scalar(
        select(Seminar)
        .join(Registration, Registration.seminar_id == Seminar.id)
        .where(Registration.user_id == asel.id)
    )
    certificate, created = issuance.issue(attendance, asel, seminar, by=asel, language="en")
    db.session.commit()
    assert created
    stranger = app.test_client()
    owner = app.test_client()
    assert owner.login("asel@example.kz", DEMO_PASSWORD).status_code == 302
    admin = app.test_client()
    assert admin.login("admin@example.kz", DEMO_PASSWORD).status_code == 302
    for client, url in (
        (stranger, f"/verify/{certificate.number}"),
        (owner, "/certificates/"),
        (admin, f"/manage/certificates/{certificate.id}"),
        (admin, "/manage/certificates/"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert not findings(html), (url, findings(html))
        assert "alert(" in BeautifulSoup(html, "html.parser").get_text(), f"{url} shows the name"
    api = stranger.get(f"/api/v1/certificates/{certificate.number}")
    assert api.status_code == 200
    assert api.mimetype == "application/json"
