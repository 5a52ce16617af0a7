"""The transactional outbox: events written with the change, read later by subscribers.

What a subscriber may rely on (ADR 0017):

- **Nothing is skipped.** A subscriber's cursor is a position (xid, seq) and it is handed only
  *final* events after it: events no transaction still in flight can precede. On PostgreSQL
  each row records the transaction that wrote it (`xid`, from `pg_current_xact_id()`) and is
  final once `xid < pg_snapshot_xmin(pg_current_snapshot())`, evaluated in the statement that
  reads it. Every transaction with an id below that horizon has ended, so the final rows are
  exactly the committed rows below it, all visible to that statement; any row that commits
  later has an id at or above the horizon, hence after every position handed out. So the
  cursor only moves forward over rows that can no longer change. (`seq` alone is not a commit
  order on PostgreSQL: a transaction that took a lower seq may commit after a higher one was
  delivered.) On SQLite one writer at a time makes seq order commit order; xid is 0 there.
- **Order**: by writing transaction (the order transactions first wrote), then seq; the events
  of one transaction come together and in the order they were written. Two transactions that
  overlapped may be delivered in either order, so events of one resource can arrive out of
  version order: each carries its version, and subscribers act on the current state.
- **At least once**: the cursor moves after the handler returns (fhir/events.py), so a crash or
  a failing handler means redelivery, never loss.
- **A long transaction holds delivery back**: nothing it could precede is delivered until it
  ends (on PostgreSQL, any transaction with an id in the cluster, whatever its database).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Select,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    tuple_,
)
from sqlalchemy import update as sql_update

from kangtong.store import bulk
from kangtong.store.records import DeliveredEvent, OutboxEvent
from kangtong.store.tables import outbox, outbox_cursor

_APPEND_COLUMNS = ("topic", "res_type", "res_id", "version", "created", "payload")


@dataclass(frozen=True, order=True, slots=True)
class OutboxPosition:
    """A place in the delivery order: the writing transaction's id, then seq (xid 0 on SQLite)."""

    xid: int
    seq: int


BEFORE_EVERYTHING = OutboxPosition(0, 0)
# A lag is counted over at most this many events after the cursor, so that measuring a
# subscriber that fell far behind costs a bounded index range, never the whole outbox.
LAG_WINDOW = 100_000


@dataclass(frozen=True, slots=True)
class OutboxLag:
    """Events after a subscriber's cursor (at most `LAG_WINDOW`) and when the oldest was written."""

    events: int
    oldest_created_us: int | None


@dataclass(frozen=True, slots=True)
class PendingBatch:
    """Final events after a cursor, oldest first, and the position of the last one."""

    events: list[DeliveredEvent]
    end: OutboxPosition


def _snapshot_bound(bound: str) -> ColumnElement[int]:
    """`pg_snapshot_xmin` / `pg_snapshot_xmax` of the statement's own snapshot, as a bigint."""
    return cast(cast(getattr(func, bound)(func.pg_current_snapshot()), Text), BigInteger)


def _final_events_query(dialect: str) -> Select[tuple[object]]:
    after_xid = bindparam("after_xid", type_=BigInteger)
    after_seq = bindparam("after_seq", type_=BigInteger)
    limit = bindparam("n", type_=Integer)
    if dialect != "postgresql":
        return select(outbox).where(outbox.c.seq > after_seq).order_by(outbox.c.seq).limit(limit)
    # A scalar subquery: the horizon is computed once, from this statement's own snapshot.
    horizon = select(_snapshot_bound("pg_snapshot_xmin")).scalar_subquery()
    return (
        select(outbox)
        .where(tuple_(outbox.c.xid, outbox.c.seq) > tuple_(after_xid, after_seq))
        .where(outbox.c.xid < horizon)
        .order_by(outbox.c.xid, outbox.c.seq)
        .limit(limit)
    )


# Built once: constructing the statement per poll cost more than running it (~190 µs).
FINAL_EVENTS_AFTER = {d: _final_events_query(d) for d in ("postgresql", "sqlite")}
_POSITION = select(outbox_cursor.c.last_xid, outbox_cursor.c.last_seq).where(
    outbox_cursor.c.subscriber == bindparam("subscriber")
)


