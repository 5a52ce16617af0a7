"""The outbox: every write announces itself, and subscribers get each event at least once."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.fhir.events import OutboxDispatcher
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from kangtong.store.records import DeliveredEvent

SYSTEM = AccessContext.system("test")


def without_module_subscribers(platform: Platform) -> Platform:
    """The platform with a dispatcher of its own: only the test's subscribers (not, say, the
    master index's link-on-ingest) take part, so counts are the outbox's alone."""
    platform.events = OutboxDispatcher(platform.db)
    return platform


@pytest.fixture
def platform(settings: Settings, database: Database) -> Platform:
    return without_module_subscribers(build_platform(settings, database=database))


def write_patients(platform: Platform, count: int) -> None:
    for i in range(count):
        resource = {"resourceType": "Patient", "id": f"p{i}", "gender": "female"}
        platform.service.update(SYSTEM, "Patient", f"p{i}", resource)


def test_each_write_is_delivered_once_in_order(platform: Platform) -> None:
    seen: list[tuple[str, str, int]] = []
    platform.events.subscribe(
        "audit-copy", lambda events: seen.extend((e.topic, e.res_id, e.version) for e in events)
    )
    write_patients(platform, 3)
    platform.service.delete(SYSTEM, "Patient", "p0")
    assert platform.events.drain() == 4
    assert seen == [
        ("Patient.created", "p0", 1),
        ("Patient.created", "p1", 1),
        ("Patient.created", "p2", 1),
        ("Patient.deleted", "p0", 2),
    ]
    assert platform.events.drain() == 0


def test_a_failing_subscriber_gets_the_events_again_and_others_are_not_held_up(
    platform: Platform,
) -> None:
    attempts: list[int] = []
    healthy: list[str] = []

    def flaky(events: Sequence[DeliveredEvent]) -> None:
        attempts.append(len(events))
        if len(attempts) == 1:
            raise RuntimeError("downstream unavailable")

    platform.events.subscribe("flaky", flaky)
    platform.events.subscribe("healthy", lambda events: healthy.extend(e.res_id for e in events))
    write_patients(platform, 2)
    platform.events.wait_until_final()  # no other transaction on the server holds them back
    platform.events.dispatch_once()
    assert healthy == ["p0", "p1"]
    platform.events.dispatch_once()
    assert attempts == [2, 2]  # redelivered after the failure
    assert platform.events.drain() == 0


def test_a_rejected_write_announces_nothing(platform: Platform) -> None:
    seen: list[DeliveredEvent] = []
    platform.events.subscribe("all", seen.extend)
    with pytest.raises(Exception, match="validation"):
        platform.service.update(
            SYSTEM, "Patient", "bad", {"resourceType": "Patient", "id": "bad", "gender": 1}
        )
    platform.events.drain()
    assert seen == []


def test_cursors_survive_a_restart(
    platform: Platform, settings: Settings, database: Database
) -> None:
    first: list[str] = []
    platform.events.subscribe("durable", lambda events: first.extend(e.res_id for e in events))
    write_patients(platform, 2)
    platform.events.drain()
    restarted = without_module_subscribers(build_platform(settings, database=database))
    again: list[str] = []
    restarted.events.subscribe("durable", lambda events: again.extend(e.res_id for e in events))
    platform.service.update(SYSTEM, "Patient", "late", {"resourceType": "Patient", "id": "late"})
    restarted.events.drain()
    assert first == ["p0", "p1"] and again == ["late"]


def test_topic_filter(platform: Platform) -> None:
    deletions: list[str] = []
    platform.events.subscribe(
        "deletions",
        lambda events: deletions.extend(e.res_id for e in events),
        topics=["Patient.deleted"],
    )
    write_patients(platform, 2)
    platform.service.delete(SYSTEM, "Patient", "p1")
    platform.events.drain()
    assert deletions == ["p1"]


def test_drain_counts_events_consumed_not_only_those_a_subscriber_wanted(
    platform: Platform,
) -> None:
    platform.events = OutboxDispatcher(platform.db, batch_size=2)
    deletions: list[str] = []
    platform.events.subscribe(
        "deletions",
        lambda events: deletions.extend(e.res_id for e in events),
        topics=["Patient.deleted"],
    )
    write_patients(platform, 5)  # the first batches hold no deletion at all
    platform.service.delete(SYSTEM, "Patient", "p4")
    assert platform.events.drain() == 6
    assert deletions == ["p4"]


def test_the_backlog_counts_what_each_subscriber_has_not_acknowledged(
    platform: Platform,
) -> None:
    platform.events.subscribe("early", lambda _events: None)
    write_patients(platform, 2)
    assert platform.events.drain() == 2
    platform.events.subscribe("late", lambda _events: None, ["Nothing.wanted"])
    write_patients(platform, 3)  # p0, p1 updated and p2 created: three more events
    with platform.db.read() as conn:
        assert platform.service.outbox.backlog(conn) == {"early": 3}  # "late" has no cursor yet
    platform.events.drain()
    with platform.db.read() as conn:
        assert platform.service.outbox.backlog(conn) == {"early": 0, "late": 0}
