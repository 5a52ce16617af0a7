"""Patient-scoped Observation search at scale (issue 3, benchmark 3). Target: p99 ≤ 50 ms.

Loads `--resources` resources (patient bundles of 50, through the real transaction write path),
then times, through the service and over HTTP against a `kangtong serve` subprocess:

  Observation?subject=Patient/<id>&code=http://loinc.org|<code>&date=ge<date>
  … the same with &_include=Observation:subject

Same-run baseline: a read by id of one Observation through the same path. The SQL each search
issues is captured and explained (EXPLAIN QUERY PLAN / EXPLAIN (ANALYZE, BUFFERS)).
Writes bench/results/search.json.

    python bench/bench_search.py --resources 1000000 --database both
    python bench/bench_search.py --resources 50000                    # smoke run
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from typing import Any

import httpx

from common import (
    DEFAULT_PG,
    bench_headers,
    captured_sql,
    databases,
    environment,
    load_resources,
    open_platform,
    open_store,
    planner_statistics,
    ratio,
    running_server,
    sample_ids,
    statement_report,
    summarise,
    timed_loop,
    write_results,
)
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform

CODES = [f"2345-{o}" for o in range(6)]  # the Observation codes patient_bundle writes
DATES = ["2025-01-01", "2025-03-01", "2025-05-01"]  # effective dates fall in Jan–May 2025


def search_params(patient_id: str, rng: random.Random, *, include: bool) -> list[tuple[str, str]]:
    params = [
        ("subject", f"Patient/{patient_id}"),
        ("code", f"http://loinc.org|{rng.choice(CODES)}"),
        ("date", f"ge{rng.choice(DATES)}"),
    ]
    return [*params, ("_include", "Observation:subject")] if include else params


def measure_service(
    platform: Platform, patients: list[str], observations: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    ctx = AccessContext.system("bench")
    service = platform.service
    results: dict[str, Any] = {}
    for label, include in (("search", False), ("search_include", True)):
        rng = random.Random(11)
        queries = [
            search_params(patients[i % len(patients)], rng, include=include)
            for i in range(args.queries)
        ]
        matches: Counter[int] = Counter()

        def run(
            i: int, queries: list[list[tuple[str, str]]] = queries, matches: Counter[int] = matches
        ) -> None:
            result = service.search(ctx, "Observation", queries[i])
            matches[sum(1 for e in result.entries if e.mode == "match")] += 1

        timed_loop(run, min(args.warmup, len(queries)), args.max_seconds)
        matches.clear()
        results[label] = summarise(timed_loop(run, len(queries), args.max_seconds))
        results[label]["matches_per_search"] = dict(sorted(matches.items()))
    read = timed_loop(
        lambda i: service.read(ctx, "Observation", observations[i % len(observations)]),
        args.queries,
        args.max_seconds,
    )
    results["baseline_read_observation"] = summarise(read)
    for label in ("search", "search_include"):
        results[label]["ratio_p50_to_read"] = ratio(
            results[label], results["baseline_read_observation"]
        )
        results[label]["ratio_p99_to_read"] = ratio(
            results[label], results["baseline_read_observation"], "p99_ms"
        )
    return results


def measure_http(
    url: str, patients: list[str], observations: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with (
        running_server(url) as base,
        httpx.Client(base_url=base, timeout=30, headers=bench_headers()) as client,
    ):
        for label, include in (("search", False), ("search_include", True)):
            rng = random.Random(13)
            queries = [
                search_params(patients[i % len(patients)], rng, include=include)
                for i in range(args.http_queries)
            ]

            def get(i: int, queries: list[list[tuple[str, str]]] = queries) -> None:
                response = client.get("/fhir/Observation", params=queries[i])
                response.raise_for_status()

            timed_loop(get, min(args.warmup, len(queries)), args.max_seconds)
            results[label] = summarise(timed_loop(get, len(queries), args.max_seconds))

        def read(i: int) -> None:
            client.get(
                f"/fhir/Observation/{observations[i % len(observations)]}"
            ).raise_for_status()

        timed_loop(read, args.warmup, args.max_seconds)
        results["baseline_read_observation"] = summarise(
            timed_loop(read, args.http_queries, args.max_seconds)
        )
    for label in ("search", "search_include"):
        results[label]["ratio_p50_to_read"] = ratio(
            results[label], results["baseline_read_observation"]
        )
        results[label]["ratio_p99_to_read"] = ratio(
            results[label], results["baseline_read_observation"], "p99_ms"
        )
    return results


def query_plans(platform: Platform, patient_id: str) -> dict[str, Any]:
    """The SQL statements one search issues, with their durations and plans."""
    ctx = AccessContext.system("bench")
    plans: dict[str, Any] = {}
    for label, include in (("search", False), ("search_include", True)):
        params = search_params(patient_id, random.Random(1), include=include)
        platform.service.search(ctx, "Observation", params)  # warm the cache first
        with captured_sql(platform) as statements:
            platform.service.search(ctx, "Observation", params)
        plans[label] = {"params": params, "statements": statement_report(platform, statements)}
    return plans


def after_analyze(
    platform: Platform,
    url: str,
    patients: list[str],
    observations: list[str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Diagnostic: the same service figures and plans once the planner has statistics.

    kangtong itself never runs ANALYZE (SQLite has no autovacuum to do it), so the main figures
    above are what a freshly loaded store gives; these show what statistics would change.
    """
    start = time.perf_counter()
    with platform.db.write() as conn:
        conn.exec_driver_sql("ANALYZE")
    analyze_seconds = round(time.perf_counter() - start, 1)
    result = {
        "analyze_seconds": analyze_seconds,
        "planner_statistics": planner_statistics(platform),
        "query_plans": query_plans(platform, patients[0]),
        "service": measure_service(platform, patients, observations, args),
        "http": measure_http(url, patients, observations, args),
    }
    print("after ANALYZE", result["service"], result["http"], flush=True)
    return result


