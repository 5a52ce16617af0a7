"""One dispatcher at a time delivers to a subscriber, across threads and processes.

Every `kangtong serve` process runs a dispatcher under the same subscriber names. These tests
run several against one database and check that every event reaches the subscriber exactly
once in total, and that a leader killed with SIGKILL mid-delivery hands over without a gap.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import Connection

from kangtong.fhir.events import OutboxDispatcher
from kangtong.store.database import Database, open_database
from kangtong.store.outbox import OutboxStore
from kangtong.store.records import DeliveredEvent, OutboxEvent

SUBSCRIBER = "link-on-ingest"


def announce(conn: Connection, *names: str) -> None:
    OutboxStore().append(conn, [OutboxEvent("Test.created", "Test", n, 1, 0) for n in names])


def write_concurrently(db: Database, writers: int, transactions: int) -> list[str]:
    """Events from `writers` threads whose transactions overlap and commit out of order."""
    committed: list[str] = []
    lock = threading.Lock()

    def writer(number: int) -> None:
        rng = random.Random(number)
        for t in range(transactions):
            names = [f"w{number}-t{t}-e{k}" for k in range(rng.randint(1, 3))]
            with db.write() as conn:
                announce(conn, *names)
                time.sleep(rng.uniform(0, 0.01))
            with lock:
                committed.extend(names)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return committed


def wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# -- threads ------------------------------------------------------------------------------


def test_two_dispatchers_under_one_name_deliver_each_event_once_in_total(
    database: Database,
) -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def record(events: Sequence[DeliveredEvent]) -> None:
        with lock:
            seen.extend(e.res_id for e in events)

    dispatchers = [OutboxDispatcher(database, batch_size=4) for _ in range(2)]
    for dispatcher in dispatchers:
        dispatcher.subscribe(SUBSCRIBER, record)
        dispatcher.start(poll_seconds=0.001)
    committed = write_concurrently(database, writers=4, transactions=30)
    for dispatcher in dispatchers:
        dispatcher.stop()
    dispatchers[0].drain()
    assert Counter(seen) == Counter(committed)


def test_a_slow_subscriber_holds_back_no_other(database: Database) -> None:
    """The slow subscriber's turn stays open while its handler runs; it must not hold back the
    delivery of events written meanwhile to another subscriber (it holds no transaction id)."""
    release = threading.Event()
    slow_started = threading.Event()
    fast_seen: list[str] = []

    def slow(events: Sequence[DeliveredEvent]) -> None:
        slow_started.set()
        release.wait(30)

    slow_dispatcher = OutboxDispatcher(database)
    slow_dispatcher.subscribe("slow", slow)
    fast_dispatcher = OutboxDispatcher(database)
    fast_dispatcher.subscribe("fast", lambda events: fast_seen.extend(e.res_id for e in events))
    with database.write() as conn:
        announce(conn, "first")
    slow_dispatcher.wait_until_final()
    slow_round = threading.Thread(target=slow_dispatcher.dispatch_once)
    slow_round.start()
    try:
        assert slow_started.wait(30)
        with database.write() as conn:
            announce(conn, "written-while-slow-works")
        assert fast_dispatcher.wait_until_final(10)
        fast_dispatcher.dispatch_once()
        assert fast_seen == ["first", "written-while-slow-works"]
    finally:
        release.set()
        slow_round.join(30)


# -- processes ----------------------------------------------------------------------------


def run_dispatcher(url: str, folder: str, block_first_batch: bool) -> None:
    """A dispatcher process: logs each batch it is handed (one id a line, `<pid>.log`) and,
    if asked, blocks in its first batch until killed. Stops when `folder/stop` appears."""
    db = open_database(url)
    log = Path(folder) / f"{os.getpid()}.log"
    first = [block_first_batch]

    def handler(events: Sequence[DeliveredEvent]) -> None:
        with log.open("a") as out:
            out.write("".join(f"{e.res_id}\n" for e in events))
        if first[0]:
            (Path(folder) / f"blocked-{os.getpid()}").touch()
            time.sleep(3600)
        first[0] = False

    dispatcher = OutboxDispatcher(db, batch_size=10)
    dispatcher.subscribe(SUBSCRIBER, handler)
    dispatcher.start(poll_seconds=0.01)
    (Path(folder) / f"ready-{os.getpid()}").touch()
    while not (Path(folder) / "stop").exists():
        time.sleep(0.02)
    dispatcher.stop()
    db.dispose()


def delivered_by(folder: Path, pid: int | None = None) -> list[str]:
    logs = [folder / f"{pid}.log"] if pid else sorted(folder.glob("*.log"))
    return [line for log in logs if log.exists() for line in log.read_text().splitlines()]


def test_two_processes_under_one_name_deliver_each_event_once_in_total(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    context = get_context("spawn")
    workers = [
        context.Process(target=run_dispatcher, args=(database_url, str(tmp_path), False))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    try:
        wait_for(lambda: len(list(tmp_path.glob("ready-*"))) == 2)
        committed = write_concurrently(database, writers=4, transactions=25)
        wait_for(lambda: set(delivered_by(tmp_path)) >= set(committed))
    finally:
        (tmp_path / "stop").touch()
        for worker in workers:
            worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    assert Counter(delivered_by(tmp_path)) == Counter(committed)


def test_a_leader_killed_mid_delivery_hands_over_without_a_gap(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    before = [f"before-{i:02d}" for i in range(30)]
    with database.write() as conn:
        announce(conn, *before)
    context = get_context("spawn")
    leader = context.Process(target=run_dispatcher, args=(database_url, str(tmp_path), True))
    leader.start()
    wait_for(lambda: (tmp_path / f"blocked-{leader.pid}").exists())
    follower = context.Process(target=run_dispatcher, args=(database_url, str(tmp_path), False))
    follower.start()
    try:
        wait_for(lambda: (tmp_path / f"ready-{follower.pid}").exists())
        with database.write() as conn:
            announce(conn, "during-failover")
        time.sleep(0.5)
        assert delivered_by(tmp_path, follower.pid) == []  # the blocked leader still leads
        assert leader.pid is not None
        os.kill(leader.pid, signal.SIGKILL)
        leader.join(30)
        everything = [*before, "during-failover"]
        wait_for(lambda: set(delivered_by(tmp_path, follower.pid)) >= set(everything))
    finally:
        (tmp_path / "stop").touch()
        follower.join(60)
        if leader.is_alive():
            leader.kill()
    assert leader.exitcode == -signal.SIGKILL and follower.exitcode == 0
    assert delivered_by(tmp_path, leader.pid) == before[:10]  # the batch in flight
    assert delivered_by(tmp_path, follower.pid) == everything  # redelivered, nothing skipped
