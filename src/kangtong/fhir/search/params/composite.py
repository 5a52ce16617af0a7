"""Composite parameters (`code-value-quantity=loinc|8480-6$gt140`): components of one element.

The first component is a token (or a reference); the others are token, string, quantity,
number or date. Each combination of component values found in one element is one row.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from kangtong.core.errors import Invalid
from kangtong.fhir.search.definitions import Component, SearchParam
from kangtong.fhir.search.params import date, number, quantity, reference, string, token
from kangtong.fhir.search.params.context import SearchContext, TypedValue
from kangtong.fhir.search.params.escape import split_raw, split_unescaped
from kangtong.fhir.search.text import clip, fold
from kangtong.store.criteria import CompositeCriterion
from kangtong.store.index_rows import CompositeRow, IndexRows

# A component value: (system, code) for tokens/strings, (low, high) for numeric ones.
Part = tuple[str | None, str | None, float | None, float | None]


def _parts(kind: str, values: list[TypedValue], ctx: SearchContext) -> list[Part]:
    found: list[Part] = []
    for value, type_name in values:
        if kind == "token":
            found.extend((s, c, None, None) for s, c, _t in token.tokens_of(value, type_name))
        elif kind == "reference":
            for _k, rtype, rid, url in reference.reference_rows(0, value, ctx.base_url):
                found.append((None, f"{rtype}/{rid}" if rid else url, None, None))
        elif kind == "string":
            found.extend((None, fold(s), None, None) for s in string.strings_of(value))
        elif kind == "quantity":
            found.extend((r[1], r[2], r[4], r[5]) for r in quantity.quantity_rows(0, value))
        elif kind == "number" and isinstance(value, (int, float)):
            found.append((None, None, float(value), float(value)))
        elif kind == "date":
            found.extend(
                (None, None, lo, hi) for lo, hi in date.value_ranges(value, type_name, ctx.zone)
            )
    return found


def _component_values(
    component: Component, item: dict[str, Any], item_type: str | None
) -> list[TypedValue]:
    walker = component.walker
    if walker is not None and item_type is not None:
        values: list[TypedValue] = walker(item, None, item_type)
        return values
    return component.path.evaluate_typed(item)


def _all_parts(
    param: SearchParam, item: dict[str, Any], item_type: str | None, ctx: SearchContext
) -> list[list[Part]]:
    """Each component's values; empty as soon as one component has none (no row possible).

    Later components (the values) are absent far more often than the first (the code), so
    they are evaluated first.
    """
    components = param.components[:3]
    found: list[list[Part]] = [[] for _ in components]
    for position in range(len(components) - 1, -1, -1):
        component = components[position]
        found[position] = _parts(component.type, _component_values(component, item, item_type), ctx)
        if not found[position]:
            return []
    return found


def extract(
    param: SearchParam, values: list[TypedValue], rows: IndexRows, ctx: SearchContext
) -> None:
    if len(param.components) < 2:
        return
    for item, _type in values:
        if not isinstance(item, dict):
            continue
        per_component = _all_parts(param, item, _type, ctx)
        if not per_component:
            continue
        for combo in product(*per_component):
            first, second = combo[0], combo[1]
            third = combo[2] if len(combo) > 2 else (None, None, None, None)
            row: CompositeRow = (
                param.key,
                clip(first[0]),
                clip(first[1]),
                clip(second[0]),
                clip(second[1]),
                second[2],
                second[3],
                third[2],
                third[3],
            )
            rows.composite.append(row)


def criterion(
    param: SearchParam, value: str, modifier: str | None, ctx: SearchContext
) -> CompositeCriterion:
    if modifier:
        raise Invalid(f"The modifier :{modifier} is not supported on the composite {param.code}")
    pieces = split_raw(value, "$")
    if len(pieces) != len(param.components) or len(pieces) < 2:
        raise Invalid(f"'{value}' needs {len(param.components)} components separated by $")
    c1_system, c1_code, _any = token.parse_token(pieces[0])
    if c1_code is None:
        raise Invalid(f"The first component of '{value}' needs a code")
    second_kind = param.components[1].type
    second = pieces[1]
    if second_kind == "token":
        system, code, _any = token.parse_token(second)
        return CompositeCriterion(param.stored, c1_system, c1_code, c2_code=code, c2_system=system)
    if second_kind == "string":
        text = fold(split_unescaped(second, "\x00")[0])
        return CompositeCriterion(param.stored, c1_system, c1_code, c2_code=text, c2_prefix=True)
    if second_kind in ("quantity", "number"):
        prefix, _n, low, high = number.parse_search_value(split_unescaped(second, "|")[0])
        return CompositeCriterion(param.stored, c1_system, c1_code, c2_range=(prefix, low, high))
    if second_kind == "date":
        prefix, lo, hi = date.parse_search_value(second, ctx)
        return CompositeCriterion(param.stored, c1_system, c1_code, c2_range=(prefix, lo, hi))
    raise Invalid(f"Composite component type {second_kind} is not supported")
