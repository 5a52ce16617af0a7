"""A linkage schema: what to compare, how to find candidates, what forbids a link, how a golden
record is formed. The engine (blocking, EM, scoring, clustering) knows nothing else of the data,
so the Chinese identity schema and an English FEBRL schema run on the same core.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from kangtong.mpi.compare.base import Comparison

R = TypeVar("R")


@dataclass(frozen=True)
class BlockingRule(Generic[R]):
    """Records sharing any key of this rule become candidate pairs (a record may have several).

    `fields` names the comparisons its keys are made of: pairs found by this rule agree on them
    by construction, so they are left out when m is learned from this rule's pairs. A rule whose
    pairs are mostly relatives (a family name on one road) only finds candidates: `trains`
    False keeps EM from learning relatives as the same person from it.
    """

    name: str
    keys: Callable[[R], Iterable[str]]
    fields: tuple[str, ...] = ()
    trains: bool = True


@dataclass(frozen=True)
class Veto(Generic[R]):
    """A rule that forbids a link whatever the score: `applies(a, b, levels)` → True forbids.

    `levels` maps comparison names to the pair's levels. Vetoes encode what the data's own
    structure proves (two valid ID numbers, a relative in the same household), which a model
    that assumes independent fields cannot learn. A `doubt` only forbids linking without a
    clerk: the pair's score is held just below the link threshold, so a pair that scores well
    is reviewed instead of linked (a twin or a typo in a twin's household cannot be told apart).
    """

    name: str
    applies: Callable[[R, R, Mapping[str, int]], bool]
    doubt: bool = False


def hold_below(score: float, veto: Veto[R] | None, link_threshold: float) -> float:
    """The score a pair keeps under `veto`: -inf for a veto, at most just under the link
    threshold for a doubt, unchanged without one."""
    if veto is None:
        return score
    if not veto.doubt:
        return float("-inf")
    return min(score, math.nextafter(link_threshold, -math.inf))


@dataclass(frozen=True)
class LinkageSchema(Generic[R]):
    """`identifies(a, b, levels)` says when identifiers alone prove one person (an exact valid
    citizen ID): the only links made while the model is not trusted (`model_checks`)."""

    comparisons: tuple[Comparison[R], ...]
    blocking_rules: tuple[BlockingRule[R], ...]
    golden_record: Callable[[Sequence[R]], R]
    vetoes: tuple[Veto[R], ...] = ()
    identifies: Callable[[R, R, Mapping[str, int]], bool] | None = None

    def compare(self, a: R, b: R) -> list[int]:
        """The comparison vector of one pair, in `comparisons` order."""
        return [c.compare(a, b) for c in self.comparisons]

    def veto(self, a: R, b: R, levels: Sequence[int]) -> str | None:
        """The name of the first veto or doubt that stands between a and b, or None."""
        found = self.objection(a, b, levels)
        return None if found is None else found.name

    def named(self, levels: Sequence[int]) -> dict[str, int]:
        return {c.name: level for c, level in zip(self.comparisons, levels, strict=True)}

    def identified(self, a: R, b: R, levels: Sequence[int]) -> bool:
        """True when the identifiers alone prove a and b one person."""
        return self.identifies is not None and self.identifies(a, b, self.named(levels))

    def objection(self, a: R, b: R, levels: Sequence[int]) -> Veto[R] | None:
        """The first veto that applies to a and b (vetoes come before doubts), or None."""
        if not self.vetoes:
            return None
        named = self.named(levels)
        for rule in self.vetoes:
            if rule.applies(a, b, named):
                return rule
        return None
