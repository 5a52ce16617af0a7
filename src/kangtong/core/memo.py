"""A cache for text functions that clients can call with text of their own choosing.

`functools.lru_cache` keyed on request values lets one client fill a worker's memory: 65,536
entries of 16 KB query values is 1 GB. Names and codes are short, so only short texts are
kept; a long one is computed each time, which costs time only to whoever sent it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

Result = TypeVar("Result")

LONGEST_KEPT = 64  # characters: longer than any name, code or search word worth keeping


def cache_short_texts(
    maxsize: int, longest: int = LONGEST_KEPT
) -> Callable[[Callable[[str], Result]], Callable[[str], Result]]:
    """Like `lru_cache(maxsize)` for a function of one text, keeping texts up to `longest`."""

    def decorate(function: Callable[[str], Result]) -> Callable[[str], Result]:
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(text: str) -> Result:
            return cached(text) if len(text) <= longest else function(text)

        return call

    return decorate
