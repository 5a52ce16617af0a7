"""Benchmark: the access-token deny-list check on the API's hot path (issue 7, ADR 0013).

    .venv/bin/python bench/bench_revocation.py [--database both] [--revoked 10000] [--seconds 6]

Writes ``bench/results/revocation.json``. What every API request pays is the bearer
middleware's `claims()` for an already-verified (cached) token: with the deny-list, that adds
`TokenRevocations.is_revoked` — a monotonic-clock comparison, three set look-ups and, once a
second, a read of the generation counter. Calls with and without the deny-list are interleaved
in blocks for ``--seconds`` of wall time, so the once-a-second database read is included,
amortised, in the "with" figure; ``overhead_us_per_request`` is the difference (target ≤ 30 µs).
The deny-list holds ``--revoked`` token ids plus a tenth as many grants and a hundredth as many
subjects. Also reported: one generation read (what a process pays each second when nothing
changed) and one full re-read of the list (what it pays in a second with a new revocation).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import DEFAULT_PG, database_label, databases, environment, open_store, write_results
from kangtong.core.clock import SystemClock
from kangtong.security.keys import KeyFiles
from kangtong.security.revocation import TokenRevocations, epoch_us
from kangtong.security.tokens import AccessTokens, TokenClaims
from kangtong.store.database import Database, open_database
from kangtong.store.migrate import upgrade
from kangtong.store.token_revocations import RevocationStore, RevokedRow
from kangtong.web.bearer import BearerAuthentication

TARGET_US = 30.0
BLOCK = 20_000
ISSUER = "http://kangtong.bench/fhir"


async def _app(scope: Any, receive: Any, send: Any) -> None:  # the middleware's next app
    return None


def _fill(db: Database, revoked: int) -> None:
    now = epoch_us(SystemClock().now())
    later = now + 3_600_000_000
    rows = [RevokedRow("jti", f"jti-{i}", now, later) for i in range(revoked)]
    rows += [RevokedRow("grant", f"grant-{i}", now, later) for i in range(revoked // 10)]
    rows += [RevokedRow("subject", f"account/{i}", now, later) for i in range(revoked // 100)]
    store = RevocationStore()
    with db.write() as conn:
        for row in rows:
            store.deny(conn, row)


def _per_call_us(call: Any, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls * 1e6


def measure(url: str, revoked: int, seconds: float, keys: Path) -> dict[str, Any]:
    db = open_database(url)
    upgrade(db)
    _fill(db, revoked)
    clock = SystemClock()
    revocations = TokenRevocations(db, clock)
    with_list = AccessTokens(KeyFiles(keys), clock, issuer=ISSUER, ttl_seconds=3600,
                             revocations=revocations)  # fmt: skip
    without = AccessTokens(KeyFiles(keys), clock, issuer=ISSUER, ttl_seconds=3600)
    claims = TokenClaims("account/someone", "portal", ("user/*.rs",), ("clinician",),
                         grant_id="grant-live")  # fmt: skip
    header = f"Bearer {with_list.issue(claims).token}"
    checked = BearerAuthentication(_app, with_list)
    plain = BearerAuthentication(_app, without)
    assert checked.claims(header) and plain.claims(header)  # verified once, then cached
    samples: dict[str, list[float]] = {"with": [], "without": []}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        samples["without"].append(_per_call_us(lambda: plain.claims(header), BLOCK))
        samples["with"].append(_per_call_us(lambda: checked.claims(header), BLOCK))
    generation_ms = []
    for _ in range(200):
        start = time.perf_counter()
        revocations.refresh()
        generation_ms.append((time.perf_counter() - start) * 1e3)
    reload_ms = []
    for _ in range(20):
        start = time.perf_counter()
        revocations.refresh(force=True)
        reload_ms.append((time.perf_counter() - start) * 1e3)
    db.dispose()
    with_us, without_us = statistics.mean(samples["with"]), statistics.mean(samples["without"])
    return {
        "database": database_label(url),
        "deny_list_rows": revoked + revoked // 10 + revoked // 100,
        "calls_each": len(samples["with"]) * BLOCK,
        "us_per_request_without_deny_list": round(without_us, 3),
        "us_per_request_with_deny_list": round(with_us, 3),
        "overhead_us_per_request": round(with_us - without_us, 3),
        "generation_read_ms_median": round(statistics.median(generation_ms), 3),
        "full_reread_ms_median": round(statistics.median(reload_ms), 3),
        "target_us": TARGET_US,
        "meets_target": with_us - without_us <= TARGET_US,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--revoked", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    results = []
    for name in databases(args.database):
        with open_store(name, pg_url=args.pg) as store, tempfile.TemporaryDirectory() as keys:
            result = measure(store.url, args.revoked, args.seconds, Path(keys))
            print(result, flush=True)
            results.append(result)
    write_results("revocation.json", {"environment": environment(), "results": results})


if __name__ == "__main__":
    main()
