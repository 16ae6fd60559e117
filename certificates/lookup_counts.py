"""The count of public lookups, kept without a write on each lookup.

Each lookup used to INSERT a row and commit inside the request. Now each process adds it to
an in-memory buffer of counts per (certificate, outcome, channel, hashed IP), and writes the
buffer as one multi-row INSERT into ``verification_lookups`` when it holds
``VERIFY_LOOKUP_FLUSH_EVERY`` lookups or its oldest is ``VERIFY_LOOKUP_FLUSH_SECONDS`` old
(checked at each lookup), and when the process exits. Each row then says: ``count`` lookups
of that kind in the window that began ``at``.

Why this is right with several processes on several machines: rows are only ever inserted,
never updated, so buffers flushed by different workers add up; the number of lookups of
anything is ``SUM(count)`` over its rows (``lookup_totals``), whichever process counted them.
The abuse signal (how often one hashed address looked up which numbers, and how many of them
were unknown or typos) is kept at the same detail as before, only per window instead of per
lookup. What may be lost: the lookups of the last window of a process killed without exiting
(SIGKILL, power loss), at most ``VERIFY_LOOKUP_FLUSH_EVERY`` per process; a failed write is
kept and tried again at the next flush.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import Counter
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import func, insert, select

from certificates.models import VerificationLookup
from lms.database import utcnow
from lms.extensions import db

log = logging.getLogger(__name__)

EXTENSION_KEY = "certificates.lookup_counts"
# Distinct keys kept while the database cannot be written, beyond which new ones are dropped.
MAX_PENDING_KEYS = 100_000

Key = tuple[int | None, str, str, str]  # certificate id, outcome, channel, IP hash


class LookupBuffer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.counts: Counter[Key] = Counter()
        self.pending = 0
        self.since: datetime | None = None  # the first lookup of the window
        self.started = 0.0  # its time.monotonic()

    def add(self, key: Key) -> bool:
        """Count one lookup; True when the buffer is due to be written."""
        config = self.app.config
        with self.lock:
            if key not in self.counts and len(self.counts) >= MAX_PENDING_KEYS:
                log.warning("verification lookups not counted: %s kinds pending", MAX_PENDING_KEYS)
                return True
            self.counts[key] += 1
            self.pending += 1
            if self.since is None:
                self.since, self.started = utcnow(), time.monotonic()
            return (
                self.pending >= config["VERIFY_LOOKUP_FLUSH_EVERY"]
                or time.monotonic() - self.started >= config["VERIFY_LOOKUP_FLUSH_SECONDS"]
            )

    def _take(self) -> tuple[Counter[Key], datetime | None]:
        with self.lock:
            counts, since = self.counts, self.since
            self.counts, self.pending, self.since = Counter(), 0, None
            return counts, since

    def _put_back(self, counts: Counter[Key], since: datetime | None) -> None:
        with self.lock:
            self.counts.update(counts)
            self.pending = sum(self.counts.values())
            if since is not None and (self.since is None or since < self.since):
                self.since, self.started = since, time.monotonic()

    def flush(self) -> int:
        """Write the buffered counts (one INSERT, its own transaction, never the request's
        session); the number of lookups written."""
        counts, since = self._take()
        if not counts:
            return 0
        rows = [
            {
                "certificate_id": certificate_id,
                "outcome": outcome,
                "channel": channel,
                "ip_hash": ip_hash,
                "count": count,
                "at": since,
            }
            for (certificate_id, outcome, channel, ip_hash), count in counts.items()
        ]
        try:
            with db.engine.begin() as connection:
                connection.execute(insert(VerificationLookup.__table__), rows)
        except Exception:  # the database is down: keep the counts for the next flush
            log.warning("could not write verification lookup counts; kept", exc_info=True)
            self._put_back(counts, since)
            return 0
        return sum(counts.values())


# Every buffer of this process, flushed when it exits (gunicorn workers exit normally).
_buffers: weakref.WeakSet[LookupBuffer] = weakref.WeakSet()
_buffers_lock = threading.Lock()


def _buffer() -> LookupBuffer:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    buffer = app.extensions.get(EXTENSION_KEY)
    if buffer is None:
        with _buffers_lock:
            buffer = app.extensions.get(EXTENSION_KEY)
            if buffer is None:
                buffer = app.extensions[EXTENSION_KEY] = LookupBuffer(app)
                _buffers.add(buffer)
    return buffer


def count_lookup(certificate_id: int | None, outcome: str, channel: str, ip_hash: str) -> None:
    """Count one public lookup; writes nothing unless the buffer is due."""
    buffer = _buffer()
    if buffer.add((certificate_id, outcome, channel, ip_hash)):
        buffer.flush()


def flush_lookups() -> int:
    """Write this process's buffered counts now (tests, commands, exit)."""
    buffer = current_app.extensions.get(EXTENSION_KEY)
    return buffer.flush() if buffer is not None else 0


def lookup_totals(**where) -> int:
    """Lookups counted in the database (flushed ones), e.g. ``lookup_totals(ip_hash=h)``."""
    query = select(func.coalesce(func.sum(VerificationLookup.count), 0))
    for name, value in where.items():
        query = query.where(getattr(VerificationLookup, name) == value)
    return int(db.session.scalar(query))


@atexit.register
def _flush_at_exit() -> None:
    for buffer in list(_buffers):
        # A test suite's databases are gone by now; its tests flush when they mean to.
        if not buffer.counts or buffer.app.testing:
            continue
        try:
            with buffer.app.app_context():
                buffer.flush()
        except Exception:  # pragma: no cover - the process is going anyway
            log.warning("verification lookup counts lost at exit", exc_info=True)
