"""Work waiting in the database: each outbox subscriber's lag and the master index's queues.

Read when metrics are scraped (`GET /metrics`), so every number is the database's own and the
same whichever `kangtong serve` worker answers. Each is an index range: the events after a
subscriber's cursor (counted over at most `LAG_WINDOW`, store/outbox.py) and the open reviews.
"""

from __future__ import annotations

from dataclasses import dataclass

from kangtong.mpi.service import INGEST_SUBSCRIBER, INGEST_TOPICS
from kangtong.platform.container import Platform
from kangtong.store.mpi_curation import MpiCurationStore
from kangtong.store.outbox import OutboxLag, OutboxStore


@dataclass(frozen=True)
class SubscriberLag:
    subscriber: str
    events: int  # written after its cursor (at most LAG_WINDOW)
    oldest_age_seconds: float  # since the oldest of them was written; 0 when none


@dataclass(frozen=True)
class Backlogs:
    subscribers: list[SubscriberLag]
    mpi_queues: dict[str, int]  # review: open reviews (待审核); link: Patient changes not linked


def read_backlogs(platform: Platform) -> Backlogs:
    """The backlogs now, in one read transaction."""
    outbox = OutboxStore()
    now_us = int(platform.service.clock.now().timestamp() * 1_000_000)
    with platform.db.read() as conn:
        lags = [
            _lag(s.name, outbox.lag(conn, s.name), now_us) for s in platform.events.subscriptions()
        ]
        linking = outbox.lag(conn, INGEST_SUBSCRIBER, INGEST_TOPICS).events
        reviews = MpiCurationStore().count_reviews(conn, "open")
    return Backlogs(lags, {"review": reviews, "link": linking})


def _lag(subscriber: str, lag: OutboxLag, now_us: int) -> SubscriberLag:
    oldest = lag.oldest_created_us
    age = 0.0 if oldest is None else max(0.0, (now_us - oldest) / 1_000_000)
    return SubscriberLag(subscriber, lag.events, age)
