"""A linkage schema: what to compare, how to find candidates, what forbids a link, how a golden
record is formed. The engine (blocking, EM, scoring, clustering) knows nothing else of the data,
so the Chinese identity schema and an English FEBRL schema run on the same core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from kangtong.mpi.compare.base import Comparison

R = TypeVar("R")


@dataclass(frozen=True)
class BlockingRule(Generic[R]):
    """Records sharing any key of this rule become candidate pairs (a record may have several).

    `fields` names the comparisons its keys are made of: pairs found by this rule agree on them
    by construction, so they are left out when m is learned from this rule's pairs.
    """

    name: str
    keys: Callable[[R], Iterable[str]]
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Veto(Generic[R]):
    """A rule that forbids a link whatever the score: `applies(a, b, levels)` → True forbids.

    `levels` maps comparison names to the pair's levels. Vetoes encode what the data's own
    structure proves (two valid ID numbers, a twin in the same household), which a model that
    assumes independent fields cannot learn.
    """

    name: str
    applies: Callable[[R, R, Mapping[str, int]], bool]


@dataclass(frozen=True)
class LinkageSchema(Generic[R]):
    comparisons: tuple[Comparison[R], ...]
    blocking_rules: tuple[BlockingRule[R], ...]
    golden_record: Callable[[Sequence[R]], R]
    vetoes: tuple[Veto[R], ...] = ()

    def compare(self, a: R, b: R) -> list[int]:
        """The comparison vector of one pair, in `comparisons` order."""
        return [c.compare(a, b) for c in self.comparisons]

    def veto(self, a: R, b: R, levels: Sequence[int]) -> str | None:
        """The name of the first veto that forbids linking a and b, or None."""
        if not self.vetoes:
            return None
        named = {c.name: level for c, level in zip(self.comparisons, levels, strict=True)}
        for rule in self.vetoes:
            if rule.applies(a, b, named):
                return rule.name
        return None
