"""Date parameters: every value is indexed as an inclusive [low, high] range of epoch µs.

A value's precision defines its range (2020 → the whole year). Values without an offset are
read in the installation's zone (Asia/Shanghai by default), as Chinese systems send them.
"""

from __future__ import annotations

import re
from calendar import isleap, monthrange
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from kangtong.core.errors import Invalid
from kangtong.fhir.search.definitions import SearchParam
from kangtong.fhir.search.params.context import SearchContext, TypedValue, split_prefix
from kangtong.store.criteria import RangeCriterion
from kangtong.store.index_rows import IndexRows

MIN_US = -(2**62)
MAX_US = 2**62
_DATE = re.compile(
    r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?",
    re.ASCII,  # ٢٠٢٠ is not a FHIR year
)
_MAX_OFFSET_MINUTES = 14 * 60
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def date_range(text: str, zone: ZoneInfo) -> tuple[int, int] | None:
    """The [low, high] µs range a FHIR date/dateTime/instant denotes; None if malformed."""
    return _cached_range(text.strip(), zone)


@lru_cache(maxsize=65_536)
def _cached_range(text: str, zone: ZoneInfo) -> tuple[int, int] | None:
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    y, m, d, hh, mm, ss, frac, tz = match.groups()
    try:
        year = int(y)
        month = int(m) if m else 1
        day = int(d) if d else 1
        if not (1 <= month <= 12 and 1 <= day <= monthrange(year, month)[1]):
            return None
        hour, minute, second = int(hh or 0), int(mm or 0), int(ss or 0)
        if hour > 23 or minute > 59 or second > 60:
            return None
        micro = int(frac[:6].ljust(6, "0")) if frac else 0
        start_wall = (
            _civil_us(year, month, day) + ((hour * 60 + minute) * 60 + second) * _SECOND + micro
        )
        end_wall = start_wall + _span_us(year, month, (m, d, hh, ss, frac))
        start_offset = _offset_us(tz, zone, year, month, day, hour)
        end_offset = start_offset if tz else _local_offset_at(end_wall, zone, start_offset)
    except (ValueError, OverflowError):
        return None
    # A local day or month ends at the next local midnight, which a summer-time change moves.
    return start_wall - start_offset, end_wall - end_offset - 1


_SECOND = 1_000_000
_DAY = 86_400 * _SECOND


def _civil_us(year: int, month: int, day: int) -> int:
    """Microseconds from 1970-01-01 to the start of the given UTC calendar day."""
    days: int = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    return days * _DAY


def _span_us(year: int, month: int, parts: tuple[str | None, ...]) -> int:
    """How long the written precision lasts: a year, month, day, minute, second or fraction."""
    m, d, hh, ss, frac = parts
    if m is None:
        return (366 if isleap(year) else 365) * _DAY
    if d is None:
        return monthrange(year, month)[1] * _DAY
    if hh is None:
        return _DAY
    if ss is None:
        return 60 * _SECOND
    if not frac:
        return _SECOND
    digits = min(len(frac), 6)
    return int(10 ** (6 - digits))


def _local_offset_at(wall_us: int, zone: ZoneInfo, fallback: int) -> int:
    """The zone's offset at a local wall-clock moment given as µs since 1970-01-01T00:00."""
    days, rest = divmod(wall_us, _DAY)
    try:
        day = date.fromordinal(days + _EPOCH_ORDINAL)
    except (ValueError, OverflowError):
        return fallback  # past 9999-12-31: keep the offset the period started with
    return _offset_us(None, zone, day.year, day.month, day.day, rest // (3600 * _SECOND))


def _offset_us(tz: str | None, zone: ZoneInfo, year: int, month: int, day: int, hour: int) -> int:
    if tz == "Z":
        return 0
    if tz:
        hours, minutes = int(tz[1:3]), int(tz[4:6])
        if minutes > 59 or hours * 60 + minutes > _MAX_OFFSET_MINUTES:
            raise ValueError(f"offset {tz} is out of range")
        sign = 1 if tz[0] == "+" else -1
        return sign * (hours * 3600 + minutes * 60) * _SECOND
    offset = zone.utcoffset(datetime(year, month, day, hour))
    return 0 if offset is None else int(offset.total_seconds()) * _SECOND


def value_ranges(value: object, type_name: str | None, zone: ZoneInfo) -> list[tuple[int, int]]:
    """Ranges for a date, dateTime, instant, Period or Timing value."""
    if isinstance(value, str):
        found = date_range(value, zone)
        return [found] if found else []
    if not isinstance(value, dict):
        return []
    if type_name == "Timing" or "event" in value or "repeat" in value:
        ranges = [r for event in value.get("event", []) for r in value_ranges(event, None, zone)]
        bounds = value.get("repeat", {}).get("boundsPeriod")
        if bounds:
            ranges.extend(value_ranges(bounds, "Period", zone))
        return ranges
    if "start" in value or "end" in value:
        start = date_range(value["start"], zone) if "start" in value else None
        end = date_range(value["end"], zone) if "end" in value else None
        return [(start[0] if start else MIN_US, end[1] if end else MAX_US)]
    return []


def extract(
    param: SearchParam, values: list[TypedValue], rows: IndexRows, ctx: SearchContext
) -> None:
    for value, type_name in values:
        for low, high in value_ranges(value, type_name, ctx.zone):
            rows.date.append((param.key, low, high))


def parse_search_value(value: str, ctx: SearchContext) -> tuple[str, int, int]:
    prefix, text = split_prefix(value)
    found = date_range(text, ctx.zone)
    if found is None:
        raise Invalid(f"'{value}' is not a valid date search value (e.g. ge2020-01-01)")
    low, high = found
    if prefix == "ap":
        gap = abs(ctx.now_us - low) // 10 if ctx.now_us else 0
        margin = max(gap, 86_400_000_000)
        low, high = low - margin, high + margin
    return prefix, low, high


def criterion(
    param: SearchParam, value: str, modifier: str | None, ctx: SearchContext
) -> RangeCriterion:
    if modifier:
        raise Invalid(
            f"The modifier :{modifier} is not supported on the date parameter {param.code}"
        )
    prefix, low, high = parse_search_value(value, ctx)
    return RangeCriterion(param.stored, "date", prefix, low, high)  # type: ignore[arg-type]
