"""The cost of authorisation + audit (issue 7) on ingest, read by id and search. Target ≤ 15 %.

Through the resource service, in one process, on one store: every measured call runs once with
enforcement (the platform's `SecurityPolicy` and `ChainedAuditSink`) and once without
(`AllowAll`, `NoAudit`), interleaved — alternating which goes first — so both see the same
noise. The caller is a hospital's own system (`institution-system`, `system/*.cruds`) working on
its own records, the common case; a fresh `AccessContext` per call, as the web layer makes one
per request. Also reported, not part of the target: a clinician of another hospital searching
a patient it treats (care relationship and Consent looked up by FHIR searches), reads with
`audit_durable_reads` (each read waits for its group commit), and ES256 token verification.

    python bench/bench_security_overhead.py --database both
    python bench/bench_security_overhead.py --bundles 20 --reads 500 --database sqlite  # smoke

Writes bench/results/security-overhead.json.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from typing import Any

from common import (
    DEFAULT_PG,
    RESOURCES_PER_BUNDLE,
    databases,
    environment,
    open_store,
    patient_bundle,
    ratio,
    summarise,
    write_results,
)
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext, AllowAll, NoAudit
from kangtong.platform import Platform, build_platform
from kangtong.security.tokens import TokenClaims
from kangtong.store.migrate import upgrade

ORG, OTHER_ORG, DISTRICT = "org-bench", "org-other", "520102"


def hospital_system() -> AccessContext:
    return AccessContext(
        "system/his-bench", ORG, DISTRICT, frozenset({"institution-system"}),
        frozenset({"system/*.cruds"}),
    )  # fmt: skip


def other_clinician() -> AccessContext:
    return AccessContext(
        "Practitioner/dr-other", OTHER_ORG, DISTRICT, frozenset({"clinician"}),
        frozenset({"user/*.cruds"}),
    )  # fmt: skip


class Modes:
    """Switches the service between enforcement on and off."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.on = (platform.service.policy, platform.service.audit)
        self.off = (AllowAll(), NoAudit())

    def use(self, secured: bool) -> None:
        self.platform.service.policy, self.platform.service.audit = self.on if secured else self.off


def interleaved(
    modes: Modes, count: int, max_seconds: float, call: Callable[[int, bool], object]
) -> dict[str, Any]:
    samples: dict[bool, list[float]] = {True: [], False: []}
    deadline = time.perf_counter() + max_seconds
    for i in range(count):
        for secured in (True, False) if i % 2 else (False, True):
            modes.use(secured)
            start = time.perf_counter()
            call(i, secured)
            samples[secured].append(time.perf_counter() - start)
        if time.perf_counter() > deadline:
            break
    modes.use(True)
    on, off = summarise(samples[True]), summarise(samples[False])
    return {
        "with_security": on,
        "without": off,
        "ratio_p50": ratio(on, off),
        "ratio_p99": ratio(on, off, "p99_ms"),
        "ratio_mean": ratio(on, off, "mean_ms"),
    }


