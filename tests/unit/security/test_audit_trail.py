"""The hash-chained audit trail on SQLite and PostgreSQL: tampering is found, purges keep it whole."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import delete, update

from kangtong.core.clock import FrozenClock
from kangtong.core.errors import Invalid
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_trail import AuditTrail
from kangtong.store.database import Database
from kangtong.store.security_tables import audit_anchor, audit_log
from tests.unit.security.audit_fixtures import keyed_trail, unkeyed_trail


def _event(n: int, clock: FrozenClock) -> dict[str, object]:
    facts = AuditFacts(
        "read",
        "success",
        "Practitioner/liu",
        clock.now(),
        "org-1",
        resource_type="Observation",
        resource_id=f"o{n}",
        patients=["p1"],
    )
    return build_audit_event(facts)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))


def _fill(trail: AuditTrail, clock: FrozenClock, rows: int, days_apart: float = 0) -> None:
    for n in range(rows):
        trail.append("read", "success", _event(n, clock))
        clock.advance(days=days_apart, seconds=1)


def test_an_untouched_chain_verifies(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    assert trail.verify().intact
    _fill(trail, clock, 5)
    report = trail.verify()
    assert report.intact and report.rows == 5


def test_rows_written_before_keying_still_verify_before_the_keyed_ones(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    _fill(unkeyed_trail(database, clock, tmp_path, "sha256"), clock, 2)
    _fill(unkeyed_trail(database, clock, tmp_path, "sm3"), clock, 2)
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 2)
    report = trail.verify()
    assert report.intact and report.rows == 6


def test_an_edited_row_is_the_first_broken_link(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 5)
    forged = orjson.dumps({"resourceType": "AuditEvent", "outcome": "0"})
    with database.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(event=forged))
    report = trail.verify()
    assert report.broken is not None
    assert (report.broken.seq, report.broken.problem) == (3, "row content was altered")


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 4)
    with database.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(hash="f" * 64))
    report = trail.verify()
    assert report.broken is not None and report.broken.seq == 2


def test_a_deleted_row_is_found(database: Database, clock: FrozenClock, tmp_path: Path) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 5)
    with database.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    report = trail.verify()
    assert report.broken is not None
    assert (report.broken.seq, report.broken.problem) == (2, "row 2 is missing (deleted)")


def test_deleting_the_newest_rows_is_found(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 5)
    with database.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq >= 4))
    report = trail.verify()
    assert report.broken is not None and report.broken.seq == 4


def test_deleting_the_oldest_row_is_found(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 3)
    with database.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 1))
    report = trail.verify()
    assert report.broken is not None and report.broken.seq == 1


def test_purging_less_than_180_days_is_refused(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 2)
    with pytest.raises(Invalid):
        trail.purge(179)
    assert trail.count() == 2


def test_a_purge_removes_old_rows_and_the_rest_still_verifies(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 6, days_apart=60)  # rows at day 0, 60, …, 300; now is day 360
    report = trail.purge(180)  # rows of days 0 … 180 are older than 180 days
    assert report.deleted == 4 and report.anchor is not None and report.anchor.seq == 4
    assert trail.count() == 2
    assert trail.verify().intact
    _fill(trail, clock, 2)
    assert trail.verify().intact and trail.verify().rows == 4


def test_after_a_purge_deleting_the_first_kept_row_is_still_found(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 6, days_apart=60)
    trail.purge(180)
    with database.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 5))
    report = trail.verify()
    assert report.broken is not None and report.broken.seq == 5


def test_moving_the_purge_anchor_is_found(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 6, days_apart=60)
    trail.purge(180)
    with database.write() as conn:
        conn.execute(
            update(audit_anchor).where(audit_anchor.c.name == "purge").values(hash="0" * 64)
        )
    assert not trail.verify().intact


def test_a_purge_of_everything_leaves_a_verifiable_empty_chain(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    _fill(trail, clock, 3, days_apart=1)
    clock.advance(days=400)
    assert trail.purge(180).deleted == 3
    assert trail.verify().intact
    _fill(trail, clock, 1)
    assert trail.verify().intact


def test_concurrent_appenders_keep_one_unbroken_chain(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    """Writers in parallel transactions take turns at the head: no fork, no gap, no duplicate."""
    from concurrent.futures import ThreadPoolExecutor

    trail = keyed_trail(database, clock, tmp_path)
    trail.append("read", "success", _event(0, clock))  # the head row exists

    def append_batch(n: int) -> None:
        with database.write() as conn:
            trail.append_many(
                conn, [("read", "success", _event(n * 10 + k, clock)) for k in range(3)]
            )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(append_batch, range(12)))
    report = trail.verify()
    assert report.intact, report
    assert trail.count() == 1 + 12 * 3


def test_a_first_appender_and_a_head_row_locker_never_share_a_head(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    """B waited at the advisory lock for the first head row; C arrived after it existed and
    locked that row. Both must not build on the same head (they used to collide on `seq`)."""
    import threading

    from kangtong.store.audit_log import AuditLogStore

    if database.dialect != "postgresql":
        pytest.skip("SQLite's single writer serialises every appender")
    trail_b, trail_c = (
        keyed_trail(database, clock, tmp_path),
        keyed_trail(database, clock, tmp_path),
    )
    first_done, c_locked, b_read = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    class BWaitsForC(AuditLogStore):
        def lock_chain(self, conn):  # type: ignore[no-untyped-def]
            super().lock_chain(conn)  # the advisory lock, free once the first append committed
            c_locked.wait(10)  # C has locked the head row meanwhile

        def append_many(self, conn, rows):  # type: ignore[no-untyped-def]
            b_read.set()
            super().append_many(conn, rows)

    class CHoldsTheRow(AuditLogStore):
        def locked_head(self, conn):  # type: ignore[no-untyped-def]
            head = super().locked_head(conn)
            c_locked.set()
            b_read.wait(1)  # give B the chance to read the same head (it blocks if it cannot)
            return head

    trail_b._store, trail_c._store = BWaitsForC(), CHoldsTheRow()

    def append(trail: AuditTrail, n: int) -> None:
        try:
            with database.write() as conn:
                trail.append_many(conn, [("read", "success", _event(n, clock))])
        except BaseException as exc:
            errors.append(exc)

    def first() -> None:
        with database.write() as conn:
            keyed_trail(database, clock, tmp_path).append_many(
                conn, [("read", "success", _event(0, clock))]
            )
            b.start()  # B finds no head row and waits at the advisory lock
            time.sleep(0.3)
        first_done.set()

    b = threading.Thread(target=append, args=(trail_b, 1))
    c = threading.Thread(target=lambda: (first_done.wait(10), append(trail_c, 2)))
    c.start()
    first()
    b.join(30)
    c.join(30)
    assert errors == []
    report = trail_b.verify()
    assert report.intact, report
    assert trail_b.count() == 3