def bench_database(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with open_store(
        name, pg_url=args.pg, sqlite_path=args.sqlite_path, pg_schema=args.pg_schema
    ) as store:
        platform = open_platform(store.url)
        try:
            result: dict[str, Any] = {"load": load_resources(platform, args.resources, label=name)}
            print(name, result["load"], flush=True)
            if args.load_only:
                return result
            patients = [i for _, i in sample_ids(platform, "Patient", args.patients)]
            observations = [i for _, i in sample_ids(platform, "Observation", args.patients)]
            result["patients_sampled"] = len(patients)
            result["planner_statistics"] = planner_statistics(platform)
            result["query_plans"] = query_plans(platform, patients[0])
            result["service"] = measure_service(platform, patients, observations, args)
            print(name, "service", result["service"], flush=True)
            result["http"] = measure_http(store.url, patients, observations, args)
            print(name, "http", result["http"], flush=True)
            if args.analyze:
                result["after_analyze"] = after_analyze(
                    platform, store.url, patients, observations, args
                )
        finally:
            platform.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", type=int, default=1_000_000, help="resources to store")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--pg", default=DEFAULT_PG, help="PostgreSQL URL (a schema is created in it)"
    )
    parser.add_argument(
        "--sqlite-path", help="keep/reuse this SQLite file (topped up to --resources)"
    )
    parser.add_argument("--pg-schema", help="keep/reuse this PostgreSQL schema (not dropped)")
    parser.add_argument("--patients", type=int, default=300, help="random patients to query")
    parser.add_argument("--queries", type=int, default=1000, help="timed searches via the service")
    parser.add_argument("--http-queries", type=int, default=300, help="timed searches over HTTP")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time bound per loop")
    parser.add_argument(
        "--analyze", action="store_true", help="then run ANALYZE and measure the service again"
    )
    parser.add_argument("--load-only", action="store_true", help="load, measure nothing")
    parser.add_argument("--out", default="search.json")
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, Any] = {
        "benchmark": "patient-scoped Observation search",
        "target": "p99 <= 50 ms",
        "resources": args.resources,
        "environment": environment(),
    }
    for name in databases(args.database):
        results[name] = bench_database(name, args)
    for name in ("sqlite", "postgresql"):
        results.setdefault(
            name, {"measured": False, "why": f"not selected (--database {args.database})"}
        )
    results["seconds"] = round(time.perf_counter() - started, 1)
    write_results(args.out, results)


if __name__ == "__main__":
    main()
