"""Run every bench/bench_*.py with modest defaults (what `make bench` calls).

Each benchmark writes its own JSON to bench/results/. The scale-sized runs (1,000,000 resources
for search) are run by hand: see bench/README.md.

    python bench/run_all.py [--only read,search] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).parent

# Modest arguments per benchmark; a bench not listed runs with its own defaults.
MODEST: dict[str, list[str]] = {
    "bench_ids": ["--count", "100000", "--repeat", "5"],
    "bench_ingest": ["--bundles", "100"],
    "bench_expand": ["--concepts", "30000", "--requests", "500", "--out", "expand-quick.json"],
    "bench_read": ["--resources", "5000", "--reads", "5000", "--throughput-seconds", "5"],
    "bench_mpi": ["--people", "2000"],
    # A quick run writes its own file so it never overwrites the hand-run 1,000,000 figure.
    "bench_search": [
        *("--resources", "50000", "--queries", "500", "--http-queries", "200"),
        *("--out", "search-quick.json"),
    ],
}

# Modules that other benchmarks import, not benchmarks of their own.
HELPERS = {"bench_mpi_data", "bench_mpi_febrl"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="comma-separated names, e.g. read,search")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per benchmark")
    args = parser.parse_args()
    wanted = {f"bench_{n.strip()}" for n in args.only.split(",")} if args.only else None
    failed: list[str] = []
    for script in sorted(BENCH.glob("bench_*.py")):
        if wanted is not None and script.stem not in wanted:
            continue
        if script.stem in HELPERS:
            continue
        command = [sys.executable, str(script), *MODEST.get(script.stem, [])]
        print(f"== {script.stem}: {' '.join(command[1:])}", flush=True)
        start = time.perf_counter()
        try:
            code = subprocess.run(command, cwd=BENCH.parent, timeout=args.timeout).returncode
        except subprocess.TimeoutExpired:
            code = -1
        print(f"== {script.stem}: exit {code} in {time.perf_counter() - start:.0f} s", flush=True)
        if code != 0:
            failed.append(script.stem)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
