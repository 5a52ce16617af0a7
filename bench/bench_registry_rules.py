"""Benchmark: the cost of the registry write rules on the write path (ADR 0007).

    .venv/bin/python bench/bench_registry_rules.py [--database both] [--writes 300] [--rounds 3]

For each database, creates `--writes` resources per round through a resource service with the
registry rules wired and through one without rules on the same database, alternating rounds so
both see the same noise. Organizations (each with a new valid USCC: one claim, one lock on
PostgreSQL, one identifier search before commit) show what a ruled write costs; Patients show
what the rules cost writes of other types. Figures: median seconds per write over the rounds;
`ratio` = with rules / without. Writes `bench/results/registry-rules.json`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from common import DEFAULT_PG, RESULTS_DIR, databases, open_platform, open_store
from kangtong.core.ids.gb32100 import make_credit_code
from kangtong.fhir.access import AccessContext
from kangtong.fhir.service import ResourceService
from kangtong.platform import Platform

CTX = AccessContext.system("bench")


def without_rules(platform: Platform) -> ResourceService:
    ruled = platform.service
    return ResourceService(
        platform.db,
        indexer=ruled.indexer,
        parser=ruled.parser,
        clock=ruled.clock,
        is_resource_type=ruled.is_resource_type,
        policy=ruled.policy,
        audit=ruled.audit,
        sealing=ruled.repository.sealing,
        check=ruled.check,
        default_district=ruled.default_district,
    )


def organization(n: int) -> dict[str, Any]:
    code = make_credit_code("12", "520102", f"{n:08d}")
    return {
        "resourceType": "Organization",
        "identifier": [{"system": "urn:oid:2.16.156.10011.1.2", "value": code}],
        "name": f"第{n}医院",
    }


def patient(n: int) -> dict[str, Any]:
    return {"resourceType": "Patient", "name": [{"text": f"病人{n}"}], "gender": "female"}


def per_write(service: ResourceService, make: Any, first: int, writes: int) -> float:
    start = time.perf_counter()
    for n in range(first, first + writes):
        service.create(CTX, make(n))
    return (time.perf_counter() - start) / writes


def measure(url: str, writes: int, rounds: int) -> dict[str, Any]:
    platform = open_platform(url)
    plain = without_rules(platform)
    results: dict[str, Any] = {}
    serial = 0
    try:
        for label, make in (("Organization", organization), ("Patient", patient)):
            ruled_s, plain_s = [], []
            for _ in range(rounds):
                ruled_s.append(per_write(platform.service, make, serial, writes))
                serial += writes
                plain_s.append(per_write(plain, make, serial, writes))
                serial += writes
            with_rules, without = statistics.median(ruled_s), statistics.median(plain_s)
            results[label] = {
                "ms_per_write_with_rules": round(1000 * with_rules, 3),
                "ms_per_write_without_rules": round(1000 * without, 3),
                "ratio": round(with_rules / without, 3),
            }
            print(f"{url.split(':')[0]} {label}: {results[label]}", flush=True)
    finally:
        platform.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    report: dict[str, Any] = {"writes_per_round": args.writes, "rounds": args.rounds}
    for name in databases(args.database):
        with open_store(name, pg_url=args.pg) as store:
            report[name] = measure(store.url, args.writes, args.rounds)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "registry-rules.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
