"""How a request's transaction ends (``lms.database.end_read_only_transaction``): a transaction
that only read is committed, so psycopg keeps the statements it prepared on that connection
(a ROLLBACK makes it forget them all); one that wrote, failed or holds unsaved changes is
rolled back as before."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from lms.database import end_read_only_transaction
from lms.extensions import db
from lms.models import User


@pytest.fixture
def endings(app):
    """What the engine's transactions ended with, in order."""
    seen: list[str] = []

    def on_commit(connection):
        seen.append("commit")

    def on_rollback(connection):
        seen.append("rollback")

    event.listen(db.engine, "commit", on_commit)
    event.listen(db.engine, "rollback", on_rollback)
    yield seen
    event.remove(db.engine, "commit", on_commit)
    event.remove(db.engine, "rollback", on_rollback)


def test_a_page_that_only_reads_ends_its_transaction_with_a_commit(app, trainee, login, endings):
    browser = login(trainee)
    browser.get("/dashboard")  # the login session's last touch is written on the first
    endings.clear()
    assert browser.get("/dashboard").status_code == 200
    assert endings == ["commit"]


def test_a_transaction_that_wrote_is_rolled_back_not_committed(app, endings):
    db.session.execute(
        text("UPDATE users SET display_name = 'changed' WHERE id = -1")  # touches no row
    )
    assert end_read_only_transaction(db.session) is False
    db.session.remove()
    assert endings == ["rollback"]


def test_changes_not_yet_flushed_are_never_committed(app, make_user):
    user = make_user("trainee", display_name="Before")
    user_id = user.id
    db.session.execute(select(User.id)).all()
    user.display_name = "Unsaved"
    assert end_read_only_transaction(db.session) is False
    db.session.remove()
    assert db.session.get(User, user_id).display_name == "Before"


def test_a_flushed_but_uncommitted_row_is_never_committed(app):
    before = db.session.scalar(select(func.count(User.id)))
    db.session.add(
        User(
            email="flushed@example.kz",
            display_name="F",
            full_name="Flushed",
            password_hash="x",
            role="trainee",
        )
    )
    db.session.flush()
    assert end_read_only_transaction(db.session) is False
    db.session.remove()
    assert db.session.scalar(select(func.count(User.id))) == before


def test_a_request_that_failed_is_rolled_back(app, endings):
    db.session.execute(select(User.id)).all()
    assert end_read_only_transaction(db.session, RuntimeError("the view failed")) is False
    db.session.remove()
    assert endings == ["rollback"]


def test_psycopg_keeps_its_prepared_statements_across_read_only_requests(app, backend):
    """psycopg prepares a statement after five runs on a connection and forgets all of them
    at a ROLLBACK: ended by a ROLLBACK, a request's statements were never prepared."""
    if backend.name != "postgresql":
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    statement = select(User.id).where(User.email == "nobody-prepared@example.kz")
    for _ in range(30):  # each pooled connection runs it more than five times
        db.session.execute(statement).all()
        assert end_read_only_transaction(db.session) is True
        db.session.remove()
    db.session.execute(statement).all()
    bound = db.session.execute(
        text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :pattern"),
        {"pattern": "SELECT users.id %FROM users%WHERE users.email = $1%"},
    ).scalar()
    assert bound == 1


def test_a_commit_that_fails_leaves_the_transaction_to_the_rollback(app, monkeypatch):
    """The database gone between the page's last statement and the end: nothing was written,
    so nothing is lost, and the request is not turned into an error."""
    from sqlalchemy.exc import OperationalError

    db.session.execute(select(User.id)).all()

    def fail():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session(), "commit", fail)
    assert end_read_only_transaction(db.session) is False
    db.session.remove()


def test_a_transaction_that_ran_nothing_opens_no_connection_to_end(app):
    """A session that began a transaction but ran no statement has no connection: ending it
    checks none out (no round trip for a page that never read the database)."""
    checkouts = []

    def on_checkout(*args):
        checkouts.append(args)

    db.session.remove()
    event.listen(db.engine, "checkout", on_checkout)
    try:
        db.session.begin()
        assert end_read_only_transaction(db.session) is False
        db.session.remove()
    finally:
        event.remove(db.engine, "checkout", on_checkout)
    assert checkouts == []