class OutboxStore:
    def append(self, conn: Connection, events: Sequence[OutboxEvent]) -> None:
        """Write events in the caller's transaction (each row records that transaction)."""
        if not events:
            return
        rows = [(e.topic, e.res_type, e.res_id, e.version, e.created_us, e.payload) for e in events]
        bulk.insert_batches(conn, [(outbox, _APPEND_COLUMNS, rows)])

    def pending(self, conn: Connection, subscriber: str, limit: int) -> PendingBatch:
        """Up to `limit` final events after the subscriber's cursor, in delivery order."""
        after = self.position(conn, subscriber)
        params = {"after_xid": after.xid, "after_seq": after.seq, "n": limit}
        rows = conn.execute(FINAL_EVENTS_AFTER[conn.dialect.name], params).all()
        events = [
            DeliveredEvent(
                row.seq,
                row.topic,
                row.res_type,
                row.res_id,
                row.version,
                row.created,
                None if row.payload is None else bytes(row.payload),
            )
            for row in rows
        ]
        end = OutboxPosition(rows[-1].xid, rows[-1].seq) if rows else after
        return PendingBatch(events, end)

    def backlog(self, conn: Connection) -> dict[str, int]:
        """Per subscriber with a cursor: events written past its acknowledged position."""
        rows = conn.execute(
            select(
                outbox_cursor.c.subscriber,
                select(func.count())
                .select_from(outbox)
                .where(
                    tuple_(outbox.c.xid, outbox.c.seq)
                    > tuple_(outbox_cursor.c.last_xid, outbox_cursor.c.last_seq)
                )
                .scalar_subquery(),
            )
        )
        return {str(name): int(count) for name, count in rows}

    def lag(
        self, conn: Connection, subscriber: str, topics: Sequence[str] | None = None
    ) -> OutboxLag:
        """Events written after the subscriber's cursor, of `topics` if given, among the next
        `LAG_WINDOW` in delivery order: an index range scan from the cursor (ADR 0029)."""
        after = self.position(conn, subscriber)
        events = select(outbox.c.topic, outbox.c.created)
        if conn.dialect.name == "postgresql":
            behind = tuple_(outbox.c.xid, outbox.c.seq) > tuple_(after.xid, after.seq)
            events = events.where(behind).order_by(outbox.c.xid, outbox.c.seq)
        else:  # xid is 0 on SQLite: seq alone is the position, and the rowid range is cheap
            events = events.where(outbox.c.seq > after.seq).order_by(outbox.c.seq)
        window = events.limit(LAG_WINDOW).subquery()
        query = select(func.count(), func.min(window.c.created)).select_from(window)
        if topics is not None:
            query = query.where(window.c.topic.in_(list(topics)))
        count, oldest = conn.execute(query).one()
        return OutboxLag(int(count), None if oldest is None else int(oldest))

    def position(self, conn: Connection, subscriber: str) -> OutboxPosition:
        """The position of the last event the subscriber acknowledged."""
        row = conn.execute(_POSITION, {"subscriber": subscriber}).one_or_none()
        return BEFORE_EVERYTHING if row is None else OutboxPosition(int(row[0]), int(row[1]))

    def acknowledge(self, conn: Connection, subscriber: str, position: OutboxPosition) -> None:
        """Move the subscriber's cursor forward to `position` (never backwards)."""
        cursor = outbox_cursor.c
        moved = conn.execute(
            sql_update(outbox_cursor)
            .where(
                cursor.subscriber == subscriber,
                tuple_(cursor.last_xid, cursor.last_seq) < tuple_(position.xid, position.seq),
            )
            .values(last_xid=position.xid, last_seq=position.seq)
        )
        if moved.rowcount == 0 and not self._has_cursor(conn, subscriber):
            conn.execute(
                insert(outbox_cursor).values(
                    subscriber=subscriber, last_xid=position.xid, last_seq=position.seq
                )
            )

    def writers_mark(self, conn: Connection) -> int:
        """A mark of the transactions in flight now, for `all_final_since` (0 on SQLite)."""
        if conn.dialect.name != "postgresql":
            return 0
        return int(conn.execute(select(_snapshot_bound("pg_snapshot_xmax"))).scalar_one())

    def all_final_since(self, conn: Connection, mark: int) -> bool:
        """Whether every transaction in flight at `mark` has ended, so that every event
        committed by then is final (deliverable)."""
        if conn.dialect.name != "postgresql":
            return True
        xmin = conn.execute(select(_snapshot_bound("pg_snapshot_xmin"))).scalar_one()
        return int(xmin) >= mark

    def _has_cursor(self, conn: Connection, subscriber: str) -> bool:
        stmt = select(outbox_cursor.c.subscriber).where(outbox_cursor.c.subscriber == subscriber)
        return conn.execute(stmt).first() is not None
