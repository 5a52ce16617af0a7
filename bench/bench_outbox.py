"""Benchmark: what commit-safe outbox delivery costs (issue 12, ADR 0017), against the old reader.

    .venv/bin/python bench/bench_outbox.py [--database both] [--events 100000] [--write-seconds 8]

Writes ``bench/results/outbox.json``. The baseline, measured in the same run on the same
database, is the outbox before migration 0006: a table without the `xid` column (and, on
PostgreSQL, without the (xid, seq) index), read by the old `seq > cursor` query with the old
two-transaction dispatcher loop (read, handle, acknowledge). Figures:

- **write**: appending events through `OutboxStore.append` (the write path's call) in
  transactions of 1 event (a single-resource write), 50 (a bundle) and 500 (a COPY: the
  per-row cost with little commit cost around it), interleaved in
  blocks with the same appends to the baseline table; µs per event and the ratio.
- **delivery**: `OutboxDispatcher.drain()` of ``--events`` events to a subscriber that does
  nothing (so the figure is the outbox's own cost: turn, final-events query, cursor move),
  against the old loop over the same events in the baseline table; events/s, repeated and
  alternated, median.
- **query**: one pending read of a 500-event batch deep in the table, and an idle poll (nothing
  after the cursor), new query vs old; µs per call, and the new query's plan.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    text,
    update,
)

from common import DEFAULT_PG, databases, environment, open_store, write_results
from kangtong.fhir.events import OutboxDispatcher
from kangtong.store import bulk
from kangtong.store.database import Database, open_database
from kangtong.store.migrate import upgrade
from kangtong.store.outbox import FINAL_EVENTS_AFTER, OutboxStore
from kangtong.store.records import DeliveredEvent, OutboxEvent
from kangtong.store.tables import PrimaryKeyInt, outbox

BATCH = 500
COLUMNS = ("topic", "res_type", "res_id", "version", "created", "payload")
before = MetaData()
old_outbox = Table(  # the outbox as migrations 0001-0005 left it
    "bench_outbox_before_0006",
    before,
    Column("seq", PrimaryKeyInt, primary_key=True, autoincrement=True),
    Column("topic", String(128), nullable=False),
    Column("res_type", String(64), nullable=False),
    Column("res_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("payload", LargeBinary, nullable=True),
)
old_cursor = Table(
    "bench_outbox_cursor_before_0006",
    before,
    Column("subscriber", String(128), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)


def events(count: int, start: int) -> list[OutboxEvent]:
    return [
        OutboxEvent("Patient.created", "Patient", f"p{start + i}", 1, 1_700_000_000_000_000)
        for i in range(count)
    ]


def append_new(db: Database, batch: list[OutboxEvent]) -> None:
    with db.write() as conn:
        OutboxStore().append(conn, batch)


def append_old(db: Database, batch: list[OutboxEvent]) -> None:
    rows = [(e.topic, e.res_type, e.res_id, e.version, e.created_us, e.payload) for e in batch]
    with db.write() as conn:
        bulk.insert_batches(conn, [(old_outbox, COLUMNS, rows)])


# -- the old reader, as store/outbox.py and fhir/events.py had it before 0006 ----------------


# Built once, as the new reader's statements are, so the figures compare the queries rather
# than SQLAlchemy constructing them (the old code built them on every call: ~190 µs more).
OLD_CURSOR = select(old_cursor.c.last_seq).where(old_cursor.c.subscriber == bindparam("s"))
OLD_PENDING = (
    select(old_outbox)
    .where(old_outbox.c.seq > bindparam("after", type_=BigInteger))
    .order_by(old_outbox.c.seq)
    .limit(bindparam("n", type_=Integer))
)


def old_pending(conn: Connection, subscriber: str, limit: int) -> list[DeliveredEvent]:
    after = conn.execute(OLD_CURSOR, {"s": subscriber}).scalar_one_or_none() or 0
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
        for row in conn.execute(OLD_PENDING, {"after": after, "n": limit})
    ]


def old_acknowledge(conn: Connection, subscriber: str, seq: int) -> None:
    moved = conn.execute(
        update(old_cursor)
        .where(old_cursor.c.subscriber == subscriber, old_cursor.c.last_seq < seq)
        .values(last_seq=seq)
    )
    if moved.rowcount == 0:
        conn.execute(insert(old_cursor).values(subscriber=subscriber, last_seq=seq))


def old_drain(db: Database, subscriber: str) -> int:
    consumed = 0
    while True:
        with db.read() as conn:
            batch = old_pending(conn, subscriber, BATCH)
        if not batch:
            return consumed
        with db.write() as conn:
            old_acknowledge(conn, subscriber, batch[-1].seq)
        consumed += len(batch)


def new_drain(db: Database, subscriber: str) -> int:
    dispatcher = OutboxDispatcher(db, batch_size=BATCH)
    dispatcher.subscribe(subscriber, lambda _events: None)
    return dispatcher.drain()


# -- measurements ---------------------------------------------------------------------------


def measure_writes(db: Database, per_transaction: int, seconds: float) -> dict[str, Any]:
    """µs per event appended, new table vs old, interleaved in blocks of transactions."""
    timings: dict[str, list[float]] = {"new": [], "old": []}
    appenders = {"new": append_new, "old": append_old}
    written = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for name, append in appenders.items():
            batches = [events(per_transaction, written + i * per_transaction) for i in range(20)]
            start = time.perf_counter()
            for batch in batches:
                append(db, batch)
            timings[name].append((time.perf_counter() - start) / (20 * per_transaction) * 1e6)
        written += 20 * per_transaction
    new, old = statistics.median(timings["new"]), statistics.median(timings["old"])
    return {
        "events_per_transaction": per_transaction,
        "blocks": len(timings["new"]),
        "new_us_per_event": round(new, 2),
        "old_us_per_event": round(old, 2),
        "ratio_new_to_old": round(new / old, 3),
    }


def measure_delivery(db: Database, count: int, repeats: int) -> dict[str, Any]:
    """Events/s drained to a subscriber that does nothing, new vs old, alternated."""
    rates: dict[str, list[float]] = {"new": [], "old": []}
    for r in range(repeats):
        for name, drain in (("new", new_drain), ("old", old_drain)):
            start = time.perf_counter()
            consumed = drain(db, f"bench-{r}")
            assert consumed == count, (name, consumed, count)
            rates[name].append(consumed / (time.perf_counter() - start))
    new, old = statistics.median(rates["new"]), statistics.median(rates["old"])
    return {
        "events": count,
        "batch": BATCH,
        "repeats": repeats,
        "new_events_per_s": round(new),
        "old_events_per_s": round(old),
        "ratio_new_to_old": round(new / old, 3),
    }


def per_call_us(
    db: Database, calls: dict[str, Callable[[Connection], object]], blocks: int = 20
) -> dict[str, float]:
    """Median µs per call of each query, alternated in blocks of 25 calls in one snapshot."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    with db.read() as conn:
        for call in calls.values():
            call(conn)  # warm the statement cache
        for _ in range(blocks):
            for name, call in calls.items():
                start = time.perf_counter()
                for _ in range(25):
                    call(conn)
                samples[name].append((time.perf_counter() - start) / 25 * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def measure_queries(db: Database, count: int) -> dict[str, Any]:
    """One pending read mid-table and one idle poll (cursor at the end), new vs old."""
    store = OutboxStore()
    with db.read() as conn:
        positions = conn.execute(select(outbox.c.xid, outbox.c.seq).order_by("xid", "seq")).all()
        old_seqs = conn.execute(select(old_outbox.c.seq).order_by("seq")).scalars().all()
    middle, last = positions[count // 2], positions[-1]
    with db.write() as conn:
        conn.execute(text("DELETE FROM outbox_cursor WHERE subscriber IN ('mid', 'end')"))
        conn.execute(text(f"DELETE FROM {old_cursor.name} WHERE subscriber IN ('mid', 'end')"))
        conn.execute(text("INSERT INTO outbox_cursor (subscriber, last_seq, last_xid) VALUES "
                          "('mid', :ms, :mx), ('end', :es, :ex)"),
                     {"ms": middle.seq, "mx": middle.xid, "es": last.seq, "ex": last.xid})  # fmt: skip
        conn.execute(
            text(f"INSERT INTO {old_cursor.name} VALUES ('mid', :m), ('end', :e)"),
            {"m": old_seqs[count // 2], "e": old_seqs[-1]},
        )
    figures = {}
    for where in ("mid", "end"):
        timed = per_call_us(
            db,
            {
                "new": lambda c, w=where: store.pending(c, w, BATCH),  # type: ignore[misc]
                "old": lambda c, w=where: old_pending(c, w, BATCH),  # type: ignore[misc]
            },
        )
        figures[where] = {"new_us": round(timed["new"], 1), "old_us": round(timed["old"], 1),
                          "ratio_new_to_old": round(timed["new"] / timed["old"], 3)}  # fmt: skip
    return {"batch_mid_table": figures["mid"], "idle_poll": figures["end"],
            "plan": plan(db, middle.xid, middle.seq)}  # fmt: skip


def plan(db: Database, xid: int, seq: int) -> list[str]:
    stmt = FINAL_EVENTS_AFTER[db.dialect].params(after_xid=xid, after_seq=seq, n=BATCH)
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) "
    with db.read() as conn:
        rows = conn.exec_driver_sql(prefix + sql).all()
    return [str(row[-1]) for row in rows]


def measure(url: str, count: int, write_seconds: float, repeats: int) -> dict[str, Any]:
    db = open_database(url)
    upgrade(db)
    before.create_all(db.engine)
    result: dict[str, Any] = {"database": db.dialect}
    result["write"] = [measure_writes(db, n, write_seconds) for n in (1, 50, 500)]
    with db.write() as conn:  # the delivery figures start from tables of the same content
        conn.execute(outbox.delete())
        conn.execute(old_outbox.delete())
    for start in range(0, count, 5000):
        chunk = events(min(5000, count - start), start)
        append_new(db, chunk)
        append_old(db, chunk)
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM ANALYZE outbox, {old_outbox.name}"))
    result["delivery"] = measure_delivery(db, count, repeats)
    result["query"] = measure_queries(db, count)
    db.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--write-seconds", type=float, default=8.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = []
    for name in databases(args.database):
        with open_store(name, pg_url=args.pg) as store:
            result = measure(store.url, args.events, args.write_seconds, args.repeats)
            print(result, flush=True)
            results.append(result)
    write_results("outbox.json", {"environment": environment(), "results": results})


if __name__ == "__main__":
    main()
