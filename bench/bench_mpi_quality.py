"""Quality of `kangtong mpi link` per noise profile and per noise class (issue 12, finding 5).

For each profile (bench_mpi_data.py: the tuning profiles the engine was developed on, and the
held-out profiles it never saw while being tuned), the batch engine links the set and is scored
pairwise against the truth: precision / recall / F1, the same per noise class, blocking recall,
candidate pairs, and what the review queue holds (missed pairs a clerk is shown). splink 5, as
configured in bench_mpi_febrl.py, runs on the same records when asked.

    .venv/bin/python bench/bench_mpi_quality.py --profiles tuning            # ~1 min
    .venv/bin/python bench/bench_mpi_quality.py --profiles all --splink      # the report
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_mpi_data import EvaluationSet, Profile, held_out_profiles, tuning_profiles
from bench_mpi_metrics import pairwise_scores, per_class_scores, review_coverage
from kangtong.mpi.batch import link_identity_records
from kangtong.mpi.linker import LinkerSettings

RESULTS = Path(__file__).parent / "results"


def kangtong_on(evaluation: EvaluationSet, details: bool = True) -> dict[str, Any]:
    """kangtong's batch engine on one set, scored against its truth."""
    settings = LinkerSettings()
    started = time.perf_counter()
    _, result = link_identity_records(evaluation.records, settings)
    seconds = time.perf_counter() - started
    truth = np.asarray(evaluation.truth)
    found = int((truth[result.pairs.left] == truth[result.pairs.right]).sum())
    scores = pairwise_scores(evaluation.truth, result.labels)
    reviews = [(a, b) for a, b, _ in result.review_pairs(settings)]
    report: dict[str, Any] = {
        **scores,
        "seconds": round(seconds, 2),
        "candidate_pairs": len(result.pairs),
        "blocking_recall": round(found / scores["true_pairs"], 5) if scores["true_pairs"] else 1.0,
        "review": review_coverage(evaluation.truth, result.labels, reviews),
        "model_trusted": result.trusted,
        "model_checks": None if result.assessment is None else result.assessment.as_json(),
    }
    if details:
        report["per_class"] = per_class_scores(evaluation.truth, result.labels, evaluation.noise)
        report["candidate_pairs_by_rule"] = result.pairs.pairs_by_rule
        report["vetoed_pairs"] = dict(result.vetoed)
        report["refused_merges"] = dict(result.clustering.rejected)
        report["model"] = result.model.describe()
    return report


def splink_on(evaluation: EvaluationSet) -> dict[str, Any]:
    from bench_mpi_febrl import run_splink_chinese

    labels, info = run_splink_chinese(evaluation.records)
    return {
        **pairwise_scores(evaluation.truth, labels),
        **info,
        "per_class": per_class_scores(evaluation.truth, labels, evaluation.noise),
    }


def evaluate(profiles: list[Profile], people: int, with_splink: bool) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for profile in profiles:
        evaluation = profile.build(people)
        entry: dict[str, Any] = {
            "role": profile.role,
            "seed": profile.seed,
            "records": len(evaluation.records),
            "noise": vars(profile.noise),
            "hard": None if profile.hard is None else vars(profile.hard),
            "kangtong": kangtong_on(evaluation),
        }
        if with_splink:
            entry["splink"] = splink_on(evaluation)
        report[profile.name] = entry
        print_entry(profile.name, entry)
    return report


def print_entry(name: str, entry: dict[str, Any]) -> None:
    for system in ("kangtong", "splink"):
        figures = entry.get(system)
        if not figures:
            continue
        shown = {k: figures[k] for k in ("precision", "recall", "f1", "blocking_recall",
                                          "candidate_pairs", "seconds") if k in figures}  # fmt: skip
        print(f"{name} [{entry['role']}] {system}", shown, figures.get("review", ""), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=3000, help="residents per set")
    parser.add_argument("--seed", type=int, default=7, help="first seed of the tuning profiles")
    parser.add_argument("--profiles", choices=("tuning", "held-out", "all"), default="tuning")
    parser.add_argument("--only", default="", help="comma-separated profile names")
    parser.add_argument("--splink", action="store_true")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    profiles = []
    if args.profiles in ("tuning", "all"):
        profiles += tuning_profiles(args.seed)
    if args.profiles in ("held-out", "all"):
        profiles += held_out_profiles()
    if args.only:
        profiles = [p for p in profiles if p.name in args.only.split(",")]
    report = evaluate(profiles, args.people, args.splink)
    if args.out:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
        print("wrote", RESULTS / args.out)


if __name__ == "__main__":
    main()
