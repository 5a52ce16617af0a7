"""Benchmark: generate a synthetic district and report residents/s and FHIR resources/s.

    .venv/bin/python bench/bench_synth.py --people 100000

Writes bench/results/synth.json. As these machines are noisy, a small single-process run is
measured in the same session as a baseline, and the ratio of the two rates is reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

from kangtong.synth import SynthConfig, SynthSummary, generate_district
from kangtong.synth.config import DEFAULT_FORMATS

RESULTS = Path(__file__).parent / "results" / "synth.json"
BASELINE_PEOPLE = 2_000


def run(config: SynthConfig) -> SynthSummary:
    out = Path(tempfile.mkdtemp(prefix="kangtong-synth-"))
    try:
        return generate_district(config, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def describe(summary: SynthSummary) -> dict[str, float | int]:
    return {
        "people": summary.people,
        "fhir_resources": summary.fhir_resources,
        "hl7v2_messages": summary.counts.get("hl7v2 messages", 0),
        "wall_seconds": round(summary.seconds, 2),
        "people_per_second": round(summary.people / summary.seconds, 1),
        "resources_per_second": round(summary.fhir_resources / summary.seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--formats", default=",".join(DEFAULT_FORMATS))
    args = parser.parse_args()
    formats = tuple(args.formats.split(","))
    baseline = describe(run(SynthConfig(people=BASELINE_PEOPLE, formats=formats, workers=1)))
    measured = describe(run(SynthConfig(people=args.people, formats=formats, workers=args.workers)))
    result = {
        "benchmark": "synth",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "workers": args.workers,
        "formats": list(formats),
        "run": measured,
        "baseline_single_process": baseline,
        "speedup_over_baseline": round(
            float(measured["people_per_second"]) / float(baseline["people_per_second"]), 2
        ),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
