"""Train the default MPI weights shipped with kangtong (src/kangtong/mpi/data/default-model.json).

The weights are trained exactly as a region trains its own (`ModelKeeper.train`: unsupervised
EM over the candidate pairs, the same checks), on a synthetic district generated with synth's
default registration noise and a seed used nowhere else in the evaluation. The file records
where they came from: this generator, the seed, the population, the noise rates, the checks the
fit passed, and how the weights score a tuning set (as a trusted model, and as the untrusted
default that links on an exact valid citizen ID only).

    .venv/bin/python bench/bench_mpi_default_model.py            # 10,000 residents, ~2 min
    .venv/bin/python bench/bench_mpi_default_model.py --check    # compare with the shipped file
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_mpi_data import synth_set, tuning_profiles
from bench_mpi_metrics import pairwise_scores
from kangtong.mpi.blocking import candidate_pairs
from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.cluster import ConstrainedClusterer
from kangtong.mpi.linker import Linker, LinkerSettings
from kangtong.mpi.model import FellegiSunterModel
from kangtong.mpi.model_checks import TrainingPolicy, assess_model
from kangtong.mpi.model_io import dump_model, load_saved
from kangtong.mpi.normalise.record import PersonRecord, RecordNormaliser
from kangtong.mpi.training import train_model
from kangtong.synth.config import NoiseRates

TARGET = Path(__file__).parent.parent / "src" / "kangtong" / "mpi" / "data" / "default-model.json"
SEED = 20_240_012  # used by no evaluation set


def train(people: int, seed: int) -> tuple[FellegiSunterModel[PersonRecord], dict[str, Any]]:
    schema, settings = chinese_identity_schema(), LinkerSettings()
    evaluation = synth_set("default-model", people, seed, NoiseRates())
    normaliser = RecordNormaliser()
    records = [normaliser.normalise(r) for r in evaluation.records]
    pairs = candidate_pairs(records, schema.blocking_rules, settings.max_block_size)
    levels = Linker(schema, settings).compare_pairs(
        records, pairs.left, pairs.right, lambda *_: None
    )
    model, report = train_model(schema, records, pairs, levels, settings.training)
    assessment = assess_model(model, report, len(records), TrainingPolicy())
    provenance: dict[str, Any] = {
        "generator": "bench/bench_mpi_default_model.py",
        "synthetic_district": {"residents": people, "seed": seed, "noise": "NoiseRates() defaults"},
        "noise_rates": dataclasses.asdict(NoiseRates()),
        "records": len(records),
        "candidate_pairs": len(pairs),
        "em_sessions": [dataclasses.asdict(s) for s in report.sessions],
        "prior_bits": round(model.prior_bits, 3),
        "checks_passed": assessment.trusted,
    }
    return model, {"provenance": provenance, "assessment": assessment}


def quality(model: FellegiSunterModel[PersonRecord], people: int) -> dict[str, Any]:
    """The weights on the tuning sets: as a trusted model, and as the untrusted default."""
    normaliser = RecordNormaliser()
    found: dict[str, Any] = {}
    for profile in tuning_profiles():
        evaluation = profile.build(people)
        records = [normaliser.normalise(r) for r in evaluation.records]
        entry = {
            "trusted" if trusted else "untrusted": {
                k: v
                for k, v in pairwise_scores(
                    evaluation.truth, link_with(records, model, trusted)
                ).items()
                if k in ("precision", "recall", "f1")
            }
            for trusted in (True, False)
        }
        found[f"{profile.name} ({people} residents)"] = entry
        print(profile.name, entry, flush=True)
    return found


def link_with(
    records: list[PersonRecord], model: FellegiSunterModel[PersonRecord], trusted: bool
) -> list[int]:
    """Link `records` with a given model, as `Linker.link` does after training."""
    linker = Linker(chinese_identity_schema(), LinkerSettings())
    pairs = candidate_pairs(records, linker.schema.blocking_rules, linker.settings.max_block_size)
    levels = linker.compare_pairs(records, pairs.left, pairs.right, lambda *_: None)
    scores = linker.score(records, pairs, levels, model)
    linker.apply_vetoes(records, pairs, levels, scores)
    if not trusted:
        linker.hold_unidentified(records, pairs, levels, scores)
    clusterer = ConstrainedClusterer(
        linker.schema, model, linker.settings.link_threshold, identified_only=not trusted
    )
    return clusterer.cluster(records, pairs.left, pairs.right, scores).labels


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quality-people", type=int, default=2_000)
    parser.add_argument("--out", type=Path, default=TARGET)
    parser.add_argument("--check", action="store_true", help="only load and score the shipped file")
    args = parser.parse_args()
    if args.check:
        saved = load_saved(TARGET.read_bytes(), chinese_identity_schema())
        quality(saved.model, args.quality_people)
        return
    model, meta = train(args.people, args.seed)
    print("checks:", [c.as_json() for c in meta["assessment"].checks], flush=True)
    meta["provenance"]["quality"] = quality(model, args.quality_people)
    args.out.write_bytes(dump_model(model, meta["assessment"], meta["provenance"]) + b"\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
