"""Scoring one record against a few candidate golden records with a trained model (PDQm, ingest).

The same comparisons, vetoes and term-frequency adjustment as the batch engine; a vetoed
candidate scores -inf, one a doubt stands against is held just below the link threshold (a
clerk decides). Results come strongest first.

Candidates come from the blocking index ordered by how many blocking keys they share with the
record, and the person a registration belongs to shares the most (its ID, name and birth date,
phone, dwelling). So with a `Shortcut`, scoring stops once a certain match has been found, at
least `after` candidates have been scored, and the rest share fewer keys than that match: the
tail of a large index is people who merely share a birth date or a common name and year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Generic, TypeVar

from kangtong.mpi.model import FellegiSunterModel, probability
from kangtong.mpi.schema import LinkageSchema, hold_below

R = TypeVar("R")
C = TypeVar("C")


@dataclass(frozen=True)
class ScoredCandidate(Generic[C]):
    candidate: C
    score: float  # match weight in bits; -inf when a veto forbids the link
    levels: tuple[int, ...]
    veto: str | None  # the veto or doubt that stands between the two, if any
    identified: bool = False  # identifiers alone prove them one person (an exact valid ID)

    @property
    def probability(self) -> float:
        return float(probability(self.score))


@dataclass(frozen=True)
class Shortcut:
    """When scoring may stop early: a match of at least `certain` bits has been found, `after`
    candidates have been scored, and the next shares fewer blocking keys than that match."""

    certain: float
    after: int


@dataclass(frozen=True)
class CandidateScorer(Generic[R]):
    schema: LinkageSchema[R]
    model: FellegiSunterModel[R]
    link_threshold: float = 6.0  # a doubt holds a candidate's score just below it
    # log2(m/u) per comparison, index level + 1 (0: missing), and the prior, as plain floats:
    # one pair is scored in pure Python, with the same sums in the same order as `score_levels`.
    _bits: tuple[tuple[float, ...], ...] = field(init=False, repr=False, compare=False)
    _prior: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bits = tuple((0.0, *(float(b) for b in level)) for level in self.model.level_bits())
        object.__setattr__(self, "_bits", bits)
        object.__setattr__(self, "_prior", float(self.model.prior_bits))

    def score(self, record: R, key: C, golden: R) -> ScoredCandidate[C]:
        """`record` against one golden record."""
        levels = self.schema.compare(record, golden)
        objection = self.schema.objection(record, golden, levels)
        if objection is not None and not objection.doubt:
            return ScoredCandidate(key, float("-inf"), tuple(levels), objection.name)
        total = self._prior
        for bits, level in zip(self._bits, levels, strict=True):
            total += bits[level + 1]
        total += self.model.tf_bits(record, golden, levels)
        identified = self.schema.identified(record, golden, levels)
        if objection is None:
            return ScoredCandidate(key, total, tuple(levels), None, identified)
        held = hold_below(total, objection, self.link_threshold)
        return ScoredCandidate(key, held, tuple(levels), objection.name, identified)

    def rank(
        self,
        record: R,
        candidates: Iterable[tuple[C, R]],
        shared: Sequence[int] | None = None,
        shortcut: Shortcut | None = None,
    ) -> list[ScoredCandidate[C]]:
        """Score `record` against each (key, golden record); strongest first. `candidates` is
        read lazily, so with a `shortcut` (and `shared`, the keys each candidate shares, in
        non-increasing order) the ones never scored are never built either."""
        scored: list[ScoredCandidate[C]] = []
        certain_shares: int | None = None  # keys shared by the first certain match
        pending = iter(candidates)
        for index in count():
            if (
                shortcut is not None
                and shared is not None
                and certain_shares is not None
                and index >= shortcut.after
                and index < len(shared)
                and shared[index] < certain_shares
            ):
                break  # before the next candidate is even built
            following = next(pending, None)
            if following is None:
                break
            result = self.score(record, *following)
            scored.append(result)
            certain = shortcut is not None and result.score >= shortcut.certain
            if certain and shared is not None and certain_shares is None:
                certain_shares = shared[index]
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored

    def evidence(self, levels: Sequence[int]) -> str:
        """What each comparison saw, e.g. `citizen_id=exact; name=homophone; phone=missing`."""
        return "; ".join(
            f"{c.name}={'missing' if level < 0 else c.levels[level]}"
            for c, level in zip(self.schema.comparisons, levels, strict=True)
        )
