"""Where transaction-bundle ingest spends its time (issue 3: the target is missed, so profile).

Wraps the stages of one platform's write path with wall-clock timers — prepare (validation +
search indexing, before the write lock), authorisation and staging, the rows written, write
rules, audit, outbox and COMMIT — and ingests `--bundles` patient bundles of 50 resources, as
`bench_ingest.py` does. Stages nest (prepare contains index and validate); "other" is the
bundle machinery (reference resolution, stamping, JSON serialisation, staging).

    python bench/profile_ingest.py --database both --bundles 200

Writes bench/results/ingest-profile.json.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy.engine.base as engine_base

from common import DEFAULT_PG, databases, environment, open_store, patient_bundle, write_results
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.migrate import upgrade

# (label, how to find the object, attribute): timed on the platform's own instances.
STAGES: tuple[tuple[str, Callable[[Any], Any], str], ...] = (
    ("prepare (validate + index, before the write lock)", lambda p: p.bundles, "_prepare"),
    ("  index", lambda p: p.service.indexer, "index"),
    ("  validate", lambda p: p.service, "check_resource"),
    ("rows written (resource, version, index tables)", lambda p: p.service.repository, "write"),
    ("write rules", lambda p: p.service.rules, "enforce"),
    ("audit (one AuditEvent per action)", lambda p: p.service.audit, "record_in"),
    ("outbox", lambda p: p.service.outbox, "append"),
)


def _timed(spent: dict[str, float], label: str, call: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - start

    return timed


def profile(url: str, bundles: int) -> dict[str, Any]:
    platform = build_platform(Settings(database_url=url))
    upgrade(platform.db)
    spent: defaultdict[str, float] = defaultdict(float)
    for label, owner, name in STAGES:
        target = owner(platform)
        setattr(target, name, _timed(spent, label, getattr(target, name)))
    commit = engine_base.Connection._commit_impl
    engine_base.Connection._commit_impl = _timed(spent, "COMMIT", commit)  # type: ignore[method-assign]
    try:
        ctx = AccessContext.system("bench")
        for n in range(10):  # warm up: compiled plans, caches, statement cache
            platform.bundles.process(ctx, patient_bundle(900_000 + n))
        spent.clear()
        work = [patient_bundle(n) for n in range(bundles)]
        resources = sum(len(b["entry"]) for b in work)
        start = time.perf_counter()
        for bundle in work:
            platform.bundles.process(ctx, bundle)
        elapsed = time.perf_counter() - start
    finally:
        engine_base.Connection._commit_impl = commit  # type: ignore[method-assign]
        platform.close()
    top_level = sum(v for k, v in spent.items() if not k.startswith("  "))
    stages = {
        label: {
            "us_per_resource": round(spent[label] / resources * 1e6, 1),
            "share": round(spent[label] / elapsed, 3),
        }
        for label in [s[0] for s in STAGES] + ["COMMIT"]
    }
    stages["other (bundle machinery, staging, serialisation)"] = {
        "us_per_resource": round((elapsed - top_level) / resources * 1e6, 1),
        "share": round((elapsed - top_level) / elapsed, 3),
    }
    return {
        "resources": resources,
        "resources_per_s": round(resources / elapsed),
        "us_per_resource": round(elapsed / resources * 1e6, 1),
        "stages": stages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--bundles", type=int, default=200)
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    results: dict[str, Any] = {
        "benchmark": "ingest profile",
        "environment": environment(),
        "bundles": args.bundles,
    }
    for name in databases(args.database):
        with open_store(name, pg_url=args.pg) as store:
            results[name] = profile(store.url, args.bundles)
        print(name, results[name]["resources_per_s"], "resources/s")
        for label, figures in results[name]["stages"].items():
            print(f"  {label:55s} {figures['us_per_resource']:7.1f} µs  {figures['share']:6.1%}")
    write_results("ingest-profile.json", results)


if __name__ == "__main__":
    main()
