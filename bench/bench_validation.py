"""Benchmark: FHIR R4 structure validation (kangtong.fhir.model) against ``orjson.loads``.

Run from the repository root after ``make definitions``::

    .venv/bin/python bench/bench_validation.py [--count 2000] [--repeat 5]

Writes ``bench/results/validation.json``. Every rate is resources per second on one core, best of
``--repeat`` runs over the same documents; ``ratio_to_orjson_loads`` divides the validation rate by
the rate of ``orjson.loads`` on the same documents, measured in the same run, because these
machines are noisy. If ``fhir.resources`` is installed, its R4B ``model_validate`` is measured too.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from kangtong.fhir.model import ResourceValidator, StructureModel

Resource = dict[str, Any]
RESULTS = Path(__file__).parent / "results" / "validation.json"
FAMILY_NAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
GIVEN_NAMES = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军"]
DISTRICTS = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区"]
LABS = [("2345-7", "空腹血糖", "mmol/L", 3.9, 6.1), ("2093-3", "总胆固醇", "mmol/L", 3.1, 5.2)]


def reference(kind: str, rng: random.Random) -> dict[str, str]:
    return {"reference": f"{kind}/{rng.randrange(1, 10**6)}"}


def day(rng: random.Random, year: int) -> str:
    return f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def moment(rng: random.Random) -> str:
    return f"{day(rng, 2024)}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00+08:00"


def patient(rng: random.Random) -> Resource:
    family, given = rng.choice(FAMILY_NAMES), rng.choice(GIVEN_NAMES)
    return {
        "resourceType": "Patient",
        "id": f"pat-{rng.randrange(10**9)}",
        "meta": {"versionId": "1", "lastUpdated": "2024-03-01T08:30:00.000+08:00"},
        "identifier": [
            {
                "system": "urn:oid:2.16.156.10011.1.1",
                "value": f"1101011990{rng.randrange(10**8):08d}",
            }
        ],
        "active": True,
        "name": [{"use": "official", "text": family + given, "family": family, "given": [given]}],
        "telecom": [
            {"system": "phone", "value": f"138{rng.randrange(10**8):08d}", "use": "mobile"}
        ],
        "gender": rng.choice(["male", "female"]),
        "birthDate": day(rng, rng.randrange(1930, 2020)),
        "address": [
            {
                "use": "home",
                "city": "北京市",
                "district": rng.choice(DISTRICTS),
                "line": ["某街道1号"],
            }
        ],
        "managingOrganization": reference("Organization", rng),
    }


def lab_observation(rng: random.Random) -> Resource:
    code, text, unit, low, high = rng.choice(LABS)
    return {
        "resourceType": "Observation",
        "id": f"obs-{rng.randrange(10**9)}",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": code}], "text": text},
        "subject": reference("Patient", rng),
        "encounter": reference("Encounter", rng),
        "effectiveDateTime": moment(rng),
        "issued": "2024-03-01T11:02:13.123+08:00",
        "valueQuantity": {
            "value": round(rng.uniform(2, 9), 1),
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
        "referenceRange": [
            {"low": {"value": low, "unit": unit}, "high": {"value": high, "unit": unit}}
        ],
    }


def blood_pressure(rng: random.Random) -> Resource:
    def component(code: str, value: int) -> Resource:
        quantity = {
            "value": value,
            "unit": "mmHg",
            "system": "http://unitsofmeasure.org",
            "code": "mm[Hg]",
        }
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": quantity,
        }

    return {
        "resourceType": "Observation",
        "id": f"bp-{rng.randrange(10**9)}",
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
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}], "text": "血压"},
        "subject": reference("Patient", rng),
        "effectiveDateTime": moment(rng),
        "component": [
            component("8480-6", rng.randrange(100, 160)),
            component("8462-4", rng.randrange(60, 100)),
        ],
    }


def encounter(rng: random.Random) -> Resource:
    return {
        "resourceType": "Encounter",
        "id": f"enc-{rng.randrange(10**9)}",
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": rng.choice(["AMB", "IMP", "EMER"]),
        },
        "type": [{"text": "门诊"}],
        "subject": reference("Patient", rng),
        "participant": [{"individual": reference("Practitioner", rng)}],
        "period": {"start": moment(rng), "end": moment(rng)},
        "reasonCode": [{"text": "头晕三天"}],
        "serviceProvider": reference("Organization", rng),
    }


def condition(rng: random.Random) -> Resource:
    clinical = {
        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
        "code": "active",
    }
    return {
        "resourceType": "Condition",
        "id": f"cond-{rng.randrange(10**9)}",
        "clinicalStatus": {"coding": [clinical]},
        "code": {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/sid/icd-10",
                    "code": rng.choice(["I10", "E11.9", "J45.9"]),
                }
            ]
        },
        "subject": reference("Patient", rng),
        "encounter": reference("Encounter", rng),
        "recordedDate": moment(rng),
    }


def medication_request(rng: random.Random) -> Resource:
    return {
        "resourceType": "MedicationRequest",
        "id": f"rx-{rng.randrange(10**9)}",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "苯磺酸氨氯地平片 5mg"},
        "subject": reference("Patient", rng),
        "authoredOn": moment(rng),
        "requester": reference("Practitioner", rng),
        "dosageInstruction": [
            {
                "text": "每日一次，每次一片，口服",
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "片"}}],
            }
        ],
    }


GENERATORS: dict[str, Callable[[random.Random], Resource]] = {
    "Patient": patient,
    "Observation (laboratory)": lab_observation,
    "Observation (blood pressure)": blood_pressure,
    "Encounter": encounter,
    "Condition": condition,
    "MedicationRequest": medication_request,
}


def best_rate(action: Callable[[Any], object], documents: list[Any], repeat: int) -> float:
    """Documents per second of ``action``, best of ``repeat`` passes."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for document in documents:
            action(document)
        best = min(best, time.perf_counter() - start)
    return len(documents) / best


