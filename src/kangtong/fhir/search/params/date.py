"""Date parameters: every value is indexed as an inclusive [low, high] range of epoch µs.

A value's precision defines its range (2020 → the whole year). Values without an offset are
read in the installation's zone (Asia/Shanghai by default), as Chinese systems send them.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import datetime, timedelta, timezone, tzinfo
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
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))


def _to_us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def date_range(text: str, zone: ZoneInfo) -> tuple[int, int] | None:
    """The [low, high] µs range a FHIR date/dateTime/instant denotes; None if malformed."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    g = match.groupdict()
    try:
        tz: tzinfo = zone
        if g["tz"]:
            tz = ZoneInfo("UTC") if g["tz"] == "Z" else _offset_zone(g["tz"])
        year = int(g["y"])
        if g["m"] is None:
            start = datetime(year, 1, 1, tzinfo=tz)
            end = datetime(year + 1, 1, 1, tzinfo=tz)
        elif g["d"] is None:
            month = int(g["m"])
            start = datetime(year, month, 1, tzinfo=tz)
            end = start + timedelta(days=monthrange(year, month)[1])
        else:
            day = datetime(year, int(g["m"]), int(g["d"]), tzinfo=tz)
            if g["H"] is None:
                start, end = day, day + timedelta(days=1)
            else:
                start, end = _time_range(day, g)
    except (ValueError, OverflowError):
        return None
    return _to_us(start), _to_us(end) - 1


def _time_range(day: datetime, g: dict[str, str | None]) -> tuple[datetime, datetime]:
    start = day.replace(hour=int(g["H"] or 0), minute=int(g["M"] or 0))
    if g["S"] is None:
        return start, start + timedelta(minutes=1)
    start = start.replace(second=int(g["S"]))
    fraction = g["f"]
    if not fraction:
        return start, start + timedelta(seconds=1)
    digits = min(len(fraction), 6)
    start = start.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    return start, start + timedelta(microseconds=10 ** (6 - digits))


def _offset_zone(offset: str) -> tzinfo:
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


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
    return RangeCriterion(param.key, "date", prefix, low, high)  # type: ignore[arg-type]
