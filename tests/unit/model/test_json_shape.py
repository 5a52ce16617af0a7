"""Limits on the shape of parsed JSON: nesting depth and array length."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kangtong.core.errors import Invalid
from kangtong.fhir.model.json_shape import JsonLimits, check_json_shape


def nested(depth: int) -> Any:
    node: Any = "leaf"
    for level in range(depth):
        node = {"a": node} if level % 2 else [node]
    return node


@given(depth=st.integers(0, 40))
def test_nesting_up_to_the_limit_passes_and_one_more_level_is_refused(depth: int) -> None:
    limits = JsonLimits(max_depth=depth)
    check_json_shape(nested(depth), limits)
    with pytest.raises(Invalid, match=f"deeper than {depth} levels"):
        check_json_shape(nested(depth + 1), limits)


def test_a_scalar_document_has_no_depth() -> None:
    check_json_shape("text", JsonLimits(max_depth=0))


def test_an_array_longer_than_the_limit_is_refused_wherever_it_is() -> None:
    limits = JsonLimits(max_array_items=3)
    check_json_shape({"name": [{"given": ["a", "b", "c"]}]}, limits)
    with pytest.raises(Invalid, match="more than 3 items"):
        check_json_shape({"name": [{"given": ["a", "b", "c", "d"]}]}, limits)


def test_without_an_array_limit_only_depth_counts() -> None:
    check_json_shape({"entry": list(range(100_000))}, JsonLimits(max_array_items=None))


def test_an_extension_nested_200_deep_is_refused_by_the_default_limits() -> None:
    node: dict[str, Any] = {"url": "http://example.org/leaf", "valueString": "x"}
    for _ in range(200):
        node = {"url": "http://example.org/nest", "extension": [node]}
    with pytest.raises(Invalid):
        check_json_shape({"resourceType": "Patient", "extension": [node]}, JsonLimits())
