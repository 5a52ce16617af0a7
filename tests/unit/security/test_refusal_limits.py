"""The refusal limiter: a window's refusals beyond the limit become one flood report."""

from __future__ import annotations

from datetime import UTC, datetime

from kangtong.core.clock import FrozenClock
from kangtong.security.refusal_limits import Flood, RefusalLimit, RefusalLimiter
from kangtong.store.database import Database


def test_refusals_beyond_the_limit_are_blocked_until_the_window_ends_then_reported_once(
    database: Database,
) -> None:
    clock = FrozenClock(datetime(2026, 1, 1, 8, 0, 10, tzinfo=UTC))
    floods: list[Flood] = []
    limiter = RefusalLimiter(database, clock, RefusalLimit(3, 60), floods.append)
    answers = [limiter.refused("bad-token", "192.0.2.7") for _ in range(4)]
    assert answers == [None, None, None, 50]  # the 4th crosses: 50 s to the window's end
    assert limiter.retry_after("bad-token", "192.0.2.7") == 50
    assert limiter.retry_after("bad-token", "198.51.100.1") is None  # another address
    assert limiter.retry_after("login", "192.0.2.7") is None  # another kind
    clock.advance(seconds=30)
    assert limiter.retry_after("bad-token", "192.0.2.7") == 20
    assert floods == []
    clock.advance(seconds=25)  # the window is over
    assert limiter.retry_after("bad-token", "192.0.2.7") is None
    [flood] = floods
    assert (flood.kind, flood.who, flood.refused, flood.answered_here) == (
        "bad-token", "192.0.2.7", 6, 2,
    )  # fmt: skip
    assert flood.window_end_us - flood.window_start_us == 60_000_000
    assert limiter.refused("bad-token", "192.0.2.7") is None  # a new window starts afresh


def test_two_limiters_over_one_database_share_the_count(database: Database) -> None:
    clock = FrozenClock(datetime(2026, 1, 1, 8, 0, 10, tzinfo=UTC))
    first = RefusalLimiter(database, clock, RefusalLimit(3, 60), lambda _: None)
    second = RefusalLimiter(database, clock, RefusalLimit(3, 60), lambda _: None)
    assert [first.refused("login", "192.0.2.7") for _ in range(3)] == [None] * 3
    assert second.refused("login", "192.0.2.7") == 50


CHILD = """
import sys
from kangtong.core.clock import SystemClock
from kangtong.security.refusal_limits import RefusalLimit, RefusalLimiter
from kangtong.store.database import open_database

db = open_database(sys.argv[1])
limiter = RefusalLimiter(db, SystemClock(), RefusalLimit(3, 3600), lambda _: None)
print([limiter.refused("bad-token", "192.0.2.9") for _ in range(3)])
db.dispose()
"""


def test_the_count_is_shared_with_another_operating_system_process(
    database: Database, database_url: str
) -> None:
    import subprocess
    import sys

    from kangtong.core.clock import SystemClock

    child = subprocess.run(
        [sys.executable, "-c", CHILD, database_url], capture_output=True, text=True, timeout=120
    )
    assert child.stdout.strip() == "[None, None, None]", child.stderr
    here = RefusalLimiter(database, SystemClock(), RefusalLimit(3, 3600), lambda _: None)
    assert here.refused("bad-token", "192.0.2.9") is not None  # the 4th in the window, here
