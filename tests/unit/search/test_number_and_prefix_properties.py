"""A number's written precision is its range (FHIR R4 §3.1.1.4.6); prefixes split cleanly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kangtong.core.errors import Invalid
from kangtong.fhir.search.params.context import PREFIXES, split_prefix
from kangtong.fhir.search.params.number import implicit_range

# Decimals as a client writes them: sign, digits, optional fraction, optional exponent.
decimal_texts = st.builds(
    lambda sign, whole, fraction, exponent: f"{sign}{whole}{fraction}{exponent}",
    st.sampled_from(["", "-"]),
    st.from_regex(r"0|[1-9][0-9]{0,8}", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,6}", fullmatch=True)),
    st.one_of(st.just(""), st.integers(-20, 20).map(lambda e: f"e{e}")),
)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("100", 99.5, 100.5),
        ("1.50", 1.495, 1.505),
        ("1e2", 50.0, 150.0),
        ("0.10", 0.095, 0.105),
        ("-3", -3.5, -2.5),
    ],
)
def test_the_implicit_range_follows_the_written_digits(text: str, low: float, high: float) -> None:
    value, found_low, found_high = implicit_range(text)
    assert value == float(Decimal(text))
    assert (found_low, found_high) == pytest.approx((low, high))


@settings(max_examples=300, deadline=None)
@given(decimal_texts)
@example("0")
@example("1e-20")
def test_a_value_lies_inside_its_implicit_range(text: str) -> None:
    value, low, high = implicit_range(text)
    assert low <= value <= high
    assert low < high or value != 0 or low == high == 0.0


@settings(max_examples=300, deadline=None)
@given(decimal_texts.filter(lambda t: "e" not in t), st.from_regex(r"[0-9]{1,4}", fullmatch=True))
def test_more_digits_give_a_narrower_range(text: str, more: str) -> None:
    longer = text + more if "." in text else f"{text}.{more}"
    _, low, high = implicit_range(text)
    _, inner_low, inner_high = implicit_range(longer)
    assert inner_high - inner_low < high - low


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "NaN", "Infinity", "-inf", "1e"])
def test_non_numbers_are_invalid(text: str) -> None:
    with pytest.raises(Invalid):
        implicit_range(text)


@pytest.mark.parametrize("text", ["1e1000001", "9.9e999999"])
def test_a_number_too_large_for_the_decimal_context_is_invalid(text: str) -> None:
    with pytest.raises(Invalid):
        implicit_range(text)


@given(st.sampled_from(sorted(PREFIXES)), st.text(min_size=1, max_size=12))
def test_a_known_prefix_is_split_off(prefix: str, rest: str) -> None:
    assert split_prefix(prefix + rest) == (prefix, rest)
    assert split_prefix(prefix + rest, allowed=False) == ("eq", prefix + rest)


@given(st.text(max_size=12))
def test_without_a_known_prefix_the_value_is_kept_whole(value: str) -> None:
    prefix, rest = split_prefix(value)
    if value[:2] in PREFIXES and len(value) > 2:
        assert (prefix, rest) == (value[:2], value[2:])
    else:
        assert (prefix, rest) == ("eq", value)
    assert prefix in PREFIXES


def test_a_bare_prefix_is_a_value_not_a_prefix() -> None:
    assert split_prefix("ge") == ("eq", "ge")
    assert split_prefix("2020") == ("eq", "2020")
