"""The cost of sealing sensitive records at rest (issue 13, finding 13; ADR 0026).

In one process, on one store, two resource services that differ only in sealing: the
platform's own (a labelled resource's JSON sealed with SM4-GCM, its identifier stored as an
HMAC-SM3 blind token, display texts and strings left out of the index) and a baseline whose
`LabellingIndexer` keeps rows and content in clear (`ClearRows`) and whose parser looks for no
blind tokens. Same classification, policy and audit on both. Every measured call runs once on
each side, interleaved (alternating which goes first), so both see the same noise:

- ingest: create an HIV Condition (ICD-10 B20, subject display, case identifier, note,
  narrative) — sealed vs clear; and an ordinary Observation, which must cost the same;
- read by id: a sealed Condition (opened on read) vs a clear one;
- search `Condition?identifier=system|value`: by blind token vs by the clear code (after the
  planner statistics are refreshed, as `kangtong load` and `kangtong db analyze` do: on a
  PostgreSQL table never analysed, `code IN (clear, token)` is planned as a scan).

    python bench/security_sealing.py                       # SQLite, ~10 s
    python bench/security_sealing.py --database postgresql # ~1 minute

Writes bench/results/security-sealing.json (PostgreSQL: security-sealing-pg.json).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from common import DEFAULT_PG, environment, open_store, summarise, write_results
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.fhir.search.parser import SearchParser
from kangtong.fhir.service import ResourceService
from kangtong.platform import Platform, build_platform
from kangtong.security.labels import ClearRows, LabellingIndexer
from kangtong.store.migrate import upgrade
from kangtong.store.statistics import refresh_statistics

CTX = AccessContext.system("bench")
CASES = "urn:oid:2.16.156.10011.1.99.1"


def hiv_condition(n: int, patient: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "identifier": [{"system": CASES, "value": f"HIV-2026-{n:06d}"}],
        "subject": {"reference": f"Patient/{patient}", "display": f"王秀英{n}"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "B20",
                             "display": "人类免疫缺陷病毒病"}]},
        "onsetDateTime": "2026-03-04",
        "note": [{"text": f"第{n}次随访, 按时服药"}],
    }  # fmt: skip


def observation(n: int, patient: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "status": "final",
        "subject": {"reference": f"Patient/{patient}"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
        "valueQuantity": {"value": 100 + n % 60, "unit": "mm[Hg]"},
    }  # fmt: skip


def clear_service(platform: Platform) -> ResourceService:
    """The platform's service with sealing left out: rows and content in clear, no blind search."""
    sealed = platform.service
    labelling = sealed.indexer
    assert isinstance(labelling, LabellingIndexer)
    parser = SearchParser(
        platform.registry,
        replace(sealed.parser._ctx, blind_tokens=None),
        default_count=platform.settings.default_page_size,
        max_count=platform.settings.max_page_size,
    )
    return ResourceService(
        platform.db,
        indexer=LabellingIndexer(labelling.inner, labelling.classify, ClearRows()),
        parser=parser,
        clock=sealed.clock,
        is_resource_type=sealed.is_resource_type,
        policy=sealed.policy,
        audit=sealed.audit,
        sealing=sealed.repository.sealing,
        check=sealed.check,
        default_district=sealed.default_district,
    )


def paired(
    count: int, sealed: Callable[[int], object], clear: Callable[[int], object]
) -> tuple[list[float], list[float]]:
    """Seconds per call of each side, interleaved, alternating which goes first."""
    times: dict[str, list[float]] = {"sealed": [], "clear": []}
    for n in range(count):
        order = [("sealed", sealed), ("clear", clear)]
        for name, call in order if n % 2 == 0 else reversed(order):
            start = time.perf_counter()
            call(n)
            times[name].append(time.perf_counter() - start)
    return times["sealed"], times["clear"]


