"""The cost of trusted care relationships and per-version history (issue 13, findings 1, 2).

One SQLite database, one run: hospital A holds `--patients` residents with an Observation each;
hospital B's system has registered every one (an in-progress Encounter). Timed with every
answer cache emptied before each round (the worst case — answers live 5 s):
- `treated`: every patient B treats, with the writers of each found fact checked, against
  the bare Encounter search the old rule amounted to (the baseline);
- a page of 50 of `Observation/_history` for a clinician of B (each version decided like a
  read), against the same page for the platform (no decision) and against a search page of 50
  Observations by the same clinician (the same decisions as a filter);
- the same history page for a clinician of C, who may see none of it (the whole scan).

    python bench/bench_access_facts.py --patients 500 --rounds 5

Writes bench/results/access_facts.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import environment, open_platform, write_results
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform

ENCOUNTER_CLASS = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}


def _his(org: str) -> AccessContext:
    return AccessContext(
        f"system/his-{org}", org, "520102", frozenset({"institution-system"}),
        frozenset({"system/*.cruds"}),
    )  # fmt: skip


def _clinician(org: str) -> AccessContext:
    return AccessContext(
        f"Practitioner/doctor-{org}", org, "520102", frozenset({"clinician"}),
        frozenset({"user/*.cruds"}),
    )  # fmt: skip


def load(platform: Platform, patients: int) -> None:
    for _ in range(patients):
        pid = platform.service.create(_his("org-a"), {"resourceType": "Patient"}).resource.res_id
        subject = {"reference": f"Patient/{pid}"}
        platform.service.create(_his("org-a"), {
            "resourceType": "Observation", "status": "final", "code": {"text": "体温"},
            "subject": subject,
        })  # fmt: skip
        platform.service.create(_his("org-b"), {
            "resourceType": "Encounter", "status": "in-progress", "class": ENCOUNTER_CLASS,
            "subject": subject, "serviceProvider": {"reference": "Organization/org-b"},
        })  # fmt: skip


def cold_median(platform: Platform, run: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    policy: Any = platform.service.policy
    caches = [policy.decider.care.answers, policy.decider.consents.answers,
              policy.visibility_builder.recent]  # fmt: skip
    times, result = [], None
    for _ in range(rounds):
        for cache in caches:
            cache.forget()
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def measure(platform: Platform, patients: int, rounds: int) -> dict[str, Any]:
    policy: Any = platform.service.policy
    care = policy.decider.care
    doctor_b, doctor_c = _clinician("org-b"), _clinician("org-c")
    bare = [("service-provider", "Organization/org-b"), ("status", "in-progress")]
    baseline_ms, untrusted = cold_median(
        platform, lambda: care._patients_of("Encounter", bare), rounds
    )
    treated_ms, treated = cold_median(platform, lambda: care.treated(doctor_b), rounds)

    def history(ctx: AccessContext) -> Callable[[], Any]:
        return lambda: platform.service.history(
            ctx, "Observation", None, since_us=None, count=50, offset=0
        )

    platform_ms, _ = cold_median(platform, history(AccessContext.system("bench")), rounds)
    filtered_ms, page = cold_median(platform, history(doctor_b), rounds)
    search_ms, _ = cold_median(
        platform,
        lambda: platform.service.search(doctor_b, "Observation", [("_count", "50")]),
        rounds,
    )
    nothing_ms, empty = cold_median(platform, history(doctor_c), rounds)
    return {
        "patients": patients,
        "treated_ms": round(treated_ms, 1),
        "bare_encounter_search_ms": round(baseline_ms, 1),
        "treated_ratio": round(treated_ms / baseline_ms, 2),
        "treated_found": [len(treated), len(untrusted)],
        "history_page_clinician_ms": round(filtered_ms, 1),
        "history_page_platform_ms": round(platform_ms, 2),
        "search_page_clinician_ms": round(search_ms, 1),
        "history_to_search_ratio": round(filtered_ms / search_ms, 2),
        "history_page_entries": len(page.versions),
        "history_nothing_visible_ms": round(nothing_ms, 1),
        "history_nothing_visible_entries": len(empty.versions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        platform = open_platform(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            load(platform, args.patients)
            results = measure(platform, args.patients, args.rounds)
        finally:
            platform.close()
    for name, value in results.items():
        print(f"{name}: {value}")
    write_results("access_facts.json", {"environment": environment(), **results})


if __name__ == "__main__":
    main()
