"""A database administrator cannot rewrite the audit chain undetected (issue 13 finding 5)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import delete, select, update

from kangtong.core.clock import FrozenClock
from kangtong.security.audit_chain import keyed_row_hash, row_hash
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_journal import AUDIT_JOURNAL_FILE
from kangtong.security.audit_keys import AuditKeyring
from kangtong.security.audit_trail import AuditTrail
from kangtong.store.database import Database
from kangtong.store.security_tables import audit_anchor, audit_log
from tests.unit.security.audit_fixtures import keyed_trail


def _event(n: int, clock: FrozenClock) -> dict[str, object]:
    facts = AuditFacts("read", "success", "Practitioner/liu", clock.now(), "org-1",
                       resource_type="Observation", resource_id=f"o{n}", patients=["p1"])  # fmt: skip
    return build_audit_event(facts)


def _rewrite_as_a_dba(database: Database, from_seq: int, forged: bytes) -> None:
    """Edit row `from_seq`, recompute every later hash with the published algorithm, move the head."""
    with database.write() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings().all()
        prev = (
            next(r["hash"] for r in rows if r["seq"] == from_seq - 1) if from_seq > 1 else "0" * 64
        )
        for row in (r for r in rows if r["seq"] >= from_seq):
            event = forged if row["seq"] == from_seq else row["event"]
            digest = row_hash("sm3", row["seq"], row["recorded"], row["action"], row["outcome"],
                              prev, event)  # fmt: skip
            conn.execute(update(audit_log).where(audit_log.c.seq == row["seq"]).values(
                algorithm="sm3", event=event, prev_hash=prev, hash=digest))  # fmt: skip
            prev = digest
        conn.execute(update(audit_anchor).where(audit_anchor.c.name == "head").values(hash=prev))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))


def _filled(database: Database, clock: FrozenClock, folder: Path, rows: int = 5) -> AuditTrail:
    trail = keyed_trail(database, clock, folder)
    for n in range(rows):
        trail.append("read", "success", _event(n, clock))
        clock.advance(seconds=1)
    return trail


FORGED = orjson.dumps({"resourceType": "AuditEvent", "outcome": "0"}, option=orjson.OPT_SORT_KEYS)


def test_a_row_rewritten_with_a_recomputed_chain_is_found(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = _filled(database, clock, tmp_path)
    _rewrite_as_a_dba(database, 2, FORGED)
    report = trail.verify()
    assert report.broken is not None and report.broken.seq == 2
    assert "not sealed with the audit key" in report.broken.problem


def test_the_whole_chain_rewritten_without_the_key_is_found_at_its_first_row(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = _filled(database, clock, tmp_path)
    _rewrite_as_a_dba(database, 1, FORGED)
    report = trail.verify()
    assert report.broken is not None and report.broken.seq == 1


def test_a_row_resealed_with_a_guessed_key_is_found(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = _filled(database, clock, tmp_path)
    with database.write() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.seq == 3)).mappings().one()
        forged = keyed_row_hash(b"guessed" * 4, row["key_id"], 3, row["recorded"], row["action"],
                                row["outcome"], row["prev_hash"], FORGED)  # fmt: skip
        conn.execute(
            update(audit_log).where(audit_log.c.seq == 3).values(event=FORGED, hash=forged)
        )
    report = trail.verify()
    assert report.broken is not None
    assert (report.broken.seq, report.broken.problem) == (3, "row content was altered")


def test_deleting_the_newest_rows_and_moving_the_head_back_is_found_by_the_journal(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = _filled(database, clock, tmp_path)
    with database.write() as conn:
        kept = conn.execute(select(audit_log).where(audit_log.c.seq == 3)).mappings().one()
        conn.execute(delete(audit_log).where(audit_log.c.seq > 3))
        conn.execute(update(audit_anchor).where(audit_anchor.c.name == "head")
                     .values(seq=3, hash=kept["hash"]))  # fmt: skip
    report = trail.verify()
    assert report.broken is not None and report.broken.seq == 4
    assert "anchor journal" in report.broken.problem


def test_a_faked_purge_of_recent_rows_is_found(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = _filled(database, clock, tmp_path)
    with database.write() as conn:
        last_gone = conn.execute(select(audit_log).where(audit_log.c.seq == 2)).mappings().one()
        conn.execute(delete(audit_log).where(audit_log.c.seq <= 2))
        conn.execute(
            audit_anchor.insert().values(name="purge", seq=2, hash=last_gone["hash"], at=0)
        )
    report = trail.verify()
    assert report.broken is not None and report.broken.seq == 2
    assert "purge anchor is not in the anchor journal" in report.broken.problem


def test_an_edited_journal_line_is_found(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = _filled(database, clock, tmp_path)
    journal = tmp_path / AUDIT_JOURNAL_FILE
    lines = journal.read_bytes().splitlines()
    entry = orjson.loads(lines[1])
    entry["seq"] = 2
    journal.write_bytes(b"\n".join([lines[0], orjson.dumps(entry), *lines[2:]]) + b"\n")
    report = trail.verify()
    assert report.broken is not None and "anchor journal line 2" in report.broken.problem


def test_a_real_purge_is_journaled_and_verifies(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = keyed_trail(database, clock, tmp_path)
    for n in range(4):
        trail.append("read", "success", _event(n, clock))
        clock.advance(days=100)
    assert trail.purge(180).deleted == 3  # days 0, 100 and 200 of 400
    trail.append("read", "success", _event(5, clock))
    report = trail.verify()
    assert report.intact and report.rows == 2


def test_after_a_key_rotation_old_and_new_rows_verify_under_their_own_keys(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    trail = _filled(database, clock, tmp_path, rows=2)
    assert AuditKeyring(tmp_path).rotate() == "a2"  # as `kangtong audit rotate-key` does
    trail.append("read", "success", _event(9, clock))
    with database.read() as conn:
        key_ids = [r.key_id for r in conn.execute(select(audit_log).order_by(audit_log.c.seq))]
    assert key_ids == ["a1", "a1", "a2"]
    assert trail.verify().intact


def test_the_key_is_not_in_the_database(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    _filled(database, clock, tmp_path, rows=1)
    key = AuditKeyring(tmp_path).current()[1].hex()
    with database.read() as conn:
        stored = conn.execute(select(audit_log)).mappings().all()
    assert key not in repr(stored)
