"""Whose turn it is to deliver to a subscriber: one dispatcher at a time, across processes.

Every `kangtong serve` process (and any thread) may run a dispatcher under the same subscriber
names; a dispatcher delivers one batch to a subscriber only inside that subscriber's *turn*,
and at most one turn per subscriber exists at a time. Taking a turn never waits: a dispatcher
that finds it taken skips the subscriber this round, so whichever process polls next leads,
and a dead leader's turn frees itself.

- **PostgreSQL**: the turn is a transaction holding `pg_try_advisory_xact_lock` on the
  subscriber; the cursor is read and moved inside it, after the handler returns. Leadership and
  the cursor move commit or vanish together: a process killed mid-delivery (even `kill -9`)
  loses its session, the server rolls the transaction back and frees the lock, and the next
  dispatcher redelivers the batch from the unmoved cursor. A leader cut off from the server
  cannot move the cursor either. The turn's transaction gets no transaction id until it moves
  the cursor, so however long the handler runs it holds back no other subscriber's delivery.
- **SQLite**: the turn is an exclusive `flock` on a file next to the database, which the
  kernel releases when its holder dies. The cursor is read in a snapshot and moved in a short
  write transaction of its own, because a transaction held across the handler would hold the
  database's only write lock; the turn spans both, so no other dispatcher reads the cursor
  between them.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from kangtong.store.database import Database
from kangtong.store.locks import advisory_key, lock_key
from kangtong.store.outbox import OutboxPosition, OutboxStore, PendingBatch


class DeliveryTurn:
    """One subscriber's batch, read and acknowledged by the dispatcher holding its turn."""

    def __init__(self, db: Database, subscriber: str, conn: Connection | None = None) -> None:
        self._db = db
        self._conn = conn  # the turn's own transaction (PostgreSQL), or None (SQLite)
        self._outbox = OutboxStore()
        self.subscriber = subscriber

    def pending(self, limit: int) -> PendingBatch:
        if self._conn is not None:
            return self._outbox.pending(self._conn, self.subscriber, limit)
        with self._db.read() as conn:
            return self._outbox.pending(conn, self.subscriber, limit)

    def acknowledge(self, end: OutboxPosition) -> None:
        if self._conn is not None:
            self._outbox.acknowledge(self._conn, self.subscriber, end)
            return
        with self._db.write() as conn:
            self._outbox.acknowledge(conn, self.subscriber, end)


@contextmanager
def delivery_turn(db: Database, subscriber: str) -> Iterator[DeliveryTurn | None]:
    """This dispatcher's turn to deliver to `subscriber`, or None when another holds it."""
    if db.dialect == "postgresql":
        with db.write() as conn:
            key = advisory_key(conn, f"outbox subscriber {subscriber}")
            taken = conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})
            # The cursor is read by a later statement, so with a snapshot taken after the lock:
            # it sees the previous turn's cursor move, which committed before its lock was freed.
            yield DeliveryTurn(db, subscriber, conn) if taken.scalar_one() else None
        return
    path = db.engine.url.database
    if not path or path == ":memory:":
        yield DeliveryTurn(db, subscriber)  # one connection, one process: no one to take turns
        return
    with _exclusive_file(f"{path}-outbox-{lock_key(subscriber) & (2**64 - 1):016x}") as locked:
        yield DeliveryTurn(db, subscriber) if locked else None


@contextmanager
def _exclusive_file(path: str) -> Iterator[bool]:
    """Whether this open file description got the exclusive flock on `path` (never waits).

    flock belongs to the open file, not the process, so two dispatchers in one process exclude
    each other as two processes do.
    """
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock
