"""FHIR-specific FHIRPath functions (FHIR R4 §2.1.9.1 "FHIRPath functions"), the SQL-on-FHIR v2
key functions, type functions, boundaries and conversions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kangtong.fhir.fhirpath.calls import CallSite, FunctionBuilder
from kangtong.fhir.fhirpath.references import find_contained, reference_target, referenced_type
from kangtong.fhir.fhirpath.runtime import (
    Collection,
    Compiled,
    Env,
    Evaluator,
    boolean_result,
    singleton,
)
from kangtong.fhir.fhirpath.temporal import TEMPORAL_TYPES, high_boundary, low_boundary
from kangtong.fhir.fhirpath.types import (
    Item,
    infer_type,
    is_type_or_subtype,
    value_is_of_type,
)


def _extension(site: CallSite) -> Compiled:
    site.expect_arguments(1)

    def transform(items: Collection, arguments: list[Collection]) -> Collection:
        url = singleton(arguments[0], "extension() url")
        if url is None:
            return []
        out: Collection = []
        for value, _ in items:
            if isinstance(value, dict):
                for extension in value.get("extension") or ():
                    if isinstance(extension, dict) and extension.get("url") == url[0]:
                        out.append((extension, "Extension"))
        return out

    return site.with_argument_values(transform, "Extension")


def _resolve(site: CallSite) -> Compiled:
    """Placeholders typed by the reference's type; ``#id`` finds a contained resource."""
    site.expect_arguments(0)
    source = site.input.evaluate

    def evaluate(focus: Collection, env: Env) -> Collection:
        out: Collection = []
        for value, _ in source(focus, env):
            target = _resolve_one(value, env)
            if target is not None:
                out.append(target)
        return out

    return Compiled(evaluate)


def _resolve_one(value: Any, env: Env) -> Item | None:
    if isinstance(value, dict):
        reference, declared_type = value.get("reference"), value.get("type")
    else:
        reference, declared_type = value, None
    if isinstance(reference, str) and reference.startswith("#"):
        contained = find_contained(env.root[0], reference)
        if contained is not None:
            return contained, contained.get("resourceType")
    target = reference_target(reference, declared_type)
    return None if target is None else (target, target.resource_type)


def references_to(source: Evaluator, wanted: str) -> Evaluator:
    """The fused ``where(resolve() is T)``: the references whose target is a ``T``."""

    any_resource = wanted in ("Resource", "DomainResource")

    def evaluate(focus: Collection, env: Env) -> Collection:
        out: Collection = []
        for item in source(focus, env):
            value = item[0]
            if isinstance(value, dict):
                found = referenced_type(value.get("reference"), value.get("type"), env.root[0])
            else:
                found = referenced_type(value, None, env.root[0])
            if found is not None and (any_resource or is_type_or_subtype(found, wanted)):
                out.append(item)
        return out

    return evaluate


def _get_resource_key(site: CallSite) -> Compiled:
    site.expect_arguments(0)

    def transform(items: Collection) -> Collection:
        return [
            (value["id"], "id")
            for value, _ in items
            if isinstance(value, dict) and "resourceType" in value and "id" in value
        ]

    return site.per_input(transform, "id")


def _get_reference_key(site: CallSite) -> Compiled:
    site.expect_arguments(0, 1)
    wanted = site.type_argument(0) if site.args else None

    def transform(items: Collection) -> Collection:
        out: Collection = []
        for value, _ in items:
            if not isinstance(value, dict):
                continue
            target = reference_target(value.get("reference"), value.get("type"))
            if target is None or target.resource_id is None:
                continue
            if wanted is None or target.resource_type == wanted:
                out.append((target.resource_id, "id"))
        return out

    return site.per_input(transform, "id")


def _type_test(site: CallSite) -> Compiled:
    """``is(T)`` as a function."""
    site.expect_arguments(1)
    wanted = site.type_argument(0)

    def transform(items: Collection) -> Collection:
        item = singleton(items, "is()")
        return [] if item is None else boolean_result(value_is_of_type(item[0], item[1], wanted))

    return site.per_input(transform, "boolean")


