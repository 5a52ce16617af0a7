"""Prefixes compare ranges as FHIR R4 §3.1.1.4.7 says, in SQL as in this pure-Python model.

Stored value [low, high] (a date's precision, a Range), search value [s_low, s_high]:
eq: stored inside search; ne: not eq; gt: high > s_high; lt: low < s_low; ge: high ≥ s_low;
le: low ≤ s_high; sa: low > s_high; eb: high < s_low; ap: the ranges overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Float, Integer, MetaData, Table, create_engine, select

from kangtong.store.search_sql import range_condition

Range = tuple[float, float]
MODEL: dict[str, Callable[[Range, Range], bool]] = {
    "eq": lambda v, s: v[0] >= s[0] and v[1] <= s[1],
    "ne": lambda v, s: not (v[0] >= s[0] and v[1] <= s[1]),
    "gt": lambda v, s: v[1] > s[1],
    "lt": lambda v, s: v[0] < s[0],
    "ge": lambda v, s: v[1] >= s[0],
    "le": lambda v, s: v[0] <= s[1],
    "sa": lambda v, s: v[0] > s[1],
    "eb": lambda v, s: v[1] < s[0],
    "ap": lambda v, s: v[0] <= s[1] and v[1] >= s[0],
}
metadata = MetaData()
stored = Table(
    "stored", metadata, Column("id", Integer, primary_key=True), Column("low", Float),
    Column("high", Float),
)  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def ordered(a: float, b: float) -> Range:
    return (min(a, b), max(a, b))


bounds = st.one_of(st.integers(-20, 20).map(float), st.sampled_from([float("-inf"), float("inf")]))
ranges = st.builds(ordered, bounds, bounds)


@settings(max_examples=200, deadline=None)
@given(st.lists(ranges, min_size=1, max_size=8), st.builds(ordered, *[st.integers(-20, 20)] * 2))
def test_sql_prefix_conditions_match_the_model(
    engine: Engine, values: list[Range], search: tuple[int, int]
) -> None:
    with engine.begin() as conn:
        conn.execute(stored.delete())
        conn.execute(
            stored.insert(), [{"id": i, "low": lo, "high": hi} for i, (lo, hi) in enumerate(values)]
        )
        for prefix, model in MODEL.items():
            condition = range_condition(stored.c.low, stored.c.high, prefix, *search)
            found = set(conn.scalars(select(stored.c.id).where(condition)))
            expected = {i for i, v in enumerate(values) if model(v, search)}
            assert found == expected, prefix


def test_an_unknown_prefix_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown prefix"):
        range_condition(stored.c.low, stored.c.high, "xx", 0, 1)
