"""How many resources this process has written, by type and interaction (the ingest counts).

Counted when a write transaction commits, from the outbox events it wrote: a rolled-back or
retried attempt counts nothing, and a transaction Bundle counts each of its entries. The
counts are this process's since it started (each `kangtong serve` worker keeps its own); the
web layer exposes them as a Prometheus counter (`/metrics`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable

from kangtong.store.records import OutboxEvent


class WriteCounts:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()  # writes commit on many threads

    def record(self, events: Iterable[OutboxEvent]) -> None:
        """Count committed writes; an event's topic is `<type>.<created|updated|deleted>`."""
        counted = Counter((e.res_type, e.topic.rpartition(".")[2]) for e in events)
        if counted:
            with self._lock:
                self._counts.update(counted)

    def snapshot(self) -> dict[tuple[str, str], int]:
        """{(resource type, interaction): writes so far}."""
        with self._lock:
            return dict(self._counts)
