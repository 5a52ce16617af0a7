"""Short-lived answers shared across requests (care relationships, consent rules).

A search by a hospital's system would otherwise look up every patient the hospital treats on
every request. Answers live `ttl_seconds` (default 5 s): a new care relationship or Consent
takes effect within that time — shorter than the 15 minutes an access token already lives
unrevoked (ADR 0010). Bounded in size; cleared whole when full.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from kangtong.core.clock import Clock

T = TypeVar("T")


class RecentAnswers(Generic[T]):
    def __init__(self, clock: Clock, ttl_seconds: float = 5.0, max_entries: int = 10_000) -> None:
        self.clock = clock
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._answers: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        found = self.peek(key)
        if found is not None:
            return found
        value = compute()
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> T | None:
        found = self._answers.get(key)
        if found is not None and found[0] > self.clock.now().timestamp():
            return found[1]
        return None

    def put(self, key: Hashable, value: T) -> None:
        expires = self.clock.now().timestamp() + self.ttl_seconds
        with self._lock:
            if len(self._answers) >= self.max_entries:
                self._answers.clear()
            self._answers[key] = (expires, value)

    def forget(self) -> None:
        with self._lock:
            self._answers.clear()
