"""SQL for the hash-chained audit log: append, read in order, purge with an anchor.

The API offers no update or delete of single rows: the log is append-only; only `purge` removes
rows, and only a prefix of the chain older than the retention period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from kangtong.store import bulk
from kangtong.store.locks import hold_until_commit
from kangtong.store.security_tables import audit_anchor, audit_log

GENESIS_HASH = "0" * 64
_HEAD = "SELECT seq, hash FROM audit_anchor WHERE name = 'head'"
_HEAD_FOR_UPDATE = _HEAD + " FOR UPDATE"
_ROW_COLUMNS = (
    "seq", "recorded", "action", "outcome", "algorithm", "event", "prev_hash", "hash", "key_id",
)  # fmt: skip


@dataclass(frozen=True)
class AuditRow:
    seq: int
    recorded: int
    action: str
    outcome: str
    algorithm: str
    event: bytes
    prev_hash: str
    hash: str
    key_id: str | None = None  # the audit key that sealed it (None: an unkeyed pre-ADR 0023 row)


@dataclass(frozen=True)
class Anchor:
    """A link the chain hangs from: the `head` (last appended) or the `purge` point."""

    seq: int
    hash: str


class AuditLogStore:
    def locked_head(self, conn: Connection) -> Anchor | None:
        """The chain's head, with appenders serialised until this transaction ends.

        The hot path of every write: one statement on the DB-API connection. PostgreSQL locks
        the head row (`FOR UPDATE`); SQLite's single writer already excludes other appenders.
        Before the first append there is no head row to lock, so the advisory lock does it.
        """
        found = self._head_row(conn)
        if found is None:
            # The first appenders take turns at the advisory lock; the winner's head row may
            # exist by the time a waiter gets it, and is then locked like any other head (a
            # later appender that found the row at once holds that row lock, not this one).
            self.lock_chain(conn)
            found = self._head_row(conn)
        return None if found is None else Anchor(int(found[0]), str(found[1]))

    def _head_row(self, conn: Connection) -> Any:
        driver: Any = conn.connection.driver_connection
        postgres = conn.dialect.name == "postgresql"
        cursor = driver.cursor()
        try:
            cursor.execute(_HEAD_FOR_UPDATE if postgres else _HEAD)
            return cursor.fetchone()
        finally:
            cursor.close()

    def move_head(self, conn: Connection, anchor: Anchor, at_us: int) -> None:
        """Point the head at the last appended row (inserting the anchor the first time)."""
        driver: Any = conn.connection.driver_connection
        marker = "%s" if conn.dialect.name == "postgresql" else "?"
        cursor = driver.cursor()
        try:
            cursor.execute(
                f"UPDATE audit_anchor SET seq = {marker}, hash = {marker}, at = {marker} "
                "WHERE name = 'head'",
                (anchor.seq, anchor.hash, at_us),
            )
            updated = cursor.rowcount
        finally:
            cursor.close()
        if updated == 0:
            self.set_anchor(conn, "head", anchor, at_us)

    def lock_chain(self, conn: Connection) -> None:
        """Serialise appenders (SQLite's single writer already does; PostgreSQL takes a lock)."""
        hold_until_commit(conn, ["kangtong.audit_log"])

    def anchor(self, conn: Connection, name: str) -> Anchor | None:
        query = select(audit_anchor.c.seq, audit_anchor.c.hash).where(audit_anchor.c.name == name)
        found = conn.execute(query).first()
        return None if found is None else Anchor(found.seq, found.hash)

    def set_anchor(self, conn: Connection, name: str, anchor: Anchor, at_us: int) -> None:
        changed = conn.execute(
            update(audit_anchor)
            .where(audit_anchor.c.name == name)
            .values(seq=anchor.seq, hash=anchor.hash, at=at_us)
        )
        if changed.rowcount == 0:
            conn.execute(
                insert(audit_anchor).values(name=name, seq=anchor.seq, hash=anchor.hash, at=at_us)
            )

    def last_row(self, conn: Connection) -> AuditRow | None:
        found = (
            conn.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1))
            .mappings()
            .first()
        )
        return None if found is None else AuditRow(**found)

    def append(self, conn: Connection, row: AuditRow) -> None:
        conn.execute(insert(audit_log).values(**row.__dict__))

    def rows(self, conn: Connection, *, batch: int = 1000) -> Iterator[AuditRow]:
        """Every row in chain order, read in batches by sequence number."""
        after = -1
        while True:
            query = (
                select(audit_log)
                .where(audit_log.c.seq > after)
                .order_by(audit_log.c.seq)
                .limit(batch)
            )
            found = [AuditRow(**m) for m in conn.execute(query).mappings()]
            yield from found
            if len(found) < batch:
                return
            after = found[-1].seq

    def last_before(self, conn: Connection, recorded_before: int) -> AuditRow | None:
        """The newest row of the prefix recorded before `recorded_before` (what a purge removes).

        The prefix ends at the first row recorded at or after the cut-off, so a purge never
        leaves a hole in the chain even if clocks stepped backwards.
        """
        first_kept = conn.execute(
            select(func.min(audit_log.c.seq)).where(audit_log.c.recorded >= recorded_before)
        ).scalar()
        query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)
        if first_kept is not None:
            query = query.where(audit_log.c.seq < first_kept)
        found = conn.execute(query).mappings().first()
        return None if found is None else AuditRow(**found)

    def delete_through(self, conn: Connection, seq: int) -> int:
        return conn.execute(delete(audit_log).where(audit_log.c.seq <= seq)).rowcount

    def count(self, conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar() or 0)

    def rows_of_action(self, conn: Connection, action: str, since_us: int) -> list[AuditRow]:
        """Rows of one action recorded since `since_us`, in chain order (e.g. break-glass)."""
        query = (
            select(audit_log)
            .where(audit_log.c.action == action, audit_log.c.recorded >= since_us)
            .order_by(audit_log.c.seq)
        )
        return [AuditRow(**m) for m in conn.execute(query).mappings()]

    def append_many(self, conn: Connection, rows: list[AuditRow]) -> None:
        """Insert several rows at once (group commit, bundles)."""
        bulk.insert_rows(
            conn,
            audit_log.name,
            _ROW_COLUMNS,
            [tuple(getattr(row, name) for name in _ROW_COLUMNS) for row in rows],
        )
