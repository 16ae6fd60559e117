"""Where a transaction begins on PostgreSQL (``lms.database.begin_at_first_write``): a
connection reads in autocommit, so a page that only reads sends neither BEGIN nor COMMIT,
and its first write (or row lock) begins the transaction that holds every write after it.
SQLite's driver already behaves so; these run on PostgreSQL only."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import OperationalError

from lms.extensions import db
from lms.models import User

IDLE, INTRANS = 0, 2  # psycopg.pq.TransactionStatus: no transaction, one open


@pytest.fixture
def statements(app, postgresql):
    """Each statement the engine ran: (its first word, autocommit, transaction status after)."""
    seen: list[tuple[str, bool, int]] = []

    def after(connection, cursor, statement, parameters, context, executemany):
        raw = connection.connection.dbapi_connection
        word = statement.split(None, 1)[0].upper()
        seen.append((word, raw.autocommit, raw.info.transaction_status))

    event.listen(db.engine, "after_cursor_execute", after)
    yield seen
    event.remove(db.engine, "after_cursor_execute", after)


def _new_user(email: str) -> User:
    return User(email=email, display_name="T", full_name="Test", password_hash="x", role="trainee")


def test_a_page_that_only_reads_runs_outside_any_transaction(app, trainee, login, statements):
    browser = login(trainee)
    browser.get("/dashboard")  # the login session's last touch is written on the first
    statements.clear()
    assert browser.get("/dashboard").status_code == 200
    assert len(statements) >= 3
    # No transaction was ever open: psycopg sent no BEGIN, so there was nothing to COMMIT.
    assert all(word == "SELECT" and auto and status == IDLE for word, auto, status in statements)


def test_the_first_write_begins_one_transaction_for_every_write_after_it(app, postgresql):
    db.session.execute(select(User.id)).all()
    raw = db.session.connection().connection.dbapi_connection
    assert raw.autocommit and raw.info.transaction_status == IDLE

    db.session.add(_new_user("first-write@example.kz"))
    db.session.flush()
    assert not raw.autocommit and raw.info.transaction_status == INTRANS
    db.session.add(_new_user("second-write@example.kz"))
    db.session.flush()
    db.session.rollback()  # both writes go: they were one transaction
    emails = ("first-write@example.kz", "second-write@example.kz")
    assert db.session.scalars(select(User.email).where(User.email.in_(emails))).all() == []

    db.session.add(_new_user("first-write@example.kz"))
    db.session.add(_new_user("second-write@example.kz"))
    db.session.commit()
    db.session.remove()
    assert sorted(db.session.scalars(select(User.email).where(User.email.in_(emails)))) == sorted(
        emails
    )
    # The connection went back to the pool and reads in autocommit again.
    raw = db.session.connection().connection.dbapi_connection
    assert raw.autocommit and raw.info.transaction_status == IDLE


def test_a_row_lock_is_held_until_the_transaction_ends(app, postgresql, make_user):
    user_id = make_user("trainee").id
    db.session.remove()
    db.session.execute(select(User).where(User.id == user_id).with_for_update()).one()
    raw = db.session.connection().connection.dbapi_connection
    assert raw.info.transaction_status == INTRANS
    other = create_engine(db.engine.url)
    try:
        with other.connect() as connection, pytest.raises(OperationalError, match="lock"):
            connection.execute(
                text("SELECT id FROM users WHERE id = :id FOR UPDATE NOWAIT"), {"id": user_id}
            )
        db.session.rollback()
        with other.connect() as connection:  # released with the transaction
            locked = text("SELECT id FROM users WHERE id = :id FOR UPDATE NOWAIT")
            assert connection.execute(locked, {"id": user_id}).scalar() == user_id
    finally:
        other.dispose()


def test_autocommit_asked_for_stays_autocommit(app, postgresql, make_user):
    """The verification's reads ask for AUTOCOMMIT: a write there is never held back in a
    transaction that nobody commits."""
    user_id = make_user("trainee", display_name="Before").id
    db.session.remove()
    reading = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    with reading.connect() as connection:
        connection.execute(
            text("UPDATE users SET display_name = 'Autocommitted' WHERE id = :id"), {"id": user_id}
        )
        assert connection.connection.dbapi_connection.autocommit
    assert db.session.get(User, user_id).display_name == "Autocommitted"


def test_the_writing_statement_itself_is_recorded_as_a_write(app, postgresql, statements):
    db.session.execute(text("UPDATE users SET display_name = display_name WHERE id = -1"))
    word, autocommit, status = statements[-1]
    assert (word, autocommit, status) == ("UPDATE", False, INTRANS)
    db.session.rollback()


def test_psycopg_keeps_its_prepared_statements_across_requests_that_read(app, postgresql):
    """psycopg prepares a statement after five runs on a connection and forgets all of them
    at a ROLLBACK. A request that only read ends with no transaction open, so nothing is
    rolled back on the server and the statements stay prepared (until the eighth round every
    request's were forgotten; from then to the tenth a COMMIT at its end kept them)."""
    statement = select(User.id).where(User.email == "nobody-prepared@example.kz")
    for _ in range(30):  # each pooled connection runs it more than five times
        db.session.execute(statement).all()
        db.session.remove()  # as at the end of a request
    db.session.execute(statement).all()
    prepared = db.session.execute(
        text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :pattern"),
        {"pattern": "SELECT users.id %FROM users%WHERE users.email = $1%"},
    ).scalar()
    assert prepared == 1
