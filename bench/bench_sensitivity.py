"""The cost of classifying resources by meaning (issue 13, finding 3) on the write path.

Every write is labelled by `LabellingIndexer`: the resource indexer's rows plus the sensitive
categories its codes fall in (`SensitiveCodes`: shipped + stored value sets, answers cached per
code). This times, in one process and the same run, the resource indexer alone and with the
labelling, over the ingest benchmark's resources (`common.patient_bundle`: Patients,
Encounters, LOINC Observations, ICD-10 Conditions, MedicationRequests) with the diagnosis codes
spread over A00–Z99 so that the code ranges are exercised; each resource is indexed both ways
back to back, alternating which goes first.
Also the classifier alone, with its answer cache emptied before each round (cold) and kept
(warm), and the rules' recompilation after a value set change; and, in the same rounds, the
classifier as it was before the review (ADR 0024, amended): only six named elements walked,
no words read — so the cost of walking every element is a same-run ratio.

    python bench/bench_sensitivity.py --bundles 40 --rounds 7

Writes bench/results/sensitivity.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any

from common import environment, open_platform, patient_bundle, write_results
from kangtong.security.labels import LabellingIndexer
from kangtong.security.sensitivity import CodeMeanings, labelled
from kangtong.terminology.sensitive_codes import SensitiveCodes

LETTERS = "ABCDEFGIJKLMNOZ"


def workload(bundles: int) -> list[dict[str, Any]]:
    resources = []
    for n in range(bundles):
        for number, entry in enumerate(patient_bundle(n)["entry"]):
            resource = dict(entry["resource"], id=f"r{n}-{number}")
            if resource["resourceType"] == "Condition":
                code = f"{LETTERS[(n + number) % len(LETTERS)]}{(n * 7 + number) % 100:02d}.1"
                resource["code"] = {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]
                }
            resources.append(resource)
    return resources


ELEMENTS_BEFORE_REVIEW = (
    "code", "category", "reasonCode", "valueCodeableConcept", "conclusionCode",
    "medicationCodeableConcept",
)  # fmt: skip


def classify_before_review(meanings: CodeMeanings, resource: dict[str, Any]) -> set[Any]:
    """The classification before the review, for comparison only: the six elements and
    components (contained resources aside: the workload has none)."""
    found = set(labelled(resource))
    concepts = [resource.get(e) for e in ELEMENTS_BEFORE_REVIEW]
    for component in resource.get("component") or []:
        concepts += [component.get("code"), component.get("valueCodeableConcept")]
    for concept in concepts:
        for item in concept if type(concept) is list else (concept,) if concept else ():
            for coding in item.get("coding") or [] if type(item) is dict else []:
                system, code = coding.get("system"), coding.get("code")
                if type(system) is str and type(code) is str:
                    found |= meanings.categories(system, code, coding.get("display") or "")
    return found


def per_resource_us(seconds: float, count: int) -> float:
    return round(1e6 * seconds / count, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundles", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    resources = workload(args.bundles)
    with tempfile.TemporaryDirectory(prefix="kt_bench_") as tmp:
        platform = open_platform(f"sqlite:///{tmp}/bench.db")
        labelling = platform.service.indexer
        assert isinstance(labelling, LabellingIndexer)
        meanings = platform.classify.meanings
        assert isinstance(meanings, SensitiveCodes)
        plain_times, labelled_times, cold, warm, before = [], [], [], [], []
        for round_number in range(args.rounds):
            plain_sum = labelled_sum = 0.0
            for number, resource in enumerate(resources):  # interleaved: the same noise for both
                for indexer in (labelling.inner, labelling)[
                    :: 1 if (number + round_number) % 2 else -1
                ]:
                    start = time.perf_counter()
                    indexer.index(resource)
                    elapsed = time.perf_counter() - start
                    if indexer is labelling:
                        labelled_sum += elapsed
                    else:
                        plain_sum += elapsed
            plain_times.append(plain_sum)
            labelled_times.append(labelled_sum)
            meanings._answers.clear()  # the cold case is the point
            start = time.perf_counter()
            for resource in resources:
                platform.classify(resource)
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            for resource in resources:
                platform.classify(resource)
            warm.append(time.perf_counter() - start)
            start = time.perf_counter()
            for resource in resources:
                classify_before_review(meanings, resource)
            before.append(time.perf_counter() - start)
        start = time.perf_counter()
        meanings._compile()  # what a value set change costs, once
        compile_ms = round(1000 * (time.perf_counter() - start), 1)
        platform.close()
    plain, labelled = (
        sorted(plain_times)[len(plain_times) // 2],
        sorted(labelled_times)[len(labelled_times) // 2],
    )
    count = len(resources)
    results = {
        "environment": environment(),
        "resources": count,
        "rounds": args.rounds,
        "index_us_per_resource": per_resource_us(plain, count),
        "index_and_label_us_per_resource": per_resource_us(labelled, count),
        "ratio_label_to_index": round(labelled / plain, 3),
        "classify_cold_us_per_resource": per_resource_us(sorted(cold)[len(cold) // 2], count),
        "classify_warm_us_per_resource": per_resource_us(sorted(warm)[len(warm) // 2], count),
        "classify_before_review_warm_us_per_resource": per_resource_us(
            sorted(before)[len(before) // 2], count
        ),
        "ratio_classify_warm_to_before_review": round(
            sorted(warm)[len(warm) // 2] / sorted(before)[len(before) // 2], 3
        ),
        "recompile_rules_ms": compile_ms,
    }
    print(results)
    write_results("sensitivity.json", results)


if __name__ == "__main__":
    main()