def fhir_resources_validator(resource_type: str) -> Callable[[Any], object] | None:
    """``fhir.resources`` R4B ``model_validate`` for the type, if that package is installed."""
    try:
        module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    except ImportError:
        return None
    model_class = getattr(module, resource_type)
    return model_class.model_validate  # type: ignore[no-any-return]


def measure(kind: str, validator: ResourceValidator, count: int, repeat: int) -> dict[str, Any]:
    rng = random.Random(kind)
    resources = [GENERATORS[kind](rng) for _ in range(count)]
    payloads = [orjson.dumps(resource) for resource in resources]
    invalid = sum(1 for resource in resources if validator.validate(resource))
    assert invalid == 0, f"{invalid} generated {kind} resources do not validate"
    loads_rate = best_rate(orjson.loads, payloads, repeat)
    validate_rate = best_rate(validator.validate, resources, repeat)
    row: dict[str, Any] = {
        "resources": count,
        "mean_json_bytes": sum(map(len, payloads)) // count,
        "orjson_loads_per_s": round(loads_rate),
        "kangtong_validate_per_s": round(validate_rate),
        "ratio_to_orjson_loads": round(validate_rate / loads_rate, 3),
        "loads_then_validate_per_s": round(1 / (1 / loads_rate + 1 / validate_rate)),
    }
    baseline = fhir_resources_validator(kind.split()[0])
    if baseline is not None:
        rate = best_rate(baseline, resources, max(1, repeat // 2))
        row["fhir_resources_r4b_model_validate_per_s"] = round(rate)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    started = time.perf_counter()
    validator = ResourceValidator(StructureModel.load())
    setup_seconds = time.perf_counter() - started
    rows = {
        kind: measure(kind, validator, arguments.count, arguments.repeat) for kind in GENERATORS
    }
    result = {
        "benchmark": "fhir-r4-validation",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "model_load_and_compile_s": round(setup_seconds, 3),
        "results": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for kind, row in rows.items():
        print(
            f"{kind:30} {row['kangtong_validate_per_s']:>9,}/s validate  "
            f"{row['orjson_loads_per_s']:>9,}/s orjson.loads  ratio {row['ratio_to_orjson_loads']}"
        )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
