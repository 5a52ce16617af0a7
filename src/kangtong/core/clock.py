"""The clock is injected so domain code never calls `datetime.now()` and tests can freeze time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock for tests: stands still until advanced."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class MonotonicClock:
    """Wraps a clock so successive readings strictly increase (distinct lastUpdated per write)."""

    def __init__(self, inner: Clock) -> None:
        self._inner = inner
        self._last = datetime.min.replace(tzinfo=UTC)

    def now(self) -> datetime:
        current = self._inner.now()
        if current <= self._last:
            current = self._last + timedelta(microseconds=1)
        self._last = current
        return current


def format_instant(moment: datetime) -> str:
    """FHIR instant with microseconds and an explicit UTC offset: 2026-11-23T09:05:00.123456+00:00."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def epoch_us(moment: datetime) -> int:
    """Epoch microseconds of an aware datetime: how the store keeps every timestamp."""
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def instant_of_us(epoch_us: int) -> str:
    """The FHIR instant of a stored timestamp (epoch microseconds), exact to the microsecond."""
    seconds = datetime.fromtimestamp(epoch_us // 1_000_000, UTC)
    return format_instant(seconds.replace(microsecond=epoch_us % 1_000_000))
