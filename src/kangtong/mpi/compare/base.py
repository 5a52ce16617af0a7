"""What a comparison is: a named field compared into ordered agreement levels.

Level -1 means "cannot compare" (a side is missing) and carries no evidence; 0 is full
disagreement and the highest level is full agreement. The model learns how likely each level is
for the same person (m) and for two different people (u), so a comparator only has to say what
it sees, never how much it weighs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R")
MISSING = -1


@dataclass(frozen=True)
class Comparison(Generic[R]):
    """`compare(a, b)` returns a level index into `levels` (0 = different) or MISSING.

    `tf_levels` are the levels whose weight is adjusted by how common the agreed value is
    (`tf_value`): agreeing on 王伟 says less than agreeing on 欧阳娜娜.

    `tiers` rank the levels by the evidence they can carry (default: their order). A level is
    never worth more than a level of a higher tier; levels of one tier are not ranked against
    each other (a placeholder date and a year off by one are different slips, neither a
    weaker form of the other).
    """

    name: str
    levels: tuple[str, ...]
    compare: Callable[[R, R], int]
    tf_levels: frozenset[int] = field(default_factory=frozenset)
    tf_value: Callable[[R], str | None] | None = None
    tiers: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        return len(self.levels)

    @property
    def level_tiers(self) -> tuple[int, ...]:
        return self.tiers or tuple(range(self.size))
