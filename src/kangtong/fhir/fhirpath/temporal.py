"""Dates, dateTimes and times as FHIR JSON writes them, compared with FHIRPath precision rules.

Values stay ISO strings (as in the resource); they are parsed only to compare or to take a
boundary. Seconds and milliseconds count as one precision (FHIRPath N1 §6.1.4 "Comparison").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_DATE_TIME = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
_TIME = re.compile(r"(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$")

TEMPORAL_TYPES = frozenset({"date", "dateTime", "instant", "time"})


@dataclass(frozen=True, slots=True)
class PartialTemporal:
    """A parsed date/dateTime/time: only the components that were written."""

    components: tuple[int, ...]
    timezone_minutes: int | None
    is_time: bool


def parse_temporal(text: str, type_name: str | None) -> PartialTemporal | None:
    """Parse an ISO date/dateTime (or time, when ``type_name`` is "time"); None if not one."""
    if type_name == "time":
        return _parse_time(text)
    found = _DATE_TIME.match(text)
    if found is None:
        return None
    *parts, fraction, zone = (found.group(index) for index in range(1, 9))
    components = [int(part) for part in parts if part is not None]
    if not _is_real_date_time(components):
        return None
    if len(components) == 6:
        components[5] = components[5] * 1000 + _milliseconds(fraction)
    return PartialTemporal(tuple(components), _zone_minutes(zone), is_time=False)


def _is_real_date_time(components: list[int]) -> bool:
    """Rejects 2020-13 or 2021-02-29T25:00, which match the pattern but name no instant."""
    year, month, day, hour, minute, second = components + [1, 1, 0, 0, 0][len(components) - 1 :]
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return True


def _parse_time(text: str) -> PartialTemporal | None:
    found = _TIME.match(text)
    if found is None:
        return None
    hour, minute, second, fraction = found.groups()
    components = [int(part) for part in (hour, minute, second) if part is not None]
    if not _is_real_date_time([2000, 1, 1, *components]):
        return None
    if len(components) == 3:
        components[2] = components[2] * 1000 + _milliseconds(fraction)
    return PartialTemporal(tuple(components), None, is_time=True)


def _milliseconds(fraction: str | None) -> int:
    return int((fraction or "0")[:3].ljust(3, "0"))


def _zone_minutes(zone: str | None) -> int | None:
    if zone is None:
        return None
    if zone == "Z":
        return 0
    sign = -1 if zone[0] == "-" else 1
    return sign * (int(zone[1:3]) * 60 + int(zone[4:6]))


def _in_utc(value: PartialTemporal) -> tuple[int, ...]:
    """Components shifted to UTC, when the value has a timezone and an hour to shift."""
    if value.timezone_minutes is None or len(value.components) < 4:
        return value.components
    year, month, day, hour, *rest = value.components
    minute = rest[0] if rest else 0
    moment = datetime(year, month, day, hour, minute) - timedelta(minutes=value.timezone_minutes)
    shifted = (moment.year, moment.month, moment.day, moment.hour, moment.minute)
    return shifted[: len(value.components)] + tuple(rest[1:])


def compare_temporal(left: PartialTemporal, right: PartialTemporal) -> int | None:
    """-1, 0 or 1; None when the answer depends on components one side does not have."""
    if left.is_time != right.is_time:
        return None
    both_zoned = left.timezone_minutes is not None and right.timezone_minutes is not None
    left_parts = _in_utc(left) if both_zoned else left.components
    right_parts = _in_utc(right) if both_zoned else right.components
    for left_part, right_part in zip(left_parts, right_parts, strict=False):
        if left_part != right_part:
            return -1 if left_part < right_part else 1
    return 0 if len(left_parts) == len(right_parts) else None


def low_boundary(text: str, type_name: str) -> str | None:
    """The earliest instant ``text`` may denote, written at full precision."""
    return _boundary(text, type_name, high=False)


def high_boundary(text: str, type_name: str) -> str | None:
    """The latest instant ``text`` may denote, written at full precision."""
    return _boundary(text, type_name, high=True)


def _boundary(text: str, type_name: str, *, high: bool) -> str | None:
    value = parse_temporal(text, type_name)
    if value is None:
        return None
    fraction_written = "." in text
    if value.is_time:
        return _format_time(
            _fill_time(value.components, high=high, fraction_written=fraction_written)
        )
    date_text = _fill_date(value.components, high)
    if type_name == "date":
        return date_text
    time_parts = _fill_time(value.components[3:], high=high, fraction_written=fraction_written)
    time_text = _format_time(time_parts)
    zone = value.timezone_minutes
    if zone is None:  # the widest timezones: UTC+14:00 starts first, UTC-12:00 ends last
        zone = -12 * 60 if high else 14 * 60
    return f"{date_text}T{time_text}{_format_zone(zone)}"


def _fill_date(components: tuple[int, ...], high: bool) -> str:
    year = components[0]
    month = components[1] if len(components) > 1 else (12 if high else 1)
    last_day = calendar.monthrange(year, month)[1]
    day = components[2] if len(components) > 2 else (last_day if high else 1)
    return f"{year:04d}-{month:02d}-{day:02d}"


def _fill_time(
    components: tuple[int, ...], *, high: bool, fraction_written: bool
) -> tuple[int, int, int]:
    hour = components[0] if components else (23 if high else 0)
    minute = components[1] if len(components) > 1 else (59 if high else 0)
    if len(components) > 2:
        milliseconds = components[2] + (999 if high and not fraction_written else 0)
    else:
        milliseconds = 59_999 if high else 0
    return hour, minute, milliseconds


def _format_time(parts: tuple[int, int, int]) -> str:
    hour, minute, milliseconds = parts
    return f"{hour:02d}:{minute:02d}:{milliseconds // 1000:02d}.{milliseconds % 1000:03d}"


def _format_zone(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"
