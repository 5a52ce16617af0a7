"""The outbox never skips an event, whatever order the writers' transactions commit in.

On PostgreSQL a transaction that took a lower `seq` may commit after one that took a higher
`seq`; a reader that trusted `seq > cursor` moved past the late one for good. These tests hold
writers' transactions open on purpose and run the dispatcher in between.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import Connection

from kangtong.fhir.events import EventHandler, OutboxDispatcher
from kangtong.store.database import Database
from kangtong.store.outbox import OutboxStore
from kangtong.store.records import DeliveredEvent, OutboxEvent


def announce(conn: Connection, *names: str, topic: str = "Test.created") -> None:
    """Write one outbox event per name in the caller's transaction."""
    OutboxStore().append(conn, [OutboxEvent(topic, "Test", name, 1, 0) for name in names])


class Deliveries:
    """What each subscriber was handed, from any number of dispatcher threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seen: dict[str, list[str]] = {}

    def handler(self, subscriber: str) -> EventHandler:
        def record(events: Sequence[DeliveredEvent]) -> None:
            with self._lock:
                self.seen.setdefault(subscriber, []).extend(e.res_id for e in events)

        return record

    def counted(self, subscriber: str) -> Counter[str]:
        return Counter(self.seen.get(subscriber, []))


def test_an_event_whose_transaction_commits_late_is_delivered_once(database: Database) -> None:
    delivered: list[str] = []
    dispatcher = OutboxDispatcher(database)
    dispatcher.subscribe("copy", lambda events: delivered.extend(e.res_id for e in events))
    b_committed = threading.Event()

    def fast_writer() -> None:
        with database.write() as conn:
            announce(conn, "b")
        b_committed.set()

    with database.write() as slow:
        announce(slow, "a")  # takes seq n and stays open
        writer = threading.Thread(target=fast_writer)
        writer.start()
        # PostgreSQL: B takes seq n + 1 and commits first. SQLite: B waits for A's write lock.
        b_committed.wait(2.0)
        assert b_committed.is_set() == (database.dialect == "postgresql")
        dispatcher.dispatch_once()
        assert delivered == []  # B may not be handed out while A could still commit before it
    writer.join(10)
    dispatcher.drain()
    assert sorted(delivered) == ["a", "b"]
    assert dispatcher.drain() == 0


def test_many_writers_committing_out_of_order_lose_and_repeat_nothing(database: Database) -> None:
    deliveries = Deliveries()
    dispatcher = OutboxDispatcher(database)
    dispatcher.subscribe("everything", deliveries.handler("everything"))
    dispatcher.subscribe("creations", deliveries.handler("creations"), topics=["Test.created"])
    committed: dict[str, str] = {}  # name -> topic
    committed_lock = threading.Lock()

    def writer(number: int) -> None:
        rng = random.Random(number)
        for t in range(25):
            names = [f"w{number}-t{t}-e{k}" for k in range(rng.randint(1, 3))]
            topic = rng.choice(["Test.created", "Test.updated"])
            try:
                with database.write() as conn:
                    announce(conn, *names, topic=topic)
                    threading.Event().wait(rng.uniform(0, 0.02))  # hold the transaction open
                    if rng.random() < 0.15:
                        raise RuntimeError("rolled back")
            except RuntimeError:
                continue
            with committed_lock:
                committed.update(dict.fromkeys(names, topic))

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    dispatcher.start(poll_seconds=0.001)
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(60)
    dispatcher.stop()
    dispatcher.drain()

    assert deliveries.counted("everything") == Counter(list(committed))
    creations = [name for name, topic in committed.items() if topic == "Test.created"]
    assert deliveries.counted("creations") == Counter(creations)


def test_a_transaction_larger_than_a_batch_is_delivered_in_order_across_batches(
    database: Database,
) -> None:
    delivered: list[list[str]] = []
    dispatcher = OutboxDispatcher(database, batch_size=3)
    dispatcher.subscribe("copy", lambda events: delivered.append([e.res_id for e in events]))
    with database.write() as conn:
        announce(conn, *(f"big-{i}" for i in range(7)))
    with database.write() as conn:
        announce(conn, "after")
    assert dispatcher.drain() == 8
    assert delivered == [["big-0", "big-1", "big-2"], ["big-3", "big-4", "big-5"],
                         ["big-6", "after"]]  # fmt: skip
