"""Database foundations: the declarative base, a UTC timestamp type, SQLite pragmas, how a
service commits; on PostgreSQL where a transaction begins (``begin_at_first_write``) and how
a connection the server closed is found without a ping (``drop_closed_connections``)."""

from __future__ import annotations

import re
import select
import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event, func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Named constraints make Alembic batch migrations on SQLite reliable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC: the only clock the models use."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns timezone-aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use lms.database.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """Every table has an integer primary key and the time its row was created."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL for concurrent readers and foreign keys enforced (SQLite leaves them off).

    The busy timeout is the driver's ``timeout`` connect argument, set in ``create_app``."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # SQLite's own lower() folds ASCII only; case-insensitive search needs Cyrillic too.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


# --- how a service commits ---------------------------------------------------------------


def flush_or_refuse(message, *, field: str | None = None) -> None:
    """Flush the session; a unique constraint (a duplicate, or a parallel request that won)
    becomes a ``ServiceError`` with ``message``, after a rollback: nothing is half-written."""
    from sqlalchemy.exc import IntegrityError

    from lms.extensions import db
    from lms.service_error import ServiceError

    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(message, field=field) from None


def commit_or_refuse(message, *, field: str | None = None, commit: bool = True) -> None:
    """``flush_or_refuse``, then commit (unless the caller commits more work later)."""
    from lms.extensions import db

    flush_or_refuse(message, field=field)
    if commit:
        db.session.commit()


@contextmanager
def committed():
    """Run the block and commit once, or roll everything back and re-raise."""
    from lms.extensions import db

    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def column_rows(statement, params: dict | None = None):
    """The rows of a SELECT of columns (no mapped entities) on the session's own connection
    and transaction. The session's ``execute`` runs every statement through the ORM's
    execution path, about 0.2 ms that a select of plain columns does not need (measured on a
    hot page). Pending changes are flushed first, as the session's autoflush would."""
    from lms.extensions import db

    session = db.session()
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params)


# --- PostgreSQL: reads outside a transaction, a transaction from the first write -----------
#
# psycopg 3 (like any DB-API driver) opens a transaction with a BEGIN of its own, one round
# trip before a connection's first statement, and every transaction ends with a COMMIT or a
# ROLLBACK, another. A page that only reads paid both, on top of its SELECTs: two of the
# seven to twelve round trips of a signed-in page. SQLite's driver never had them: it begins
# a transaction only before the first statement that writes. PostgreSQL's connections now do
# the same: each one leaves the pool in autocommit, so a SELECT runs on its own, and the
# first statement that is not a plain SELECT (below) turns autocommit off just before it
# runs, so psycopg begins the transaction there and it holds every write that follows,
# committed or rolled back as one. At PostgreSQL's READ COMMITTED each statement sees its
# own snapshot inside a transaction as well, so the SELECTs before the first write see what
# they saw before; a row lock (FOR UPDATE) counts as a write. A connection given an isolation
# level of its own (the backup's REPEATABLE READ, an engine made with AUTOCOMMIT) is left as
# it was asked for.

_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE (psycopg is not needed on SQLite)
# A SELECT that locks rows only means something inside a transaction.
_LOCKING = re.compile(r"\sFOR\s+(?:UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b", re.IGNORECASE)


def _plain_select(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT" and not _LOCKING.search(statement)


def _begin_at_a_write(connection, cursor, statement, parameters, context, executemany) -> None:
    # Anything not a plain SELECT counts as a write (INSERT, UPDATE, DELETE, a WITH that might
    # write, SAVEPOINT, a SELECT ... FOR UPDATE, ...).
    if not _plain_select(statement):
        _begin_before_writing(connection)


_READS_FIRST = "lms_reads_before_begin"  # on a pool record: this connection begins late


def begin_at_first_write(engine) -> None:
    """Have ``engine``'s PostgreSQL connections read outside a transaction and begin one at
    their first write (above). The application's engine only: an engine made with an
    isolation level of its own keeps it."""
    if engine.dialect.driver != "psycopg" or engine.dialect.isolation_level is not None:
        return
    if not event.contains(engine.pool, "checkout", _read_in_autocommit):
        event.listen(engine.pool, "checkout", _read_in_autocommit)
        event.listen(engine, "before_cursor_execute", _begin_at_a_write)


def _read_in_autocommit(dbapi_connection, connection_record, connection_proxy) -> None:
    if not dbapi_connection.autocommit and dbapi_connection.info.transaction_status == _IDLE:
        dbapi_connection.autocommit = True
    connection_record.info[_READS_FIRST] = True


def _begin_before_writing(connection) -> None:
    pooled = connection.connection
    raw = pooled.dbapi_connection
    if raw is None or not raw.autocommit or not pooled.info.get(_READS_FIRST):
        return
    if "isolation_level" in connection.get_execution_options():
        return  # an isolation level asked for on purpose
    raw.autocommit = False  # psycopg sends BEGIN with the statement about to run


# --- PostgreSQL: a connection the server closed is dropped at checkout, without a ping -----
#
# SQLAlchemy's ``pool_pre_ping`` sends a SELECT 1 before every use of a pooled connection:
# one round trip on every request that reads the database. A server that restarts, stops,
# or ends a session (``pg_terminate_backend``, an idle timeout) closes the connection's
# socket and says so (a FATAL message, then end of file); an idle connection otherwise has
# nothing to read. So a pooled connection whose socket has something to read is one the
# server gave up: it is dropped at checkout and the pool hands out a new one (SQLAlchemy's
# documented way: a ``DisconnectionError`` raised by a checkout listener). This costs a
# system call, not a round trip. What it cannot see is a connection that died in silence
# (the database's machine lost, a network cut, no end of file sent): the first statement
# on it fails and that request gets the designed 503; SQLAlchemy then drops every
# connection the pool opened before, so the next requests reconnect.


def drop_closed_connections(engine) -> None:
    """Check each of ``engine``'s PostgreSQL connections at checkout, as above."""
    if engine.dialect.driver != "psycopg":
        return
    if not event.contains(engine.pool, "checkout", _closed_by_server):
        event.listen(engine.pool, "checkout", _closed_by_server, insert=True)


def _closed_by_server(dbapi_connection, connection_record, connection_proxy) -> None:
    try:
        closed = _has_something_to_read(dbapi_connection.fileno())
    except Exception as error:  # no socket any more (closed, broken)
        raise DisconnectionError("the connection has no socket") from error
    if closed:
        raise DisconnectionError("the server closed the connection")


def _has_something_to_read(socket: int) -> bool:
    if hasattr(select, "poll"):  # any descriptor (select() stops at 1024)
        poller = select.poll()
        poller.register(socket, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([socket], [], [], 0)  # Windows
    return bool(readable)


def init_app(app, db) -> None:
    """On PostgreSQL, drop the connections the server closed and begin each transaction at
    its first write (the application's engine)."""
    with app.app_context():
        drop_closed_connections(db.engine)
        begin_at_first_write(db.engine)
