"""Delivering outbox events to subscribers, at least once and in order.

Every write stores its events in the outbox in the same transaction as the change. The
dispatcher hands each subscriber the events after its cursor and moves the cursor only after
the handler returns, so a crash or a failing handler means redelivery, never loss. A failing
event blocks its own subscriber (order is kept) but never the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kangtong.store.database import Database
from kangtong.store.outbox import OutboxStore
from kangtong.store.records import DeliveredEvent

log = logging.getLogger(__name__)

EventHandler = Callable[[Sequence[DeliveredEvent]], None]


@dataclass(frozen=True)
class Subscription:
    name: str
    handler: EventHandler
    topics: frozenset[str] | None = None  # e.g. {"Patient.created"}; None = every event


class OutboxDispatcher:
    def __init__(self, db: Database, *, batch_size: int = 500) -> None:
        self._db = db
        self._outbox = OutboxStore()
        self._batch_size = batch_size
        self._subscriptions: dict[str, Subscription] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def subscribe(
        self, name: str, handler: EventHandler, topics: Sequence[str] | None = None
    ) -> None:
        """Register a subscriber; its cursor is kept in the database under `name`."""
        if name in self._subscriptions:
            raise ValueError(f"A subscriber named {name!r} already exists")
        self._subscriptions[name] = Subscription(
            name, handler, frozenset(topics) if topics else None
        )

    def dispatch_once(self) -> int:
        """Deliver one batch to every subscriber; returns how many events were handled."""
        delivered = 0
        for subscription in list(self._subscriptions.values()):
            delivered += self._deliver(subscription)
        return delivered

    def drain(self, max_rounds: int = 1000) -> int:
        """Deliver until every subscriber is up to date (or a handler keeps failing)."""
        total = 0
        for _ in range(max_rounds):
            delivered = self.dispatch_once()
            total += delivered
            if delivered == 0:
                break
        return total

    def _deliver(self, subscription: Subscription) -> int:
        with self._db.read() as conn:
            events = self._outbox.pending(conn, subscription.name, self._batch_size)
        if not events:
            return 0
        wanted = [
            e for e in events if subscription.topics is None or e.topic in subscription.topics
        ]
        try:
            if wanted:
                subscription.handler(wanted)
        except Exception:
            # The cursor stays put: these events are offered again on the next round.
            log.exception("subscriber %s failed; will retry", subscription.name)
            return 0
        with self._db.write() as conn:
            self._outbox.acknowledge(conn, subscription.name, events[-1].seq)
        return len(wanted)

    # -- background delivery ------------------------------------------------------------
    def start(self, poll_seconds: float) -> None:
        """Deliver in a daemon thread until `stop` is called."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(poll_seconds,), name="outbox", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self, poll_seconds: float) -> None:
        while not self._stop.is_set():
            try:
                delivered = self.dispatch_once()
            except Exception:
                log.exception("outbox dispatch round failed")
                delivered = 0
            if delivered == 0:
                self._stop.wait(poll_seconds)
