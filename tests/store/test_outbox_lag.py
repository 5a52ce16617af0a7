"""A subscriber's lag: the events after its cursor, counted over a bounded window."""

from __future__ import annotations

import pytest

from kangtong.platform import Platform
from kangtong.store import outbox as outbox_module
from kangtong.store.outbox import OutboxStore
from tests.store.test_outbox import SYSTEM, platform, write_patients

__all__ = ["platform"]  # the fixture: a platform whose dispatcher has only the test's subscribers


def test_the_lag_is_what_the_cursor_has_not_passed_and_since_when(platform: Platform) -> None:
    platform.events.subscribe("copy", lambda _events: None)
    write_patients(platform, 2)
    platform.events.drain()
    write_patients(platform, 3)  # p0, p1 updated, p2 created
    platform.service.create(SYSTEM, {"resourceType": "Organization", "name": "卫生院"})
    with platform.db.read() as conn:
        lag = OutboxStore().lag(conn, "copy")
        patients = OutboxStore().lag(conn, "copy", ["Patient.created", "Patient.updated"])
        pending = platform.service.outbox.pending(conn, "copy", 10).events
    assert lag.events == 4 and patients.events == 3
    assert len(pending) == 4 and lag.oldest_created_us == min(e.created_us for e in pending)
    platform.events.drain()
    with platform.db.read() as conn:
        assert OutboxStore().lag(conn, "copy") == outbox_module.OutboxLag(0, None)


def test_a_subscriber_without_a_cursor_lags_by_everything(platform: Platform) -> None:
    write_patients(platform, 3)
    with platform.db.read() as conn:
        assert OutboxStore().lag(conn, "never-ran").events == 3


def test_the_count_stops_at_the_window(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    write_patients(platform, 5)
    monkeypatch.setattr(outbox_module, "LAG_WINDOW", 3)
    with platform.db.read() as conn:
        assert OutboxStore().lag(conn, "never-ran").events == 3
