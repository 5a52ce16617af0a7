"""Equality, equivalence and ordering of FHIRPath items (FHIRPath N1 §6.1 and §6.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kangtong.fhir.fhirpath.runtime import Collection
from kangtong.fhir.fhirpath.temporal import TEMPORAL_TYPES, compare_temporal, parse_temporal
from kangtong.fhir.fhirpath.types import Item


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _temporal_order(left: Item, right: Item) -> tuple[bool, int | None]:
    """(whether both strings are dates/times, their order or None if precision differs).

    They are compared as dates/times when either is typed so and both parse as such.
    """
    left_type, right_type = left[1], right[1]
    if left_type not in TEMPORAL_TYPES and right_type not in TEMPORAL_TYPES:
        return False, None
    kind = left_type if left_type in TEMPORAL_TYPES else right_type
    left_value = parse_temporal(left[0], left_type if left_type in TEMPORAL_TYPES else kind)
    right_value = parse_temporal(right[0], right_type if right_type in TEMPORAL_TYPES else kind)
    if left_value is None or right_value is None:
        return False, None
    return True, compare_temporal(left_value, right_value)


def items_equal(left: Item, right: Item) -> bool | None:
    """``=`` on two single items; None when the answer is unknown (temporal precision)."""
    left_value, right_value = left[0], right[0]
    if isinstance(left_value, str) and isinstance(right_value, str):
        temporal, order = _temporal_order(left, right)
        if not temporal:
            return left_value == right_value
        return None if order is None else order == 0
    if isinstance(left_value, bool) or isinstance(right_value, bool):
        return left_value is right_value
    if _is_number(left_value) and _is_number(right_value):
        return bool(left_value == right_value)
    if isinstance(left_value, dict) and isinstance(right_value, dict):
        return _quantity_or_structure_equal(left_value, right_value)
    return bool(left_value == right_value)


def _quantity_or_structure_equal(left: dict[str, Any], right: dict[str, Any]) -> bool:
    if "value" in left and "value" in right and _is_number(left["value"]):
        return bool(left["value"] == right["value"]) and _unit(left) == _unit(right)
    return left == right


def _unit(quantity: dict[str, Any]) -> Any:
    return quantity.get("code", quantity.get("unit"))


def collections_equal(left: Collection, right: Collection) -> bool | None:
    """``=`` on collections: empty if either is empty, else item-wise in order."""
    if not left or not right:
        return None
    if len(left) != len(right):
        return False
    answer: bool | None = True
    for left_item, right_item in zip(left, right, strict=True):
        equal = items_equal(left_item, right_item)
        if equal is False:
            return False
        if equal is None:
            answer = None
    return answer


def items_equivalent(left: Item, right: Item) -> bool:
    """``~`` on two single items: case- and whitespace-insensitive strings, never unknown."""
    left_value, right_value = left[0], right[0]
    if isinstance(left_value, str) and isinstance(right_value, str):
        temporal, order = _temporal_order(left, right)
        if not temporal:
            return _normalise_text(left_value) == _normalise_text(right_value)
        return order == 0
    return items_equal(left, right) is True


def _normalise_text(text: str) -> str:
    return " ".join(text.split()).lower()


def collections_equivalent(left: Collection, right: Collection) -> bool:
    """``~`` on collections: both empty, or the same items in any order."""
    if len(left) != len(right):
        return False
    unmatched = list(right)
    for item in left:
        match = next((other for other in unmatched if items_equivalent(item, other)), None)
        if match is None:
            return False
        unmatched.remove(match)
    return True


def _sign(left: Any, right: Any) -> int:
    return int(left > right) - int(left < right)


def order_items(left: Item, right: Item) -> int | None:
    """-1, 0 or 1 for ``<``/``>``…; None when not comparable at this precision."""
    left_value, right_value = left[0], right[0]
    if _is_number(left_value) and _is_number(right_value):
        return _sign(left_value, right_value)
    if isinstance(left_value, str) and isinstance(right_value, str):
        temporal, order = _temporal_order(left, right)
        if not temporal:
            return _sign(left_value, right_value)
        return order
    if isinstance(left_value, dict) and isinstance(right_value, dict):
        return _order_quantities(left_value, right_value)
    return None


def _order_quantities(left: dict[str, Any], right: dict[str, Any]) -> int | None:
    left_number, right_number = left.get("value"), right.get("value")
    if not (_is_number(left_number) and _is_number(right_number)):
        return None
    if _unit(left) != _unit(right):
        return None
    return _sign(left_number, right_number)
