"""Benchmark: FHIRPath evaluations per second against hand-written dict lookups (same run).

Run: ``.venv/bin/python bench/bench_fhirpath.py``; writes ``bench/results/fhirpath.json``.
The ratio (engine time / hand-written time) is the figure to compare across machines.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from kangtong.fhir.fhirpath import compile_for_type, compile_path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "fhirpath.json"
DEFINITIONS = ROOT / "src" / "kangtong" / "fhir" / "definitions" / "search-parameters-r4.json"

OBSERVATION: dict[str, Any] = orjson.loads(
    orjson.dumps(
        {
            "resourceType": "Observation",
            "id": "bp-1",
            "meta": {"lastUpdated": "2024-03-01T10:00:00+08:00"},
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "vital-signs",
                        }
                    ]
                }
            ],
            "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}], "text": "体重"},
            "subject": {"reference": "Patient/p1"},
            "encounter": {"reference": "Encounter/e1"},
            "effectiveDateTime": "2024-03-01T09:30:00+08:00",
            "issued": "2024-03-01T10:00:00.000+08:00",
            "performer": [{"reference": "Practitioner/dr1"}],
            "valueQuantity": {
                "value": 72.5,
                "unit": "kg",
                "system": "http://unitsofmeasure.org",
                "code": "kg",
            },
        }
    )
)
PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"system": "urn:oid:2.16.156.10011.1.3", "value": "11010519491231002X"}],
    "name": [{"use": "official", "family": "张", "given": ["伟"]}],
    "gender": "male",
    "birthDate": "1949-12-31",
}


def _choice(resource: dict[str, Any], prefix: str) -> list[Any]:
    return [value for key, value in resource.items() if key.startswith(prefix) and key != prefix]


# Hand-written equivalents: what a programmer would write for exactly one expression.
BASELINES: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], list[Any]]]] = {
    "Observation.code": (
        OBSERVATION,
        lambda r: [r["code"]] if r.get("resourceType") == "Observation" and "code" in r else [],
    ),
    "Observation.subject.where(resolve() is Patient)": (
        OBSERVATION,
        lambda r: [
            s for s in [r.get("subject")] if s and s.get("reference", "").startswith("Patient/")
        ],
    ),
    "Observation.effective": (OBSERVATION, lambda r: _choice(r, "effective")),
    "Patient.name": (PATIENT, lambda r: list(r.get("name", []))),
    "(Observation.value as Quantity) | (Observation.value as SampledData)": (
        OBSERVATION,
        lambda r: [v for v in (r.get("valueQuantity"), r.get("valueSampledData")) if v],
    ),
}


def per_call_seconds(function: Callable[[], object], minimum_seconds: float = 0.3) -> float:
    """Best of five timed batches, each long enough to swamp timer resolution."""
    calls = 1000
    while True:
        started = time.perf_counter()
        for _ in range(calls):
            function()
        elapsed = time.perf_counter() - started
        if elapsed > minimum_seconds / 5:
            break
        calls *= 2
    best = elapsed
    for _ in range(4):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, time.perf_counter() - started)
    return best / calls


def bench_expressions() -> list[dict[str, Any]]:
    results = []
    for expression, (resource, baseline) in BASELINES.items():
        path = compile_path(expression)
        assert path.evaluate(resource) == baseline(resource), expression
        engine = per_call_seconds(partial(path.evaluate_typed, resource))
        hand = per_call_seconds(partial(baseline, resource))
        results.append(
            {
                "expression": expression,
                "engine_us": round(engine * 1e6, 3),
                "baseline_us": round(hand * 1e6, 3),
                "ratio": round(engine / hand, 2),
                "evaluations_per_second": round(1 / engine),
            }
        )
    return results


def bench_indexing(resource: dict[str, Any]) -> dict[str, Any]:
    """All R4 search parameters of one resource type, as the indexer runs them per resource."""
    resource_type = resource["resourceType"]
    bundle = orjson.loads(DEFINITIONS.read_bytes())
    expressions = [
        entry["resource"]["expression"]
        for entry in bundle["entry"]
        if entry["resource"].get("expression")
        and {resource_type, "Resource", "DomainResource"} & set(entry["resource"]["base"])
    ]
    started = time.perf_counter()
    paths = [compile_for_type(expression, resource_type) for expression in expressions]
    compile_seconds = time.perf_counter() - started
    compiled = [path for path in paths if path is not None]

    def index_once() -> None:
        for path in compiled:
            path.evaluate_typed(resource)

    return {
        "resource_type": resource_type,
        "parameters": len(compiled),
        "compile_ms_total": round(compile_seconds * 1e3, 2),
        "all_parameters_us_per_resource": round(per_call_seconds(index_once) * 1e6, 1),
        "orjson_loads_us": round(
            per_call_seconds(lambda: orjson.loads(orjson.dumps(resource))) * 1e6, 2
        ),
    }


def main() -> None:
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "expressions": bench_expressions(),
        "indexing": [bench_indexing(OBSERVATION), bench_indexing(PATIENT)],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