def compare(sealed: list[float], clear: list[float]) -> dict[str, Any]:
    with_, without = summarise(sealed), summarise(clear)
    return {
        "sealed": with_,
        "clear": without,
        "ratio_p50": round(with_["p50_ms"] / without["p50_ms"], 3),
        "ratio_mean": round(with_["mean_ms"] / without["mean_ms"], 3),
    }


@contextmanager
def migrated_platform(database: str, pg_url: str = DEFAULT_PG) -> Iterator[Platform]:
    """A platform on a fresh store (PostgreSQL: a private schema dropped at the end), its keys
    in a temporary folder."""
    with (
        tempfile.TemporaryDirectory(prefix="kt_bench_") as keys,
        open_store(database, pg_url=pg_url) as store,
    ):
        settings = Settings(database_url=store.url, security_key_dir=str(Path(keys) / "keys"))
        platform = build_platform(settings)
        upgrade(platform.db)
        try:
            yield platform
        finally:
            platform.close()


def measure(
    database: str = "sqlite", conditions: int = 1000, reads: int = 2000, pg_url: str = DEFAULT_PG
) -> dict[str, Any]:
    """Ingest, read and search with and without sealing; ratios sealed / clear (same run)."""
    with migrated_platform(database, pg_url) as platform:
        return _measure(platform, conditions, reads) | {"database": database}


def _measure(platform: Platform, conditions: int, reads: int) -> dict[str, Any]:
    sealed, clear = platform.service, clear_service(platform)
    patient = sealed.create(CTX, {"resourceType": "Patient", "gender": "female"}).resource.res_id
    ids: dict[str, list[str]] = {"sealed": [], "clear": []}

    def create(service: ResourceService, side: str, offset: int) -> Callable[[int], object]:
        def call(n: int) -> object:
            made = service.create(CTX, hiv_condition(offset + n, patient)).resource.res_id
            ids[side].append(made)
            return made

        return call

    sensitive = paired(conditions, create(sealed, "sealed", 0), create(clear, "clear", conditions))
    ordinary = paired(
        conditions,
        lambda n: sealed.create(CTX, observation(n, patient)),
        lambda n: clear.create(CTX, observation(n, patient)),
    )
    refresh_statistics(platform.db)  # as `kangtong load` does after loading (ADR 0026)
    read = paired(
        reads,
        lambda n: sealed.read(CTX, "Condition", ids["sealed"][n % conditions]),
        lambda n: clear.read(CTX, "Condition", ids["clear"][n % conditions]),
    )

    def search(service: ResourceService, offset: int) -> Callable[[int], object]:
        def call(n: int) -> object:
            value = f"{CASES}|HIV-2026-{offset + n % conditions:06d}"
            found = service.search(CTX, "Condition", [("identifier", value)])
            assert len(found.entries) == 1, value
            return found

        return call

    searched = paired(reads, search(sealed, 0), search(clear, conditions))
    return {
        "what": "sealed (SM4-GCM content, blind-indexed identifier) vs clear, same run",
        "conditions_per_side": conditions,
        "reads_per_side": reads,
        "ingest_sensitive": compare(*sensitive),
        "ingest_ordinary": compare(*ordinary),
        "read_by_id": compare(*read),
        "search_identifier": compare(*searched),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--conditions", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    started = time.perf_counter()
    result = measure(args.database, args.conditions, args.reads)
    result["seconds"] = round(time.perf_counter() - started, 1)
    name = "security-sealing.json" if args.database == "sqlite" else "security-sealing-pg.json"
    write_results(name, {"environment": environment(), **result})
    for name in ("ingest_sensitive", "ingest_ordinary", "read_by_id", "search_identifier"):
        part = result[name]
        print(f"{name:18} sealed p50 {part['sealed']['p50_ms']:.3f} ms, "
              f"clear p50 {part['clear']['p50_ms']:.3f} ms, ratio {part['ratio_p50']}")  # fmt: skip


if __name__ == "__main__":
    main()
