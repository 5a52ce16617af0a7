"""Transaction-bundle ingest with all indexes, against a same-run raw-insert baseline.

Writes bench/results/ingest.json. Usage: python bench/bench_ingest.py [--bundles N] [--pg URL]
Raw baseline: the same resource JSON inserted into a plain table, one transaction per bundle
(executemany on SQLite, COPY on PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text

from common import DEFAULT_PG, open_store, patient_bundle
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade

RESULTS = Path(__file__).parent / "results" / "ingest.json"


def raw_baseline(url: str, bundles: list[bytes]) -> float:
    db = open_database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_raw"))
        conn.execute(text("CREATE TABLE bench_raw (id VARCHAR(64) PRIMARY KEY, content TEXT)"))
    docs = [
        [
            (str(uuid.uuid4()), orjson.dumps(e["resource"]).decode())
            for e in orjson.loads(b)["entry"]
        ]
        for b in bundles
    ]
    start = time.perf_counter()
    for rows in docs:
        with db.engine.begin() as conn:
            driver: Any = conn.connection.driver_connection
            if db.dialect == "postgresql":
                with (
                    driver.cursor() as cur,
                    cur.copy("COPY bench_raw (id, content) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                driver.executemany("INSERT INTO bench_raw (id, content) VALUES (?, ?)", rows)
    elapsed = time.perf_counter() - start
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_raw"))
    db.dispose()
    return sum(len(r) for r in docs) / elapsed


def kangtong_ingest(url: str, bundles: list[bytes]) -> float:
    platform = build_platform(Settings(database_url=url))
    upgrade(platform.db)
    platform.close()
    total = sum(len(orjson.loads(b)["entry"]) for b in bundles)
    timing: dict[str, float] = {}
    _ingest_worker(url, bundles, timing=timing)
    return total / timing["seconds"]


def _ingest_worker(
    url: str, bundles: list[bytes], ready: Any = None, timing: dict[str, float] | None = None
) -> None:
    """One server worker: its own platform, posting transaction bundles one after another.

    Like a running server it is built and warmed up (one bundle of its own) before timing.
    """
    platform = build_platform(Settings(database_url=url))
    ctx = AccessContext.system("bench")
    platform.bundles.process(ctx, patient_bundle(10_000_000 + id(platform) % 1000))
    parsed = [orjson.loads(raw) for raw in bundles]
    if ready is not None:
        ready.wait()  # start together, after every worker has loaded and warmed up
    start = time.perf_counter()
    for bundle in parsed:
        platform.bundles.process(ctx, bundle)
    if timing is not None:
        timing["seconds"] = time.perf_counter() - start
    platform.close()


def kangtong_ingest_parallel(url: str, bundles: list[bytes], workers: int) -> float:
    """`workers` processes (as `uvicorn --workers N` would run) sharing one database."""
    from multiprocessing import get_context

    total = sum(len(orjson.loads(b)["entry"]) for b in bundles)
    context = get_context("spawn")
    ready = context.Barrier(workers + 1)
    processes = [
        context.Process(target=_ingest_worker, args=(url, bundles[i::workers], ready))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    ready.wait()
    start = time.perf_counter()
    for process in processes:
        process.join()
    if any(p.exitcode != 0 for p in processes):
        raise RuntimeError("an ingest worker failed")
    return total / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundles", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel run")
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    bundles = [orjson.dumps(patient_bundle(i)) for i in range(args.bundles)]
    results: dict[str, Any] = {
        "bundles": args.bundles,
        "resources_per_bundle": len(orjson.loads(bundles[0])["entry"]),
    }
    for name in ("sqlite", "postgresql"):
        with open_store(name, pg_url=args.pg) as store:
            raw = raw_baseline(store.url, bundles)
            ours = kangtong_ingest(store.url, bundles)
            fresh = [orjson.dumps(patient_bundle(i)) for i in range(args.bundles)]
            parallel = kangtong_ingest_parallel(store.url, fresh, args.workers)
        results[name] = {
            "raw_resources_per_s": round(raw),
            "kangtong_resources_per_s": round(ours),
            "ratio_to_raw": round(ours / raw, 3),
            f"kangtong_{args.workers}_workers_resources_per_s": round(parallel),
            f"ratio_to_raw_{args.workers}_workers": round(parallel / raw, 3),
        }
        print(name, results[name])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
