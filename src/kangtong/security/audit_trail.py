"""The audit trail service: append AuditEvents to the keyed hash chain, verify it, purge old rows.

Append-only: no method changes or deletes a single row. `purge` removes only a prefix older
than the retention period (≥ 180 days, 《网络安全法》第二十一条: logs kept at least six months)
and anchors the chain at the last removed row, so what remains still verifies. Rows are sealed
with HMAC-SM3 under a key kept in the key folder, and committed heads are journaled to a file
outside the database (ADR 0023).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from kangtong.core.clock import Clock, epoch_us
from kangtong.core.errors import Invalid
from kangtong.security.audit_chain import KeyedSealer, RowSealer, canonical_event
from kangtong.security.audit_journal import AnchorJournal, JournalView
from kangtong.security.audit_keys import AuditKeyring
from kangtong.security.audit_verify import ChainReport, verify_chain
from kangtong.store.audit_log import GENESIS_HASH, Anchor, AuditLogStore, AuditRow
from kangtong.store.database import Database

MIN_RETENTION_DAYS = 180


@dataclass(frozen=True)
class PurgeReport:
    deleted: int
    anchor: Anchor | None


class AuditTrail:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: AuditKeyring,
        journal: AnchorJournal | None,
        *,
        sealer: RowSealer | None = None,
    ) -> None:
        """`journal` None only for measurements of the unkeyed form (`UnkeyedSealer`)."""
        self.db = db
        self.clock = clock
        self.keys = keys
        self.journal = journal
        self.sealer: RowSealer = sealer or KeyedSealer(keys)
        self._store = AuditLogStore()

    def append(
        self, action: str, outcome: str, event: dict[str, Any], *, conn: Connection | None = None
    ) -> AuditRow:
        """Chain `event` after the current head (in `conn`'s transaction, or a new one)."""
        if conn is not None:
            return self._append(conn, action, outcome, event)
        with self.db.write() as own:
            row = self._append(own, action, outcome, event)
        self.publish(Anchor(row.seq, row.hash))
        return row

    def _append(
        self, conn: Connection, action: str, outcome: str, event: dict[str, Any]
    ) -> AuditRow:
        return self.append_many(conn, [(action, outcome, event)])[-1]

    def append_many(
        self, conn: Connection, events: Sequence[tuple[str, str, dict[str, Any]]]
    ) -> list[AuditRow]:
        """Chain several events in `conn`'s transaction: one lock, one head read, one anchor."""
        if not events:
            return []
        head = self._store.locked_head(conn) or self._head_from_rows(conn)
        self.publish(head)  # read under the chain lock: committed, whatever this one does
        recorded = epoch_us(self.clock.now())
        bodies = [(action, outcome, canonical_event(event)) for action, outcome, event in events]
        rows = self.sealer.seal(head.seq, head.hash, recorded, bodies)
        self._store.append_many(conn, rows)
        self._store.move_head(conn, Anchor(rows[-1].seq, rows[-1].hash), recorded)
        return rows

    def publish(self, head: Anchor, *, force: bool = False) -> None:
        """Journal a committed head (at most once a second per process unless `force`)."""
        if self.journal is not None:
            at = epoch_us(self.clock.now())
            self.journal.publish("head", head, at, now=time.monotonic(), force=force)

    def publish_committed_head(self) -> None:
        """Journal the head as committed now (at shutdown, so the newest rows are covered)."""
        with self.db.read() as conn:
            head = self._store.anchor(conn, "head")
        if head is not None:
            self.publish(head, force=True)

    def _head_from_rows(self, conn: Connection) -> Anchor:
        last = self._store.last_row(conn)
        if last is not None:  # a missing head over existing rows is reported by `verify`
            return Anchor(last.seq, last.hash)
        return self._store.anchor(conn, "purge") or Anchor(0, GENESIS_HASH)

    def verify(self) -> ChainReport:
        journal = self.journal.read() if self.journal is not None else JournalView()
        with self.db.read() as conn:
            purge = self._store.anchor(conn, "purge")
            head = self._store.anchor(conn, "head")
            keys = functools.cache(self.keys.key)  # one look at the key file per key id
            return verify_chain(
                self._store.rows(conn), purge=purge, head=head, keys=keys, journal=journal
            )

    def purge(self, older_than_days: int) -> PurgeReport:
        """Delete rows recorded more than `older_than_days` ago; refuses fewer than 180 days."""
        if older_than_days < MIN_RETENTION_DAYS:
            raise Invalid(f"Audit records are kept at least {MIN_RETENTION_DAYS} days")
        cutoff = self.clock.now() - timedelta(days=older_than_days)
        cutoff_us = int(cutoff.timestamp()) * 1_000_000 + cutoff.microsecond
        with self.db.write() as conn:
            self._store.lock_chain(conn)
            last = self._store.last_before(conn, cutoff_us)
            if last is None:
                return PurgeReport(0, self._store.anchor(conn, "purge"))
            anchor = Anchor(last.seq, last.hash)
            self._store.set_anchor(conn, "purge", anchor, epoch_us(self.clock.now()))
            deleted = self._store.delete_through(conn, last.seq)
        if self.journal is not None:  # committed: the journal learns of the purge
            self.journal.publish("purge", anchor, epoch_us(self.clock.now()),
                                 now=time.monotonic(), force=True)  # fmt: skip
        return PurgeReport(deleted, anchor)

    def count(self) -> int:
        with self.db.read() as conn:
            return self._store.count(conn)
