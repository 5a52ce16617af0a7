"""Scoring one record against a few candidate golden records with a trained model (PDQm, ingest).

The same comparisons, vetoes and term-frequency adjustment as the batch engine; a vetoed
candidate scores -inf. Results come strongest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from kangtong.mpi.model import FellegiSunterModel, probability
from kangtong.mpi.schema import LinkageSchema

R = TypeVar("R")
C = TypeVar("C")


@dataclass(frozen=True)
class ScoredCandidate(Generic[C]):
    candidate: C
    score: float  # match weight in bits; -inf when a veto forbids the link
    levels: tuple[int, ...]
    veto: str | None

    @property
    def probability(self) -> float:
        return float(probability(self.score))


@dataclass(frozen=True)
class CandidateScorer(Generic[R]):
    schema: LinkageSchema[R]
    model: FellegiSunterModel[R]

    def rank(self, record: R, candidates: Sequence[tuple[C, R]]) -> list[ScoredCandidate[C]]:
        """Score `record` against each (key, golden record); strongest first."""
        scored = []
        for key, golden in candidates:
            levels = self.schema.compare(record, golden)
            veto = self.schema.veto(record, golden, levels)
            score = float("-inf") if veto else self.model.score_pair(record, golden, levels)
            scored.append(ScoredCandidate(key, score, tuple(levels), veto))
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored

    def evidence(self, levels: Sequence[int]) -> str:
        """What each comparison saw, e.g. `citizen_id=exact; name=homophone; phone=missing`."""
        return "; ".join(
            f"{c.name}={'missing' if level < 0 else c.levels[level]}"
            for c, level in zip(self.schema.comparisons, levels, strict=True)
        )
