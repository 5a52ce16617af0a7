"""A database administrator cannot rewrite the audit chain undetected (issue 13 finding 5)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import select, update

from kangtong.core.clock import FrozenClock
from kangtong.security.audit_chain import row_hash
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_trail import AuditTrail
from kangtong.store.database import Database
from kangtong.store.security_tables import audit_anchor, audit_log


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


@pytest.mark.xfail(strict=True, reason="issue 13 finding 5: the audit chain has no key")
def test_a_row_rewritten_with_a_recomputed_chain_is_found(database: Database) -> None:
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    trail = AuditTrail(database, clock)
    for n in range(5):
        trail.append("read", "success", _event(n, clock))
    forged = orjson.dumps(
        {"resourceType": "AuditEvent", "outcome": "0"}, option=orjson.OPT_SORT_KEYS
    )
    _rewrite_as_a_dba(database, 2, forged)
    report = trail.verify()
    assert report.broken is not None and report.broken.seq == 2
