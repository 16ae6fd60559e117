"""Public verification: the page, the JSON API, the keys, the rate limit and the lookup log."""

from __future__ import annotations

import select as sockets
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, select, text

from certificates import lifecycle
from certificates.keys import key_ring
from certificates.lookup_counts import flush_lookups, lookup_totals
from certificates.models import Certificate, VerificationLookup
from certificates.numbers import CHECK_ALPHABET
from certificates.signing import verify
from lms.extensions import db


@pytest.fixture
def certificate(make_qualification, issue_to, make_user):
    holder = make_user(full_name="Нұрлан Әбдіқадыров", email="nurlan.private@example.kz")
    return issue_to(make_qualification(), holder, language="kk")


def _typo(number: str) -> str:
    wrong = next(s for s in CHECK_ALPHABET if s != number[-1])
    return number[:-1] + wrong


def test_valid_certificate_shows_every_printed_field_and_no_email(client, certificate):
    page = client.get(f"/verify/{certificate.number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    facts = certificate.facts
    assert "Valid certificate" in html
    for printed in (
        certificate.number,
        "Нұрлан Әбдіқадыров",
        facts["qualification"]["title"],
        facts["issuer"],
        facts["disclaimer"],
    ):
        assert printed in html
    assert "nurlan.private@example.kz" not in html
    assert "The signature checks out" in html


def test_lower_case_and_spaces_redirect_to_the_canonical_page(client, certificate):
    loose = certificate.number.lower().replace("-", " ")
    response = client.get(f"/verify/{loose}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/verify/{certificate.number}")
    form = client.get("/verify", query_string={"number": loose}, follow_redirects=True)
    assert form.status_code == 200 and certificate.number in form.get_data(as_text=True)


def test_a_typo_is_reported_without_touching_the_database(client, certificate, count_queries):
    typo = _typo(certificate.number)
    client.get("/verify")  # the settings every page shows are read (then kept per process)
    with count_queries() as counted:
        page = client.get(f"/verify/{typo}")
        api = client.get(f"/api/v1/certificates/{typo}")
    assert page.status_code == 400 and api.status_code == 400
    assert "Probably a typing mistake" in page.get_data(as_text=True)
    assert counted.n == 0  # not even the count of lookups: it is buffered
    assert flush_lookups() == 2
    assert lookup_totals(outcome="typo") == 2


def test_a_found_certificate_costs_one_query_and_no_write(client, certificate, count_queries):
    client.get(f"/verify/{certificate.number}")  # the session and the keys exist
    for url in (f"/verify/{certificate.number}", f"/api/v1/certificates/{certificate.number}"):
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        assert counted.n == 1, url
    with count_queries() as counted:
        assert client.get("/api/v1/certificates/KZM-0000-0000-0000-0001-1").status_code == 404
    assert counted.n == 1
    assert lookup_totals() == 0  # nothing written yet


def test_unknown_and_garbage_numbers(client, certificate):
    unknown = client.get("/verify/KZM-0000-0000-0000-0001-1")
    assert unknown.status_code == 404
    assert "No certificate with the number" in unknown.get_data(as_text=True)
    garbage = client.get("/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert garbage.status_code == 400
    assert "<script>alert" not in garbage.get_data(as_text=True)


def test_expired_certificate(client, make_qualification, issue_to, make_user):
    qualification = make_qualification(validity_months=1)
    old = issue_to(qualification, make_user(), today=date.today() - timedelta(days=90))
    html = client.get(f"/verify/{old.number}").get_data(as_text=True)
    assert "Expired" in html and "Valid certificate" not in html
    assert client.get(f"/api/v1/certificates/{old.number}").get_json()["status"] == "expired"


def test_superseded_points_to_the_replacement(client, certificate, trainer):
    new = lifecycle.reissue(
        certificate, reason="Name misspelt", by=trainer, name="Нұрлан Әбдіқадыр"
    )
    html = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert "Replaced by a newer certificate" in html
    assert f'/verify/{new.number}"' in html
    fresh = client.get(f"/verify/{new.number}").get_data(as_text=True)
    assert "Valid certificate" in fresh and "Нұрлан Әбдіқадыр" in fresh
    assert "It does not make the certificate valid" not in fresh


def test_api_returns_status_facts_and_jws_with_open_cors(client, certificate):
    response = client.get(f"/api/v1/certificates/{certificate.number.lower()}")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert body["status"] == "valid"
    assert body["facts"] == certificate.facts
    assert body["jws"] == certificate.jws
    assert body["signature"] == {"valid": True, "kid": key_ring().current().thumbprint()}
    assert "email" not in response.get_data(as_text=True)
    preflight = client.options(f"/api/v1/certificates/{certificate.number}")
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_api_errors_are_json(client, certificate):
    typo = client.get(f"/api/v1/certificates/{_typo(certificate.number)}")
    assert typo.status_code == 400 and "mistyped" in typo.get_json()["error"]["message"]
    unknown = client.get("/api/v1/certificates/KZM-0000-0000-0000-0001-1")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == 404


def test_jwks_and_openapi_are_published(client, certificate):
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.headers["Access-Control-Allow-Origin"] == "*"
    assert [k["kid"] for k in jwks.get_json()["keys"]] == [certificate.key_id]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/certificates/{number}" in spec["paths"]


def test_a_tampered_record_fails_the_signature_check(client, certificate):
    certificate.facts_json = certificate.facts_json.replace("Нұрлан", "Иван")
    db.session.commit()
    html = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert "does not check out" in html
    assert (
        client.get(f"/api/v1/certificates/{certificate.number}").get_json()["signature"]["valid"]
        is False
    )


def test_every_lookup_is_counted_with_a_hashed_ip(client, certificate):
    address = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(2):
        client.get(f"/verify/{certificate.number}", environ_base=address)
    client.get(f"/api/v1/certificates/{_typo(certificate.number)}", environ_base=address)
    client.get(f"/api/v1/certificates/{certificate.number}", environ_base={"REMOTE_ADDR": "::1"})
    assert db.session.scalars(select(VerificationLookup)).all() == []  # no write on a read
    assert flush_lookups() == 4
    assert flush_lookups() == 0  # written once
    rows = list(db.session.scalars(select(VerificationLookup).order_by(VerificationLookup.id)))
    counts = sorted((r.outcome, r.channel, r.count, r.certificate_id) for r in rows)
    assert counts == [
        ("found", "api", 1, certificate.id),
        ("found", "page", 2, certificate.id),
        ("typo", "api", 1, None),
    ]
    by_address = {r.outcome + r.channel: r.ip_hash for r in rows}
    assert by_address["foundpage"] == by_address["typoapi"] != by_address["foundapi"]
    assert "203.0.113.9" not in by_address["foundpage"] and len(by_address["foundpage"]) == 64
    assert lookup_totals(ip_hash=by_address["foundpage"]) == 3
    assert lookup_totals(certificate_id=certificate.id) == 3


class TestLookupBatches:
    @pytest.fixture
    def config_overrides(self):
        return {"VERIFY_LOOKUP_FLUSH_EVERY": 3}

    def test_counts_are_written_once_a_batch_is_full(self, client, certificate):
        for _ in range(2):
            client.get(f"/api/v1/certificates/{certificate.number}")
        assert lookup_totals() == 0
        client.get(f"/verify/{certificate.number}")
        assert lookup_totals() == 3  # one INSERT for the three
        assert len(db.session.scalars(select(VerificationLookup)).all()) == 2  # api, page
        client.get(f"/verify/{certificate.number}")
        assert lookup_totals() == 3 and flush_lookups() == 1 and lookup_totals() == 4


def test_the_page_and_the_api_answer_304_while_nothing_changed(client, certificate, trainer):
    client.get("/")  # the browser's session (the page's ETag covers its CSRF token)
    for url in (f"/verify/{certificate.number}", f"/api/v1/certificates/{certificate.number}"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"]
        assert "no-cache" in first.headers["Cache-Control"]
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b"", url
        assert again.headers["ETag"] == first.headers["ETag"]
    page = client.get(f"/verify/{certificate.number}")
    assert page.headers["Cache-Control"] == "private, no-cache"  # it carries a CSRF token
    api = client.get(f"/api/v1/certificates/{certificate.number}")
    # The status changes: the old ETags no longer match, the new state is sent.
    lifecycle.suspend(certificate, "under_review", trainer)
    db.session.commit()
    for url, old in (
        (f"/verify/{certificate.number}", page.headers["ETag"]),
        (f"/api/v1/certificates/{certificate.number}", api.headers["ETag"]),
    ):
        changed = client.get(url, headers={"If-None-Match": old})
        assert changed.status_code == 200 and changed.headers["ETag"] != old
        assert "uspended" in changed.get_data(as_text=True)


def test_the_page_etag_depends_on_the_language(client, certificate):
    url = f"/verify/{certificate.number}"
    english = client.get(url, headers={"Accept-Language": "en"})
    russian = client.get(
        url, headers={"Accept-Language": "ru", "If-None-Match": english.headers["ETag"]}
    )
    assert russian.status_code == 200 and "Accept-Language" in russian.headers["Vary"]


def test_jwks_is_read_from_disk_once_and_again_after_a_key_is_added(
    client, certificate, monkeypatch
):
    reads: list[str] = []
    original = Path.read_bytes

    def counting(path: Path) -> bytes:
        if path.suffix == ".pem":
            reads.append(path.name)
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", counting)
    first = client.get("/.well-known/jwks.json")
    for _ in range(3):
        client.get("/.well-known/jwks.json")
        client.get(f"/api/v1/certificates/{certificate.number}")
    assert reads == []  # parsed when the certificate was signed, never since
    cached = client.get("/.well-known/jwks.json", headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304
    assert cached.headers["Cache-Control"] == "public, max-age=300"

    key_ring().rotate()  # e.g. `flask certificates rotate-key` on any instance
    fresh = client.get("/.well-known/jwks.json", headers={"If-None-Match": first.headers["ETag"]})
    assert fresh.status_code == 200 and len(fresh.get_json()["keys"]) == 2
    assert sorted(reads) == ["key-0001.pem", "key-0002.pem"]  # once, for every request after
    client.get("/.well-known/jwks.json")
    assert len(reads) == 2
    body = client.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert body["signature"] == {"valid": True, "kid": certificate.key_id}


def test_the_key_folder_is_listed_again_only_when_it_changed_or_a_second_passed(
    client, certificate, monkeypatch
):
    """Every lookup asks for the published keys; the folder is listed anew when a key is
    added (its modification time changes) and at least once a second (a file rewritten in
    place), not on every request."""
    import os
    import time as clock

    import certificates.keys as keys

    listings = []
    scandir = os.scandir

    def counting(path):
        listings.append(path)
        return scandir(path)

    now = [clock.monotonic()]
    monkeypatch.setattr(keys.os, "scandir", counting)
    monkeypatch.setattr(keys.time, "monotonic", lambda: now[0])
    client.get("/.well-known/jwks.json")
    before = len(listings)
    for _ in range(3):
        client.get("/.well-known/jwks.json")
        client.get(f"/api/v1/certificates/{certificate.number}")
    assert len(listings) == before  # the folder unchanged, within the second
    now[0] += keys.RELIST_SECONDS
    client.get("/.well-known/jwks.json")
    assert len(listings) == before + 1
    key_ring().rotate()  # a new file: the folder's time changes, no wait
    assert len(client.get("/.well-known/jwks.json").get_json()["keys"]) == 2


class TestRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"VERIFY_LIMIT_PER_IP": "3 per minute"}

    def test_lookups_are_limited_per_ip_with_a_friendly_429(self, client, certificate):
        url = f"/verify/{certificate.number}"
        for _ in range(3):
            assert client.get(url).status_code == 200
        limited = client.get(url)
        assert limited.status_code == 429
        assert "Retry-After" in limited.headers
        assert "Too many" in limited.get_data(as_text=True)
        api = client.get(f"/api/v1/certificates/{certificate.number}")
        assert api.status_code == 429 and api.get_json()["error"]["code"] == 429
        other = client.get(url, environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert other.status_code == 200

    def test_the_limit_headers_come_with_lookups_only(self, client, certificate):
        """Flask-Limiter's hooks after a request run only where it counted (lms.rate_limits):
        the lookups still carry their X-RateLimit headers, counting down, and other pages,
        before and after a lookup, none."""
        api = f"/api/v1/certificates/{certificate.number}"
        assert "X-RateLimit-Limit" not in client.get("/healthz").headers
        remaining = []
        for _ in range(2):
            headers = client.get(api).headers
            assert headers["X-RateLimit-Limit"] == "3"
            remaining.append(headers["X-RateLimit-Remaining"])
            assert not any(
                name.startswith("X-RateLimit") for name, _ in client.get("/").headers.items()
            )
        assert remaining == ["2", "1"]


def test_the_home_page_checks_a_number_straight_away(client, certificate):
    home = client.get("/").get_data(as_text=True)
    assert 'action="/verify"' in home and 'name="number"' in home
    answer = client.get(
        "/verify", query_string={"number": certificate.number.lower()}, follow_redirects=True
    )
    assert answer.status_code == 200 and "Valid certificate" in answer.get_data(as_text=True)


def test_a_certificate_stores_its_facts_once(certificate):
    stored = db.session.execute(
        select(Certificate.jws_signature, Certificate.jws_exact, Certificate.facts_zlib).where(
            Certificate.id == certificate.id
        )
    ).one()
    assert stored.jws_exact is None and len(stored.jws_signature) == 86  # Ed25519, base64url
    facts, kid = verify(certificate.jws, key_ring().jwks())
    assert facts == certificate.facts and kid == certificate.key_id
    assert certificate.jws.split(".")[2] == stored.jws_signature
    # The facts are kept compressed: well under the 2.7 KB the demo's records take as text.
    assert len(stored.facts_zlib) < len(certificate.facts_json.encode()) * 0.8


def _autocommit(connection) -> bool:
    raw = connection.connection.dbapi_connection
    if type(raw).__module__.startswith("psycopg"):
        return bool(raw.autocommit)
    return raw.isolation_level is None  # sqlite3: no implicit transactions


def test_a_lookup_reads_outside_a_transaction_and_leaves_the_pool_as_it_was(
    app, client, certificate, backend
):
    """On PostgreSQL a lookup's one SELECT runs in autocommit (no BEGIN, no ROLLBACK round
    trips: lms.database); the connection goes back to the pool as it came, so the session's
    work after it is transactional as ever from its first write. SQLite reads as it always
    did."""
    from sqlalchemy import event

    seen = []

    def before(connection, cursor, statement, parameters, context, executemany):
        if "AS has_credential" in statement:  # the lookup's one statement
            seen.append(_autocommit(connection))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(f"/api/v1/certificates/{certificate.number}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert seen == [backend.name == "postgresql"]
    # Every connection of the pool is transactional at its first write, and a rolled-back
    # write is gone.
    for _ in range(3):
        with db.engine.connect() as connection:
            connection.execute(text("UPDATE users SET display_name = display_name WHERE id = -1"))
            assert not _autocommit(connection)
            connection.rollback()
    certificate.status_note = "Changed and rolled back"
    db.session.flush()
    db.session.rollback()
    assert db.session.get(Certificate, certificate.id).status_note != "Changed and rolled back"


def test_a_lookup_sends_its_select_and_no_ping(client, certificate, postgresql, monkeypatch):
    """A pooled connection is not pinged before use (a round trip on every request), in
    production as here: a lookup on one is its one SELECT."""
    import psycopg

    from config import ProductionConfig

    production = ProductionConfig({"LMS_DATABASE_URL": "postgresql+psycopg://lms@db:5432/lms"})
    assert not production.SQLALCHEMY_ENGINE_OPTIONS.get("pool_pre_ping")

    number = certificate.number  # read now: the object is not reloaded while counting
    assert client.get(f"/api/v1/certificates/{number}").status_code == 200  # pooled now
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counting(cursor, query, params=None, **options):
        sent.append(str(query))
        return execute(cursor, query, params, **options)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    assert client.get(f"/api/v1/certificates/{number}").status_code == 200
    assert len(sent) == 1 and "AS has_credential" in sent[0]  # no "SELECT 1" before it


def _end_pooled_connection() -> tuple[int, int]:
    """End, from the server's side, the one connection left in the pool (the next checkout
    gets it); its backend's pid and its socket."""
    db.session.remove()
    db.engine.dispose()  # the pool starts again empty: the connection below is its only one
    with db.engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        socket = connection.connection.dbapi_connection.fileno()
    db.session.remove()
    other = create_engine(db.engine.url)
    try:
        with other.connect() as connection:
            ended = connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            assert ended.scalar()
    finally:
        other.dispose()
    return pid, socket


def _new_connections():
    connects: list = []

    def connected(dbapi_connection, record):
        connects.append(record)

    event.listen(db.engine, "connect", connected)
    return connects, lambda: event.remove(db.engine, "connect", connected)


def test_a_connection_the_server_closed_is_left_at_checkout(
    client, certificate, postgresql, trainee, login
):
    """A restart or a terminated session: the server says so and closes the socket. The
    pool sees it at checkout (no round trip) and hands out a new connection: the pages and
    the lookups answer as if nothing happened."""
    number = certificate.number
    browser = login(trainee)
    assert browser.get("/dashboard").status_code == 200
    for page in (browser, client):
        _pid, socket = _end_pooled_connection()
        assert sockets.select([socket], [], [], 10)[0]  # the server's word has arrived
        connects, stop = _new_connections()
        try:
            if page is browser:
                assert browser.get("/dashboard").status_code == 200
            else:
                reply = client.get(f"/api/v1/certificates/{number}")
                assert reply.status_code == 200 and reply.get_json()["number"] == number
        finally:
            stop()
        assert len(connects) == 1


def test_a_lookup_on_a_connection_that_died_unseen_is_sent_again(
    client, certificate, postgresql, monkeypatch
):
    """A connection that died with no word from the server (a network cut) passes the
    checkout; the lookup's SELECT finds it dead and is sent once more on a new one."""
    import lms.database

    number = certificate.number
    assert client.get(f"/api/v1/certificates/{number}").status_code == 200
    _end_pooled_connection()
    monkeypatch.setattr(lms.database, "_has_something_to_read", lambda socket: False)
    connects, stop = _new_connections()
    try:
        reply = client.get(f"/api/v1/certificates/{number}")
    finally:
        stop()
    assert reply.status_code == 200 and reply.get_json()["number"] == number
    assert len(connects) == 1
