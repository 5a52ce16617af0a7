"""Answers in order, counted in C and paged without ordering every match (see ADR 0006).

A text filter's matches fall into rank buckets (exact, prefix, inside), each already in answer
order because its places come from sorted posting lists. The total is a sum of bucket sizes,
found with `len` and set intersections; only the requested page is walked in Python.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import filterfalse, islice

Answer = tuple[int, int]  # (match rank, concept number)


class Ranking(ABC):
    """The concepts an include yields, best first; read a page at a time."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def page(self, start: int, stop: int) -> list[Answer]:
        """Answers number `start` to `stop - 1` (0 ≤ start ≤ stop)."""


class Restriction:
    """Which places (or concept numbers) may be answered: `allowed` (None: all) minus `denied`."""

    def __init__(self, allowed: set[int] | None, denied: frozenset[int]) -> None:
        self.allowed = None if allowed is None else allowed.difference(denied)
        self.denied = denied if allowed is None else frozenset()

    def count(self, items: Collection[int]) -> int:
        """How many of `items` (no repeats) may be answered; C speed for long lists."""
        if self.allowed is not None:
            return len(self.allowed.intersection(items))
        if self.denied:
            return len(items) - len(self.denied.intersection(items))
        return len(items)

    def keep(self, items: Iterable[int]) -> Iterator[int]:
        if self.allowed is not None:
            return filter(self.allowed.__contains__, items)
        if self.denied:
            return filterfalse(self.denied.__contains__, items)
        return iter(items)


UNRESTRICTED = Restriction(None, frozenset())


@dataclass(frozen=True)
class Bucket:
    """Matches of one rank: how many may be answered, and their places in order (lazily)."""

    rank: int
    size: int
    places: Callable[[], Iterable[int]]


class Buckets(Ranking):
    """Rank buckets in rank order; `numbers[place]` is the concept number at a place."""

    def __init__(
        self, buckets: Sequence[Bucket], numbers: Sequence[int], restriction: Restriction
    ) -> None:
        self._buckets = [b for b in buckets if b.size]
        self._numbers = numbers
        self._restriction = restriction

    def __len__(self) -> int:
        return sum(b.size for b in self._buckets)

    def page(self, start: int, stop: int) -> list[Answer]:
        found: list[Answer] = []
        for bucket in self._buckets:
            if start < bucket.size and start < stop:
                kept = self._restriction.keep(bucket.places())
                chosen = islice(kept, start, min(stop, bucket.size))
                found.extend((bucket.rank, self._numbers[place]) for place in chosen)
            start, stop = max(start - bucket.size, 0), max(stop - bucket.size, 0)
        return found


class Listed(Ranking):
    """Concept numbers in a fixed order (no text filter), all of the same rank."""

    def __init__(self, numbers: Sequence[int], restriction: Restriction = UNRESTRICTED) -> None:
        self._numbers = numbers
        self._restriction = restriction
        self._size = restriction.count(numbers)

    def __len__(self) -> int:
        return self._size

    def page(self, start: int, stop: int) -> list[Answer]:
        return [(0, n) for n in islice(self._restriction.keep(self._numbers), start, stop)]
