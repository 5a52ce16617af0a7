"""Quantity parameters: Quantity, Age, Duration, Money, Range; `5.4|http://unitsofmeasure.org|mg`."""

from __future__ import annotations

from kangtong.core.errors import Invalid
from kangtong.fhir.search.definitions import SearchParam
from kangtong.fhir.search.params.context import SearchContext, TypedValue
from kangtong.fhir.search.params.escape import split_unescaped
from kangtong.fhir.search.params.number import parse_search_value
from kangtong.store.criteria import RangeCriterion
from kangtong.store.index_rows import IndexRows, QuantityRow


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def quantity_rows(key: int, value: object) -> list[QuantityRow]:
    if not isinstance(value, dict):
        return []
    if "low" in value or "high" in value:  # Range
        low_q, high_q = value.get("low") or {}, value.get("high") or {}
        low, high = _number(low_q.get("value")), _number(high_q.get("value"))
        if low is None and high is None:
            return []
        unit = low_q if low is not None else high_q
        lo = low if low is not None else float("-inf")
        hi = high if high is not None else float("inf")
        mid = lo if high is None else (hi if low is None else (lo + hi) / 2)
        return [(key, unit.get("system"), unit.get("code") or unit.get("unit"), mid, lo, hi)]
    number = _number(value.get("value"))
    if number is None:
        return []
    code = value.get("code") or value.get("unit") or value.get("currency")
    system = value.get("system") or ("urn:iso:std:iso:4217" if "currency" in value else None)
    return [(key, system, code, number, number, number)]


def extract(
    param: SearchParam, values: list[TypedValue], rows: IndexRows, ctx: SearchContext
) -> None:
    for value, _type in values:
        rows.quantity.extend(quantity_rows(param.key, value))


def criterion(
    param: SearchParam, value: str, modifier: str | None, ctx: SearchContext
) -> RangeCriterion:
    if modifier:
        raise Invalid(
            f"The modifier :{modifier} is not supported on the quantity parameter {param.code}"
        )
    parts = split_unescaped(value, "|")
    if len(parts) not in (1, 3):
        raise Invalid(f"'{value}' is not a valid quantity: use [prefix]number|system|code")
    prefix, _number, low, high = parse_search_value(parts[0])
    system = parts[1] or None if len(parts) == 3 else None
    code = parts[2] or None if len(parts) == 3 else None
    return RangeCriterion(param.stored, "quantity", prefix, low, high, system, code)  # type: ignore[arg-type]
