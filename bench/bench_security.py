"""The security benchmark of issue 13: what sealing and the keyed audit chain cost, same run.

Three parts, each a with/without comparison measured in one run on the same machine state:

- sealing (`security_sealing.measure`): ingest, read by id and identifier search of sensitive
  Conditions sealed (SM4-GCM content, HMAC-SM3 blind tokens) vs clear, and ordinary ingest;
- the keyed chain alone (`security_chain.measure`): audit append throughput and verification
  time, keyed (HMAC-SM3 under a key outside the database, anchors journaled) vs the unkeyed
  SM3 chain it replaced;
- the keyed chain end to end (below): one platform whose audit trail seals each call's rows
  with the keyed sealer or the unkeyed one, alternately — a transaction bundle of ten
  resources (its audit rows are written in the write transaction) and a read by id (its audit
  row is group-committed off the request path).

    python bench/bench_security.py [--database sqlite|postgresql|both]   # ~3 minutes for both

Writes bench/results/security.json and prints the ratios (with / without; 1.00 = free).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import security_chain
import security_sealing
from common import DEFAULT_PG, databases, environment, write_results
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.audit_chain import KeyedSealer, UnkeyedSealer
from security_sealing import compare, migrated_platform, paired

CTX = AccessContext.system("bench-security")


def _bundle(n: int) -> dict[str, Any]:
    patient = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
    entries: list[dict[str, Any]] = [
        {"fullUrl": patient, "resource": {"resourceType": "Patient", "gender": "male"},
         "request": {"method": "POST", "url": "Patient"}},
    ]  # fmt: skip
    for k in range(9):
        observation = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
            "subject": {"reference": patient},
            "valueQuantity": {"value": 5 + k, "unit": "mmol/L",
                              "system": "http://unitsofmeasure.org", "code": "mmol/L"},
        }  # fmt: skip
        entries.append(
            {"resource": observation, "request": {"method": "POST", "url": "Observation"}}
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def chain_end_to_end(database: str, bundles: int, reads: int) -> dict[str, Any]:
    """Ingest and read through the platform, the audit rows sealed keyed vs unkeyed."""
    with migrated_platform(database) as platform:
        return _chain_end_to_end(platform, bundles, reads) | {"database": database}


def _chain_end_to_end(platform: Platform, bundles: int, reads: int) -> dict[str, Any]:
    trail = platform.security.audit
    keyed, unkeyed = trail.sealer, UnkeyedSealer("sm3")  # the platform's own is keyed

    def sealed_by(sealer: Any, call: Any) -> Any:
        def run(n: int) -> object:
            trail.sealer = sealer
            return call(n)

        return run

    ingest = paired(
        bundles,
        sealed_by(keyed, lambda n: platform.bundles.process(CTX, _bundle(2 * n))),
        sealed_by(unkeyed, lambda n: platform.bundles.process(CTX, _bundle(2 * n + 1))),
    )
    ids = [platform.service.create(CTX, {"resourceType": "Patient"}).resource.res_id
           for _ in range(50)]  # fmt: skip
    read = paired(
        reads,
        sealed_by(keyed, lambda n: platform.service.read(CTX, "Patient", ids[n % 50])),
        sealed_by(unkeyed, lambda n: platform.service.read(CTX, "Patient", ids[n % 50])),
    )
    assert isinstance(keyed, KeyedSealer)
    trail.sealer = keyed
    return {
        "what": "platform ingest and read with the audit chain keyed vs unkeyed, interleaved",
        "bundles_per_side": bundles,
        "reads_per_side": reads,
        "ingest_bundle_of_10": _renamed(compare(*ingest)),
        "read_by_id": _renamed(compare(*read)),
    }


def _renamed(comparison: dict[str, Any]) -> dict[str, Any]:
    """`compare` names its sides sealed/clear; here they are keyed/unkeyed."""
    return {
        "keyed": comparison["sealed"],
        "unkeyed": comparison["clear"],
        "ratio_p50": comparison["ratio_p50"],
        "ratio_mean": comparison["ratio_mean"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--conditions", type=int, default=500)
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--bundles", type=int, default=200)
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, Any] = {"environment": environment(), "settings": vars(args)}
    for database in databases(args.database):
        pg_url = None if database == "sqlite" else DEFAULT_PG
        results[database] = {
            "sealing": security_sealing.measure(database, args.conditions, args.reads),
            "keyed_chain_alone": security_chain.measure(args.events, database_url=pg_url),
            "keyed_chain_end_to_end": chain_end_to_end(database, args.bundles, args.reads),
        }
        _print(database, results[database])
    results["seconds"] = round(time.perf_counter() - started, 1)
    write_results("security.json", results)


def _print(database: str, result: dict[str, Any]) -> None:
    sealing, alone, end = (
        result["sealing"],
        result["keyed_chain_alone"],
        result["keyed_chain_end_to_end"],
    )
    rows = [
        ("sealing: ingest sensitive", sealing["ingest_sensitive"]["ratio_p50"]),
        ("sealing: ingest ordinary", sealing["ingest_ordinary"]["ratio_p50"]),
        ("sealing: read by id", sealing["read_by_id"]["ratio_p50"]),
        ("sealing: identifier search", sealing["search_identifier"]["ratio_p50"]),
        ("keyed chain: append throughput", alone["ratio_append_throughput_keyed_over_unkeyed"]),
        ("keyed chain: verify time", alone["ratio_verify_time_keyed_over_unkeyed"]),
        ("keyed chain: ingest bundle", end["ingest_bundle_of_10"]["ratio_p50"]),
        ("keyed chain: read by id", end["read_by_id"]["ratio_p50"]),
    ]
    print(f"\n{database}: with / without (p50 ratio; throughput ratio for append)")
    for name, ratio in rows:
        print(f"  {name:32} {ratio:.3f}")


if __name__ == "__main__":
    main()
