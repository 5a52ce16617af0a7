"""Fellegi–Sunter model: match weights from m/u, term-frequency adjustment, scoring.

A pair's score is its match weight in bits: log2 of the posterior odds that the two records are
one person, given their comparison vector and the match rate among candidate pairs. Agreement on
a common value (王伟) is worth less than on a rare one: for the term-frequency levels, u is scaled
by the value's frequency relative to the average frequency (splink's adjustment, made relative so
it composes with u learned by EM).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from kangtong.mpi.compare.base import Comparison
from kangtong.mpi.em import FloatArray, FSParameters, LevelArray

R = TypeVar("R")
MAX_TF_BITS = 6.0


@dataclass(frozen=True)
class TermFrequencies:
    """Bits to add when a pair agrees on a value: log2(average frequency / this value's)."""

    bits: dict[str, float]

    @classmethod
    def of(cls, values: Sequence[str | None]) -> TermFrequencies:
        counts = Counter(v for v in values if v)
        total = sum(counts.values())
        if not total:
            return cls({})
        average = sum(c * c for c in counts.values()) / (total * total)
        bits = {
            value: float(np.clip(np.log2(average * total / count), -MAX_TF_BITS, MAX_TF_BITS))
            for value, count in counts.items()
        }
        return cls(bits)

    def adjustment(self, a: str | None, b: str | None) -> float:
        """The smaller adjustment of the two values (the more common one decides)."""
        values = [self.bits.get(v, 0.0) for v in (a, b) if v]
        return min(values) if values else 0.0


@dataclass
class FellegiSunterModel(Generic[R]):
    comparisons: tuple[Comparison[R], ...]
    parameters: FSParameters
    term_frequencies: dict[int, TermFrequencies] = field(default_factory=dict)

    @property
    def prior_bits(self) -> float:
        lam = min(max(self.parameters.match_rate, 1e-12), 1 - 1e-12)
        return float(np.log2(lam / (1 - lam)))

    def level_bits(self) -> list[FloatArray]:
        """log2(m/u) per comparison and level: the evidence each level carries.

        Made non-decreasing with the level: a coarser agreement is never more evidence than a
        finer one (a level too rare to estimate, like "different district" in a one-district
        data set, otherwise keeps its smoothed prior odds and could come out positive).
        """
        raw = [np.log2(m / u) for m, u in zip(self.parameters.m, self.parameters.u, strict=True)]
        return [
            _monotone(bits, c.level_tiers) for bits, c in zip(raw, self.comparisons, strict=True)
        ]

    def fit_term_frequencies(self, records: Sequence[R]) -> None:
        for index, comparison in enumerate(self.comparisons):
            if comparison.tf_value is not None and comparison.tf_levels:
                values = [comparison.tf_value(r) for r in records]
                self.term_frequencies[index] = TermFrequencies.of(values)

    def score_levels(self, levels: LevelArray) -> FloatArray:
        """Match weights (bits) of many comparison vectors, without term frequencies."""
        scores = np.full(len(levels), self.prior_bits)
        for f, bits in enumerate(self.level_bits()):
            padded = np.concatenate(([0.0], bits))  # level -1 (missing) → 0 bits
            scores += padded[levels[:, f].astype(np.int64) + 1]
        return scores

    def tf_bits(self, a: R, b: R, levels: Sequence[int]) -> float:
        total = 0.0
        for index, table in self.term_frequencies.items():
            comparison = self.comparisons[index]
            if levels[index] in comparison.tf_levels and comparison.tf_value is not None:
                total += table.adjustment(comparison.tf_value(a), comparison.tf_value(b))
        return total

    def score_pair(self, a: R, b: R, levels: Sequence[int]) -> float:
        """The match weight of one pair, term frequencies included."""
        row = np.asarray([levels], dtype=np.int8)
        return float(self.score_levels(row)[0]) + self.tf_bits(a, b, levels)

    def describe(self) -> list[dict[str, object]]:
        """m, u and bits per level, for reports and docs."""
        rows: list[dict[str, object]] = []
        for comparison, m, u, bits in zip(
            self.comparisons, self.parameters.m, self.parameters.u, self.level_bits(), strict=True
        ):
            for level, label in enumerate(comparison.levels):
                rows.append(
                    {
                        "comparison": comparison.name,
                        "level": label,
                        "m": round(float(m[level]), 6),
                        "u": round(float(u[level]), 6),
                        "bits": round(float(bits[level]), 3),
                    }
                )
        return rows


def _monotone(bits: FloatArray, tiers: Sequence[int]) -> FloatArray:
    """Each level's bits at most those of every level of a higher tier."""
    tier = np.asarray(tiers)
    return np.asarray(
        [min([bits[level], *bits[tier > tier[level]]]) for level in range(len(bits))],
        dtype=np.float64,
    )


def probability(bits: npt.ArrayLike) -> FloatArray:
    """Posterior match probability of a match weight in bits."""
    return np.asarray(1.0 / (1.0 + np.exp2(-np.asarray(bits, dtype=np.float64))))
