"""Number parameters. A search value's precision sets its range: 100 means [99.5, 100.5]."""

from __future__ import annotations

import math
from decimal import Decimal, DecimalException

from kangtong.core.errors import Invalid
from kangtong.fhir.search.definitions import SearchParam
from kangtong.fhir.search.params.context import SearchContext, TypedValue, split_prefix
from kangtong.store.criteria import RangeCriterion
from kangtong.store.index_rows import IndexRows


def implicit_range(text: str) -> tuple[float, float, float]:
    """(value, low, high) of a decimal written as `text`, by its significant digits."""
    try:
        number = Decimal(text)
        if not number.is_finite():
            raise Invalid(f"'{text}' is not a finite number")
        exponent = number.as_tuple().exponent
        half = Decimal(5).scaleb(int(exponent) - 1)
        value, low, high = float(number), float(number - half), float(number + half)
    except DecimalException as exc:
        raise Invalid(f"'{text}' is not a number kangtong can compare") from exc
    if not all(math.isfinite(x) for x in (value, low, high)):
        raise Invalid(f"'{text}' is too large to compare")
    return value, low, high


def parse_search_value(value: str) -> tuple[str, float, float, float]:
    prefix, text = split_prefix(value)
    number, low, high = implicit_range(text)
    if prefix == "ap":
        margin = abs(number) * 0.1
        low, high = min(low, number - margin), max(high, number + margin)
    elif prefix in ("gt", "lt", "ge", "le", "sa", "eb", "ne"):
        # Comparisons are against the value itself; eq keeps the precision range.
        low = high = number
    return prefix, number, low, high


def extract(
    param: SearchParam, values: list[TypedValue], rows: IndexRows, ctx: SearchContext
) -> None:
    for value, _type in values:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
            rows.number.append((param.key, number, number, number))


def criterion(
    param: SearchParam, value: str, modifier: str | None, ctx: SearchContext
) -> RangeCriterion:
    if modifier:
        raise Invalid(
            f"The modifier :{modifier} is not supported on the number parameter {param.code}"
        )
    prefix, _number, low, high = parse_search_value(value)
    return RangeCriterion(param.stored, "number", prefix, low, high)  # type: ignore[arg-type]
