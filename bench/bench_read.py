"""Read by id over HTTP (issue 3, benchmark 2). Target: p99 ≤ 5 ms.

Stores `--resources` resources (patient bundles of 50), starts `kangtong serve` in a subprocess
and, from this separate client process with a persistent connection (httpx.Client), measures:

- sequential latency of `GET /fhir/{type}/{id}` for random stored ids (p50/p95/p99), each read
  interleaved with a `GET /healthz` on the same server: the same-run framework floor;
- throughput (requests/s) of both with `--concurrency` client processes, each with its own
  persistent connection, for `--throughput-seconds`.

Writes bench/results/read.json.

    python bench/bench_read.py --database both
    python bench/bench_read.py --resources 2000 --reads 1000 --database sqlite   # smoke run
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from typing import Any

import httpx

from common import (
    DEFAULT_PG,
    bench_headers,
    databases,
    environment,
    load_resources,
    open_platform,
    open_store,
    ratio,
    running_server,
    sample_ids,
    summarise,
    wait_for_outbox,
    write_results,
)

MAX_REQUESTS_PER_WORKER = 200_000  # a hard bound on top of the time bound


def sequential(base: str, paths: list[str], reads: int, max_seconds: float) -> dict[str, Any]:
    """Alternate a read and a /healthz so both see the same machine noise."""
    read_samples: list[float] = []
    floor_samples: list[float] = []
    with httpx.Client(base_url=base, timeout=10, headers=bench_headers()) as client:
        for i in range(min(200, reads)):  # warm up connection, caches and the code paths
            client.get(paths[i % len(paths)]).raise_for_status()
            client.get("/healthz").raise_for_status()
        deadline = time.perf_counter() + max_seconds
        for i in range(reads):
            start = time.perf_counter()
            client.get(paths[i % len(paths)]).raise_for_status()
            middle = time.perf_counter()
            client.get("/healthz").raise_for_status()
            end = time.perf_counter()
            read_samples.append(middle - start)
            floor_samples.append(end - middle)
            if end > deadline:
                break
    read, floor = summarise(read_samples), summarise(floor_samples)
    return {
        "read": read,
        "baseline_healthz": floor,
        "ratio_p50_to_healthz": ratio(read, floor),
        "ratio_p99_to_healthz": ratio(read, floor, "p99_ms"),
        "read_p99_minus_healthz_p99_ms": round(read["p99_ms"] - floor["p99_ms"], 3),
    }


def _client_worker(base: str, paths: list[str], seconds: float, seed: int) -> tuple[int, float]:
    """One client process: as many requests as fit in `seconds`; returns (count, elapsed)."""
    rng = random.Random(seed)
    count = 0
    with httpx.Client(base_url=base, timeout=10, headers=bench_headers()) as client:
        client.get(paths[0]).raise_for_status()
        start = time.perf_counter()
        deadline = start + seconds
        while count < MAX_REQUESTS_PER_WORKER and time.perf_counter() < deadline:
            client.get(rng.choice(paths)).raise_for_status()
            count += 1
        elapsed = time.perf_counter() - start
    return count, elapsed


def throughput(base: str, paths: list[str], clients: int, seconds: float) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(clients) as pool:
        runs = pool.starmap(_client_worker, [(base, paths, seconds, n) for n in range(clients)])
    requests = sum(count for count, _ in runs)
    return {
        "clients": clients,
        "requests": requests,
        "requests_per_s": round(sum(count / elapsed for count, elapsed in runs)),
    }


def bench_database(name: str, args: argparse.Namespace) -> dict[str, Any]:
    store_ctx = open_store(name, pg_url=args.pg, sqlite_path=args.sqlite_path)
    with store_ctx as store:
        platform = open_platform(store.url)
        try:
            result: dict[str, Any] = {"load": load_resources(platform, args.resources, label=name)}
            ids = sample_ids(platform, None, args.ids)
        finally:
            platform.close()
        print(name, result["load"], flush=True)
        paths = [f"/fhir/{res_type}/{res_id}" for res_type, res_id in ids]
        result["distinct_ids"] = len(paths)
        with running_server(store.url) as base:
            # The load queued an event per resource; the server's subscribers (the MPI links
            # every Patient) work through them first. Reads are timed in the steady state.
            result["outbox_drain_s"] = wait_for_outbox(store.url)
            result["sequential"] = sequential(base, paths, args.reads, args.max_seconds)
            print(name, "sequential", result["sequential"], flush=True)
            result["throughput"] = []
            for clients in args.concurrency:
                read = throughput(base, paths, clients, args.throughput_seconds)
                floor = throughput(base, ["/healthz"], clients, args.throughput_seconds)
                row = {
                    "clients": clients,
                    "read_requests_per_s": read["requests_per_s"],
                    "healthz_requests_per_s": floor["requests_per_s"],
                    "ratio_to_healthz": round(read["requests_per_s"] / floor["requests_per_s"], 2),
                }
                result["throughput"].append(row)
                print(name, "throughput", row, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", type=int, default=5000, help="resources to store")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL (a schema is created)")
    parser.add_argument("--sqlite-path", help="keep/reuse this SQLite file")
    parser.add_argument("--reads", type=int, default=5000, help="sequential timed reads")
    parser.add_argument("--ids", type=int, default=5000, help="distinct random ids to read")
    parser.add_argument(
        "--concurrency",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[2, 4],
        help="client process counts for throughput, comma-separated",
    )
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="bound on the loop")
    parser.add_argument("--out", default="read.json")
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, Any] = {
        "benchmark": "read by id over HTTP",
        "target": "p99 <= 5 ms",
        "resources": args.resources,
        "client": "separate process, httpx.Client (persistent connection), 127.0.0.1",
        "server": "kangtong serve (uvicorn, one process)",
        "environment": environment(),
    }
    for name in databases(args.database):
        results[name] = bench_database(name, args)
    for name in ("sqlite", "postgresql"):
        results.setdefault(name, {"measured": False, "why": f"--database {args.database}"})
    results["seconds"] = round(time.perf_counter() - started, 1)
    write_results(args.out, results)


if __name__ == "__main__":
    main()
