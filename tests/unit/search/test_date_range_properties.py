"""A search date's precision is its range: properties of `date_range` for every precision.

The model below derives each range from the calendar alone (days since the epoch, leap years,
month lengths), independently of how `date_range` computes it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kangtong.fhir.search.params.date import date_range

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
SECOND = 1_000_000
DAY = 86_400 * SECOND
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
PRECISIONS = ("year", "month", "day", "minute", "second", "fraction")


@dataclass(frozen=True)
class FhirDate:
    """A FHIR date/dateTime/instant of some precision, with Z, ±hh:mm or no offset."""

    moment: datetime  # naive, wall-clock
    precision: str
    digits: int  # fraction digits (1–9) when precision == "fraction"
    offset_minutes: int | None  # None: no offset written; 0 with `zulu`: "Z"
    zulu: bool = False

    def text(self, precision: str | None = None) -> str:
        precision = precision or self.precision
        m = self.moment
        out = f"{m.year:04d}"
        if precision == "year":
            return out
        out += f"-{m.month:02d}"
        if precision == "month":
            return out
        out += f"-{m.day:02d}"
        if precision == "day":
            return out
        out += f"T{m.hour:02d}:{m.minute:02d}"
        if precision != "minute":
            out += f":{m.second:02d}"
        if precision == "fraction":
            out += "." + f"{m.microsecond:06d}{'999'}"[: self.digits]
        return out + self.offset_text()

    def offset_text(self) -> str:
        if self.offset_minutes is None:
            return ""
        if self.zulu:
            return "Z"
        sign = "+" if self.offset_minutes >= 0 else "-"
        hours, minutes = divmod(abs(self.offset_minutes), 60)
        return f"{sign}{hours:02d}:{minutes:02d}"

    def less_precise(self) -> list[str]:
        coarser = PRECISIONS[: PRECISIONS.index(self.precision)]
        if self.offset_minutes is not None:  # a time needs its offset; a date cannot carry one
            coarser = tuple(p for p in coarser if p in ("minute", "second"))
        return [self.text(p) for p in coarser]


def width_us(value: FhirDate) -> int:
    """How long the written precision lasts, from the calendar."""
    m = value.moment
    match value.precision:
        case "year":
            return (366 if calendar.isleap(m.year) else 365) * DAY
        case "month":
            return calendar.monthrange(m.year, m.month)[1] * DAY
        case "day":
            return DAY
        case "minute":
            return 60 * SECOND
        case "second":
            return SECOND
    return 10 ** max(0, 6 - value.digits)


def start_us(value: FhirDate) -> int:
    """Epoch µs of the first instant the value denotes, for a value written with an offset."""
    assert value.offset_minutes is not None
    m, rank = value.moment, PRECISIONS.index(value.precision)
    day = date(m.year, m.month if rank >= 1 else 1, m.day if rank >= 2 else 1)
    seconds = (m.hour * 3600 + m.minute * 60) if rank >= 3 else 0
    seconds += m.second if rank >= 4 else 0
    micro = m.microsecond - m.microsecond % width_us(value) if rank == 5 else 0
    days = day.toordinal() - EPOCH_ORDINAL
    return days * DAY + seconds * SECOND + micro - value.offset_minutes * 60 * SECOND


@st.composite
def fhir_dates(
    draw: st.DrawFn, *, zoned: bool, min_year: int = 1, max_year: int = 9998
) -> FhirDate:
    moment = draw(
        st.datetimes(datetime(min_year, 1, 1), datetime(max_year, 12, 31, 23, 59, 59, 999_999))
    )
    if zoned:
        precision = draw(st.sampled_from(PRECISIONS))
        return FhirDate(moment, precision, draw(st.integers(1, 9)), None)
    precision = draw(st.sampled_from(PRECISIONS[3:]))
    offset = draw(st.integers(-14 * 60, 14 * 60))
    zulu = draw(st.booleans())
    return FhirDate(moment, precision, draw(st.integers(1, 9)), 0 if zulu else offset, zulu)


@settings(max_examples=300, deadline=None)
@given(fhir_dates(zoned=False))
@example(FhirDate(datetime(2020, 2, 29, 23, 59, 59, 999_999), "fraction", 9, 480))
@example(FhirDate(datetime(1, 1, 1), "minute", 1, 14 * 60))
def test_a_value_with_an_offset_denotes_exactly_its_precision(value: FhirDate) -> None:
    low, high = date_range(value.text(), SHANGHAI)  # the zone must not matter
    assert low <= high
    assert low == start_us(value)
    assert high - low + 1 == width_us(value)


@settings(max_examples=300, deadline=None)
@given(fhir_dates(zoned=True, min_year=1992, max_year=2200))
@example(FhirDate(datetime(2024, 2, 1), "month", 1, None))  # 29 days
@example(FhirDate(datetime(2100, 2, 1), "month", 1, None))  # 28: not a leap year
@example(FhirDate(datetime(2000, 1, 1), "year", 1, None))  # 366: leap year
def test_a_value_without_an_offset_is_read_in_the_zone(value: FhirDate) -> None:
    # Asia/Shanghai has been UTC+8 all year since 1992 (DST transitions: see below).
    as_utc_plus_8 = FhirDate(value.moment, value.precision, value.digits, 8 * 60)
    assert date_range(value.text(), SHANGHAI) == (
        start_us(as_utc_plus_8),
        start_us(as_utc_plus_8) + width_us(as_utc_plus_8) - 1,
    )
    moved = date_range(value.text(), ZoneInfo("Etc/GMT-9"))  # UTC+9: an hour earlier
    assert moved is not None
    assert moved[0] == start_us(as_utc_plus_8) - 3600 * SECOND


@settings(max_examples=300, deadline=None)
@given(st.one_of(fhir_dates(zoned=True), fhir_dates(zoned=False)))
def test_a_more_precise_value_lies_inside_every_less_precise_prefix(value: FhirDate) -> None:
    low, high = date_range(value.text(), SHANGHAI)
    for prefix in value.less_precise():
        outer_low, outer_high = date_range(prefix, SHANGHAI)
        assert outer_low <= low <= high <= outer_high, prefix


@pytest.mark.parametrize(
    "text",
    [
        "2021-02-29",
        "1900-02-29",
        "2021-13",
        "2021-00",
        "2021-04-31",
        "2021-01-00",
        "2021-01-01T24:00:00Z",
        "2021-01-01T10:60:00Z",
        "21-01-01",
        "2021-1-1",
        "2021/01/01",
        "2021-01-01T10",
        "",
        "now",
    ],
)
def test_malformed_or_impossible_dates_have_no_range(text: str) -> None:
    assert date_range(text, SHANGHAI) is None


def test_only_ascii_digits_make_a_date() -> None:
    assert date_range("٢٠٢٠", SHANGHAI) is None
    assert date_range("２０２０-０１", SHANGHAI) is None


@pytest.mark.parametrize("offset", ["+25:00", "-15:00", "+10:75", "+99:99"])
def test_an_offset_beyond_fourteen_hours_is_malformed(offset: str) -> None:
    assert date_range(f"2021-01-01T10:00:00{offset}", SHANGHAI) is None


def test_the_last_representable_year_has_a_range() -> None:
    year = date_range("9999", UTC)
    last_day = date_range("9999-12-31", UTC)
    assert year is not None
    assert last_day is not None
    assert year[1] == last_day[1]


@pytest.mark.parametrize(
    ("zone", "text", "start", "end"),
    [
        ("Asia/Shanghai", "1986-05-04", (1986, 5, 4), (1986, 5, 5)),  # 23 h
        ("Asia/Shanghai", "1986-09-14", (1986, 9, 14), (1986, 9, 15)),  # 25 h
        ("Asia/Shanghai", "1988-04", (1988, 4, 1), (1988, 5, 1)),
        ("Europe/Berlin", "2026-10", (2026, 10, 1), (2026, 11, 1)),
    ],
)
def test_a_local_day_or_month_follows_daylight_saving_changes(
    zone: str, text: str, start: tuple[int, int, int], end: tuple[int, int, int]
) -> None:
    tz = ZoneInfo(zone)
    low = int(datetime(*start, tzinfo=tz).timestamp()) * SECOND
    high = int(datetime(*end, tzinfo=tz).timestamp()) * SECOND - 1
    assert date_range(text, tz) == (low, high)


def test_a_leap_second_is_the_last_second_of_its_minute() -> None:
    minute = date_range("2016-12-31T23:59Z", UTC)
    leap = date_range("2016-12-31T23:59:60Z", UTC)
    assert minute is not None
    assert leap is not None
    assert leap[1] - leap[0] + 1 == SECOND
