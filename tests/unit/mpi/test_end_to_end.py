"""End to end on small synthetic districts: a floor on pairwise F1 that a regression breaks."""

from __future__ import annotations

import pytest
from bench.bench_mpi_data import TRIPLED, HardNoise, synth_set
from bench.bench_mpi_metrics import pairwise_scores

from kangtong.mpi.batch import link_identity_records
from kangtong.synth.config import NoiseRates


@pytest.mark.slow
@pytest.mark.parametrize(
    ("noise", "hard", "floor"),
    [(NoiseRates(), None, 0.99), (TRIPLED, HardNoise(), 0.98)],
    ids=["default-noise", "hard"],
)
def test_pairwise_f1_floor_on_a_synthetic_district(
    noise: NoiseRates, hard: HardNoise | None, floor: float
) -> None:
    evaluation = synth_set("e2e", 800, 31, noise, hard)  # ≈ 2,400 records: enough to train on
    _, result = link_identity_records(evaluation.records)
    assert result.trusted, result.assessment
    scores = pairwise_scores(evaluation.truth, result.labels)
    assert scores["f1"] >= floor, scores
    assert scores["precision"] >= floor, scores


def test_every_record_gets_a_person_even_when_empty() -> None:
    from kangtong.mpi.normalise import IdentityRecord

    records = [
        IdentityRecord("a"),
        IdentityRecord("b", name="张伟"),
        IdentityRecord("c", name="张伟"),
    ]
    _, result = link_identity_records(records)
    assert len(result.labels) == 3
    assert result.labels[0] != result.labels[1]
    assert not result.trusted and result.labels[1] != result.labels[2]  # nothing to learn from