def _boundary(high: bool) -> FunctionBuilder:
    def build(site: CallSite) -> Compiled:
        site.expect_arguments(0)

        def transform(items: Collection) -> Collection:
            item = singleton(items, f"{site.name}()")
            return [] if item is None else _boundary_of(item, high)

        return site.per_input(transform)

    return build


def _boundary_of(item: Item, high: bool) -> Collection:
    value, value_type = item
    kind = value_type or infer_type(value)
    if isinstance(value, str):
        kind = kind if kind in TEMPORAL_TYPES else ("dateTime" if "T" in value else "date")
        if kind == "instant":
            return [(value, "instant")]
        bound = high_boundary(value, kind) if high else low_boundary(value, kind)
        return [] if bound is None else [(bound, kind)]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    text = repr(value) if isinstance(value, float) else str(value)
    digits = len(text.split(".")[1]) if "." in text else 0
    half_step = Decimal(5).scaleb(-(digits + 1))
    exact = Decimal(text) + (half_step if high else -half_step)
    return [(float(exact), "decimal")]


def _to_string(site: CallSite) -> Compiled:
    site.expect_arguments(0)

    def transform(items: Collection) -> Collection:
        item = singleton(items, "toString()")
        if item is None or isinstance(item[0], dict | list):
            return []
        value = item[0]
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return [(text, "string")]

    return site.per_input(transform, "string")


def _to_integer_value(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("+-").isdigit():
        return int(value)
    return None


def _to_decimal_value(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


_BOOLEAN_WORDS = {
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "1": True,
    "1.0": True,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "0": False,
    "0.0": False,
}


def _to_boolean_value(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        return _BOOLEAN_WORDS.get(value.lower())
    return None


def _conversion(convert: Any, result_type: str, *, test_only: bool) -> FunctionBuilder:
    def build(site: CallSite) -> Compiled:
        site.expect_arguments(0)

        def transform(items: Collection) -> Collection:
            item = singleton(items, f"{site.name}()")
            if item is None:
                return []
            converted = convert(item[0])
            if test_only:
                return boolean_result(converted is not None)
            return [] if converted is None else [(converted, result_type)]

        return site.per_input(transform, "boolean" if test_only else result_type)

    return build


def _children_of(items: Collection) -> Collection:
    out: Collection = []
    for value, _ in items:
        if isinstance(value, dict):
            for key, child in value.items():
                if key == "resourceType" or key.startswith("_"):
                    continue
                for each in child if isinstance(child, list) else (child,):
                    if each is not None:
                        out.append((each, infer_type(each)))
    return out


def _descendants_of(items: Collection) -> Collection:
    out: Collection = []
    level = _children_of(items)
    while level:
        out.extend(level)
        level = _children_of(level)
    return out


def _tree(transform: Any) -> FunctionBuilder:
    def build(site: CallSite) -> Compiled:
        site.expect_arguments(0)
        return site.per_input(transform)

    return build


def _has_value(site: CallSite) -> Compiled:
    site.expect_arguments(0)

    def transform(items: Collection) -> Collection:
        return boolean_result(len(items) == 1 and not isinstance(items[0][0], dict | list))

    return site.per_input(transform, "boolean")


FHIR_FUNCTIONS: dict[str, FunctionBuilder] = {
    "extension": _extension,
    "resolve": _resolve,
    "getResourceKey": _get_resource_key,
    "getReferenceKey": _get_reference_key,
    "is": _type_test,
    "lowBoundary": _boundary(high=False),
    "highBoundary": _boundary(high=True),
    "toString": _to_string,
    "toInteger": _conversion(_to_integer_value, "integer", test_only=False),
    "toDecimal": _conversion(_to_decimal_value, "decimal", test_only=False),
    "toBoolean": _conversion(_to_boolean_value, "boolean", test_only=False),
    "convertsToInteger": _conversion(_to_integer_value, "integer", test_only=True),
    "convertsToDecimal": _conversion(_to_decimal_value, "decimal", test_only=True),
    "convertsToBoolean": _conversion(_to_boolean_value, "boolean", test_only=True),
    "children": _tree(_children_of),
    "descendants": _tree(_descendants_of),
    "hasValue": _has_value,
}
