"""How many source records a region needs before its own trained model can be trusted.

For populations of increasing size (synthetic districts of N/3 residents, several seeds, synth's
default noise and the hard profile: every rate tripled, twins, common names), the model is
trained on the population itself, as `kangtong mpi train` would, and the population is linked
with it; the same population is also linked with the shipped default weights. Reported per
size: which checks the fit passes (other than the population check itself), pairwise precision /
recall / F1 of both, the fit's prior, and how far its level weights are from the default
weights' (trained on 30,000 records), in bits. The minimum population
(`TrainingPolicy.minimum_records`, docs/mpi.md) is chosen from these figures.

    .venv/bin/python bench/bench_mpi_min_population.py                 # ~10 min
    .venv/bin/python bench/bench_mpi_min_population.py --sizes 300,3000 --seeds 1   # smoke
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_mpi_data import TRIPLED, HardNoise, synth_set
from bench_mpi_default_model import link_with
from bench_mpi_metrics import pairwise_scores
from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.default_model import default_model
from kangtong.mpi.linker import Linker, LinkerSettings
from kangtong.mpi.model_checks import TrainingPolicy
from kangtong.mpi.normalise.record import RecordNormaliser
from kangtong.synth.config import NoiseRates

RESULTS = Path(__file__).parent / "results"
NOISE = {"default": (NoiseRates(), None), "hard": (TRIPLED, HardNoise())}


def run(records_wanted: int, seed: int, noise: str) -> dict[str, Any]:
    rates, hard = NOISE[noise]
    evaluation = synth_set("population", max(records_wanted // 3, 1), seed, rates, hard)
    normaliser = RecordNormaliser()
    records = [normaliser.normalise(r) for r in evaluation.records]
    policy = dataclasses.replace(TrainingPolicy(), minimum_records=0)  # every other check
    own = Linker(chinese_identity_schema(), LinkerSettings(policy=policy)).link(records)
    assert own.assessment is not None
    trained_alone = Linker(chinese_identity_schema(), LinkerSettings(policy=None)).link(records)
    reference = default_model().model
    default = link_with(records, reference, trusted=True)
    pick = ("precision", "recall", "f1")
    deviation = [
        float(abs(a - b).max())
        for a, b in zip(trained_alone.model.level_bits(), reference.level_bits(), strict=True)
    ]
    return {
        "records": len(records),
        "prior_bits": round(trained_alone.model.prior_bits, 2),
        "max_bits_off_reference": round(max(deviation), 2),
        "median_bits_off_reference": round(sorted(deviation)[len(deviation) // 2], 2),
        "seed": seed,
        "noise": noise,
        "checks_failed": [c.name for c in own.assessment.failures],
        "own_model": {k: pairwise_scores(evaluation.truth, trained_alone.labels)[k] for k in pick},
        "default_weights": {k: pairwise_scores(evaluation.truth, default)[k] for k in pick},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2,10,30,100,300,600,1000,2000,4000,8000")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default="mpi-min-population.json")
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for noise in NOISE:
            for seed in range(args.seeds):
                row = run(size, 5_000 + 31 * seed + size, noise)
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
    print("wrote", RESULTS / args.out)


if __name__ == "__main__":
    main()
