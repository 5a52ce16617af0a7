"""Delivering outbox events to subscribers: at least once, in transaction order, none skipped.

Every write stores its events in the outbox in the same transaction as the change. The
dispatcher hands each subscriber the *final* events after its cursor — those no transaction
still in flight can precede (store/outbox.py) — and moves the cursor only after the handler
returns, so a crash or a failing handler means redelivery, never loss. A failing event blocks
its own subscriber (order is kept) but never the others.

The handler runs outside the transaction that moves the cursor, on purpose: it may call other
systems or write in transactions of its own, which one database transaction cannot cover. The
price is at-least-once delivery (a crash between the handler's effect and the cursor move
repeats the batch), so handlers are idempotent: the master index's link-on-ingest acts on the
Patient's current state, not on the event.

Any number of dispatchers — threads, or one per `kangtong serve` process — may run under the
same subscriber names: each batch is delivered inside the subscriber's turn, which one
dispatcher holds at a time and a dead one gives up (store/outbox_turns.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kangtong.core.log_safety import exception_summary
from kangtong.store.database import Database
from kangtong.store.outbox import OutboxStore
from kangtong.store.outbox_origin import adopt_restored_outbox
from kangtong.store.outbox_turns import delivery_turn
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
        self._origin_checked = False
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

    def subscriptions(self) -> list[Subscription]:
        """The subscribers registered with this dispatcher, in registration order."""
        return list(self._subscriptions.values())

    def dispatch_once(self) -> int:
        """Deliver one batch to every subscriber whose turn this dispatcher gets.

        Returns how many events the cursors moved past, whether their subscriber wanted them
        (its topics) or not: 0 means nothing was consumed this round.
        """
        if not self._origin_checked:
            adopt_restored_outbox(self._db)  # before the first read of any position
            self._origin_checked = True
        consumed = 0
        for subscription in list(self._subscriptions.values()):
            consumed += self._deliver(subscription)
        return consumed

    def drain(self, max_rounds: int = 1000, wait_seconds: float = 30.0) -> int:
        """Deliver until every subscriber has consumed what was committed before the call;
        returns the events consumed.

        Events of transactions still in flight hold later ones back (store/outbox.py), so this
        first waits, up to `wait_seconds`, for the transactions in flight now to end (so never
        call it inside a write transaction of your own). It stops early when a handler keeps
        failing or another dispatcher holds a subscriber's turn.
        """
        self.wait_until_final(wait_seconds)
        total = 0
        for _ in range(max_rounds):
            consumed = self.dispatch_once()
            total += consumed
            if consumed == 0:
                break
        return total

    def wait_until_final(self, wait_seconds: float = 30.0) -> bool:
        """Wait until every transaction in flight now has ended, so that each event committed
        so far can be delivered in the next round; False if `wait_seconds` passed first."""
        mark = self._writers_mark()
        deadline = time.monotonic() + wait_seconds
        while not self._all_final_since(mark):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def _writers_mark(self) -> int:
        with self._db.read() as conn:
            return self._outbox.writers_mark(conn)

    def _all_final_since(self, mark: int) -> bool:
        with self._db.read() as conn:
            return self._outbox.all_final_since(conn, mark)

    def _deliver(self, subscription: Subscription) -> int:
        with delivery_turn(self._db, subscription.name) as turn:
            if turn is None:
                return 0  # another dispatcher (thread or process) is delivering to it
            batch = turn.pending(self._batch_size)
            if not batch.events:
                return 0
            wanted = [
                e
                for e in batch.events
                if subscription.topics is None or e.topic in subscription.topics
            ]
            try:
                if wanted:
                    subscription.handler(wanted)
            except Exception as exc:
                # The cursor stays put: these events are offered again on the next round.
                log.error(
                    "subscriber %s failed; will retry: %s",
                    subscription.name,
                    exception_summary(exc),
                )
                return 0
            turn.acknowledge(batch.end)
            return len(batch.events)

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
                consumed = self.dispatch_once()
            except Exception as exc:
                log.error("outbox dispatch round failed: %s", exception_summary(exc))
                consumed = 0
            if consumed == 0:
                self._stop.wait(poll_seconds)
