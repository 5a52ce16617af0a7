"""The transactional outbox: events written with the change, read later by subscribers.

Each subscriber keeps its own cursor (the last sequence number it acknowledged), so delivery
is at-least-once: an event is handed out again until its subscriber acknowledges it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, update

from kangtong.store import bulk
from kangtong.store.records import DeliveredEvent, OutboxEvent
from kangtong.store.tables import outbox, outbox_cursor

_APPEND_COLUMNS = ("topic", "res_type", "res_id", "version", "created", "payload")


class OutboxStore:
    def append(self, conn: Connection, events: Sequence[OutboxEvent]) -> None:
        if not events:
            return
        rows = [(e.topic, e.res_type, e.res_id, e.version, e.created_us, e.payload) for e in events]
        bulk.insert_batches(conn, [(outbox, _APPEND_COLUMNS, rows)])

    def pending(self, conn: Connection, subscriber: str, limit: int) -> list[DeliveredEvent]:
        """Events after the subscriber's cursor, oldest first."""
        after = self.cursor(conn, subscriber)
        stmt = select(outbox).where(outbox.c.seq > after).order_by(outbox.c.seq).limit(limit)
        return [
            DeliveredEvent(
                row.seq,
                row.topic,
                row.res_type,
                row.res_id,
                row.version,
                row.created,
                None if row.payload is None else bytes(row.payload),
            )
            for row in conn.execute(stmt)
        ]

    def cursor(self, conn: Connection, subscriber: str) -> int:
        stmt = select(outbox_cursor.c.last_seq).where(outbox_cursor.c.subscriber == subscriber)
        value = conn.execute(stmt).scalar_one_or_none()
        return int(value) if value is not None else 0

    def acknowledge(self, conn: Connection, subscriber: str, seq: int) -> None:
        """Move the subscriber's cursor forward to `seq` (never backwards)."""
        updated = conn.execute(
            update(outbox_cursor)
            .where(outbox_cursor.c.subscriber == subscriber, outbox_cursor.c.last_seq < seq)
            .values(last_seq=seq)
        )
        if updated.rowcount == 0 and self.cursor(conn, subscriber) == 0:
            conn.execute(insert(outbox_cursor).values(subscriber=subscriber, last_seq=seq))
