"""Benchmark: the keyed audit chain (HMAC-SM3 + anchor journal, ADR 0023) against the unkeyed
SM3 chain it replaced, in the same run.

    .venv/bin/python bench/security_chain.py [--events 20000] [--batch 100] [--database-url URL]

Writes ``bench/results/security-chain.json``. Two empty chains (two SQLite files, or two
PostgreSQL schemas) receive the same AuditEvents in alternating blocks of ``--batch`` events,
one transaction per block as the group-commit writer does; then each chain is verified. The
ratios are keyed / unkeyed: append throughput (events per second) and verification seconds.
`measure(events)` is what `bench/bench_security.py` calls.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from kangtong.core.clock import SystemClock
from kangtong.security.audit_chain import UnkeyedSealer
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_journal import AUDIT_JOURNAL_FILE, AnchorJournal
from kangtong.security.audit_keys import AuditKeyring
from kangtong.security.audit_trail import AuditTrail
from kangtong.store.database import Database, open_database
from kangtong.store.migrate import upgrade

RESULTS = Path(__file__).parent / "results" / "security-chain.json"


def _event(n: int) -> tuple[str, str, dict[str, Any]]:
    facts = AuditFacts("read", "success", "Practitioner/bench", datetime.now(UTC), "org-1",
                       frozenset({"clinician"}), resource_type="Observation",
                       resource_id=f"obs-{n}", patients=(f"p-{n % 997}",))  # fmt: skip
    return "read", "success", build_audit_event(facts)


def _database(stack: ExitStack, folder: Path, name: str, base_url: str | None) -> Database:
    if base_url is None:
        db = open_database(f"sqlite:///{folder / f'{name}.db'}")
    else:
        schema = f"kt_bench_{name}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        stack.callback(_drop_schema, admin, schema)
        separator = "&" if "?" in base_url else "?"
        db = open_database(f"{base_url}{separator}options=-csearch_path%3D{schema}")
    stack.callback(db.dispose)
    upgrade(db)
    return db


def _drop_schema(admin: Any, schema: str) -> None:
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _trails(stack: ExitStack, folder: Path, base_url: str | None) -> dict[str, AuditTrail]:
    clock = SystemClock()
    keys = AuditKeyring(folder / "keys")
    journal = AnchorJournal(folder / "keys" / AUDIT_JOURNAL_FILE, keys)
    keyed_db = _database(stack, folder, "keyed", base_url)
    unkeyed_db = _database(stack, folder, "unkeyed", base_url)
    return {
        "keyed": AuditTrail(keyed_db, clock, keys, journal),
        "unkeyed": AuditTrail(unkeyed_db, clock, keys, None, sealer=UnkeyedSealer("sm3")),
    }


def measure(events: int, *, batch: int = 100, database_url: str | None = None) -> dict[str, Any]:
    """Append `events` events to a keyed and an unkeyed chain (alternating), verify both."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        trails = _trails(stack, folder, database_url)
        spent = dict.fromkeys(trails, 0.0)
        for start in range(0, events, batch):
            block = [_event(n) for n in range(start, min(events, start + batch))]
            for name, trail in trails.items():
                began = time.perf_counter()
                with trail.db.write() as conn:
                    trail.append_many(conn, block)
                spent[name] += time.perf_counter() - began
        trails["keyed"].publish_committed_head()
        result: dict[str, Any] = {"events": events, "batch": batch,
                                  "database": "postgresql" if database_url else "sqlite"}  # fmt: skip
        for name, trail in trails.items():
            began = time.perf_counter()
            report = trail.verify()
            verify_s = time.perf_counter() - began
            assert report.intact and report.rows == events, report
            result[name] = {
                "append_events_per_s": round(events / spent[name], 1),
                "append_us_per_event": round(spent[name] / events * 1e6, 2),
                "verify_s": round(verify_s, 3),
                "verify_us_per_row": round(verify_s / events * 1e6, 2),
            }
        result["journal_lines"] = len(
            (folder / "keys" / AUDIT_JOURNAL_FILE).read_bytes().splitlines()
        )
    keyed, unkeyed = result["keyed"], result["unkeyed"]
    result["ratio_append_throughput_keyed_over_unkeyed"] = round(
        keyed["append_events_per_s"] / unkeyed["append_events_per_s"], 3
    )
    result["ratio_verify_time_keyed_over_unkeyed"] = round(
        keyed["verify_s"] / unkeyed["verify_s"], 3
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database-url", default=None, help="PostgreSQL base URL (default SQLite)")
    args = parser.parse_args()
    import json

    result = measure(args.events, batch=args.batch, database_url=args.database_url)
    result["measured_at"] = datetime.now(UTC).isoformat()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
