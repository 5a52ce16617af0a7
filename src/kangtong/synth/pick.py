"""Weighted choice from precomputed pools (fast enough for hot loops, no global random state)."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class WeightedPool(Generic[T]):
    """Items with relative weights; `pick` draws one with probability weight / total."""

    __slots__ = ("_cumulative", "_items", "_total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("need one weight per item and at least one item")
        self._items = tuple(items)
        self._cumulative = tuple(itertools.accumulate(weights))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        position = bisect.bisect_right(self._cumulative, rng.random() * self._total)
        return self._items[min(position, len(self._items) - 1)]

    def share(self, item: T) -> float:
        """The probability of drawing `item`."""
        total = 0.0
        previous = 0.0
        for candidate, cumulative in zip(self._items, self._cumulative, strict=True):
            if candidate == item:
                total += cumulative - previous
            previous = cumulative
        return total / self._total


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by inversion (means here are small)."""
    limit = pow(2.718281828459045, -mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