def bench_database(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with open_store(name, pg_url=args.pg) as store, tempfile.TemporaryDirectory() as keys:
        settings = Settings(database_url=store.url, security_key_dir=keys)
        platform = build_platform(settings)
        upgrade(platform.db)
        try:
            return measure(platform, args)
        finally:
            platform.close()


def measure(platform: Platform, args: argparse.Namespace) -> dict[str, Any]:
    modes = Modes(platform)
    results: dict[str, Any] = {}
    patients: list[str] = []

    def ingest(i: int, _secured: bool) -> None:
        bundle = patient_bundle(i * 2 + (1 if _secured else 0))
        response = platform.bundles.process(hospital_system(), bundle)
        patients.append(response["entry"][0]["response"]["location"].split("/")[1])

    results["ingest_bundle"] = interleaved(modes, args.bundles, args.max_seconds, ingest)
    for key in ("with_security", "without"):
        p50 = results["ingest_bundle"][key].get("p50_ms")
        results["ingest_bundle"][key]["resources_per_s_p50"] = (
            round(RESOURCES_PER_BUNDLE / (p50 / 1000)) if p50 else None
        )
    observations = _observation_ids(platform, patients)
    rng = random.Random(7)

    def read(_i: int, _secured: bool) -> None:
        platform.service.read(hospital_system(), "Observation", rng.choice(observations))

    results["read_by_id"] = interleaved(modes, args.reads, args.max_seconds, read)

    def search(i: int, _secured: bool) -> None:
        patient = patients[i % len(patients)]
        params = [("subject", f"Patient/{patient}"), ("code", "http://loinc.org|2345-1")]
        platform.service.search(hospital_system(), "Observation", params)

    results["search_patient_observations"] = interleaved(
        modes, args.searches, args.max_seconds, search
    )
    results["extra"] = extras(platform, modes, patients, observations, args)
    results["audit_rows"] = platform.security.audit.count()
    return results


def extras(
    platform: Platform,
    modes: Modes,
    patients: list[str],
    observations: list[str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    treated = patients[0]
    encounter = {
        "resourceType": "Encounter", "status": "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": f"Patient/{treated}"},
        "serviceProvider": {"reference": f"Organization/{OTHER_ORG}"},
    }  # fmt: skip
    platform.service.create(AccessContext.system("bench"), encounter)

    def cross_org(_i: int, _secured: bool) -> None:
        params = [("subject", f"Patient/{treated}"), ("code", "http://loinc.org|2345-1")]
        platform.service.search(other_clinician(), "Observation", params)

    found: dict[str, Any] = {
        "search_by_treating_clinician_of_another_hospital": interleaved(
            modes, min(args.searches, 300), args.max_seconds, cross_org
        )
    }
    sink = platform.security.audit_sink
    sink.durable_reads = True
    rng = random.Random(11)

    def durable_read(_i: int, _secured: bool) -> None:
        platform.service.read(hospital_system(), "Observation", rng.choice(observations))

    found["read_by_id_durable_audit"] = interleaved(
        modes, min(args.reads, 500), args.max_seconds, durable_read
    )
    sink.durable_reads = False
    found["token_verify_es256"] = token_verification(platform)
    return found


def token_verification(platform: Platform) -> dict[str, Any]:
    tokens = platform.security.tokens
    token = tokens.issue(TokenClaims("cli/bench", "bench", ("system/*.cruds",), ("system",)))
    samples = []
    for _ in range(300):
        start = time.perf_counter()
        tokens.verify(token.token)
        samples.append(time.perf_counter() - start)
    return {
        "uncached": summarise(samples),
        "note": "the middleware caches verified tokens; repeated use costs a dict lookup",
    }


def _observation_ids(platform: Platform, patients: list[str]) -> list[str]:
    ids: list[str] = []
    for patient in patients[:50]:
        found = platform.service.search(
            AccessContext.system("bench"), "Observation", [("subject", f"Patient/{patient}")]
        )
        ids += [e.res_id for e in found.entries]
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL (a schema is created)")
    parser.add_argument("--bundles", type=int, default=60, help="bundle pairs to ingest")
    parser.add_argument("--reads", type=int, default=3000, help="read pairs")
    parser.add_argument("--searches", type=int, default=1000, help="search pairs")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="bound per loop")
    args = parser.parse_args()
    report: dict[str, Any] = {
        "benchmark": "security-overhead",
        "target": "authorisation + audit ≤ 15 % over the same call without them (issue 7)",
        "environment": environment(),
        "parameters": vars(args),
        "results": {},
    }
    for name in databases(args.database):
        report["results"][name] = bench_database(name, args)
        print(name, {k: v.get("ratio_p50") for k, v in report["results"][name].items()
                     if isinstance(v, dict) and "ratio_p50" in v}, flush=True)  # fmt: skip
    write_results("security-overhead.json", report)


if __name__ == "__main__":
    main()
