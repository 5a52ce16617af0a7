"""FHIRPath string and math functions (FHIRPath N1 §5.6, §5.7)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from kangtong.fhir.fhirpath.calls import CallSite, FunctionBuilder
from kangtong.fhir.fhirpath.runtime import Collection, Compiled, singleton

_StringOperation = Callable[[str, list[Any]], Any]


def _string_function(
    operation: _StringOperation, argument_count: tuple[int, int], result_type: str | None
) -> FunctionBuilder:
    """A function of one string input and literal-valued arguments; empty in, empty out."""

    def build(site: CallSite) -> Compiled:
        site.expect_arguments(*argument_count)

        def transform(items: Collection, arguments: list[Collection]) -> Collection:
            item = singleton(items, f"{site.name}()")
            if item is None:
                return []
            if not isinstance(item[0], str):
                raise site.error(f"expects a string but got {item[0]!r}")
            values = [_argument_value(argument, site) for argument in arguments]
            if any(value is None for value in values[:1]):
                return []
            result = operation(item[0], values)
            if result is None:
                return []
            return [(result, result_type or _type_of(result))]

        return site.with_argument_values(transform, result_type)

    return build


def _argument_value(argument: Collection, site: CallSite) -> Any:
    item = singleton(argument, f"{site.name}() argument")
    return None if item is None else item[0]


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "string"


def _substring(text: str, values: list[Any]) -> str | None:
    start = values[0]
    if start < 0 or start >= len(text):
        return None
    if len(values) > 1 and values[1] is not None:
        return text[start : start + max(values[1], 0)]
    return text[start:]


def _replace(text: str, values: list[Any]) -> str | None:
    pattern, substitution = values
    if substitution is None:
        return None
    # N1 §5.6.9: an empty pattern surrounds every character, as str.replace does
    replaced: str = text.replace(pattern, substitution)
    return replaced


def _replace_matches(text: str, values: list[Any]) -> str | None:
    pattern, substitution = values
    if substitution is None:
        return None
    return re.sub(pattern, re.sub(r"\$(\d+)", r"\\\1", substitution), text)


STRING_FUNCTIONS: dict[str, FunctionBuilder] = {
    "startsWith": _string_function(lambda text, v: text.startswith(v[0]), (1, 1), "boolean"),
    "endsWith": _string_function(lambda text, v: text.endswith(v[0]), (1, 1), "boolean"),
    "contains": _string_function(lambda text, v: v[0] in text, (1, 1), "boolean"),
    "indexOf": _string_function(lambda text, v: text.find(v[0]), (1, 1), "integer"),
    "matches": _string_function(
        lambda text, v: re.search(v[0], text, re.DOTALL) is not None, (1, 1), "boolean"
    ),
    "replace": _string_function(_replace, (2, 2), "string"),
    "replaceMatches": _string_function(_replace_matches, (2, 2), "string"),
    "substring": _string_function(_substring, (1, 2), "string"),
    "upper": _string_function(lambda text, v: text.upper(), (0, 0), "string"),
    "lower": _string_function(lambda text, v: text.lower(), (0, 0), "string"),
    "trim": _string_function(lambda text, v: text.strip(), (0, 0), "string"),
    "length": _string_function(lambda text, v: len(text), (0, 0), "integer"),
}


def _join(site: CallSite) -> Compiled:
    site.expect_arguments(0, 1)

    def transform(items: Collection, arguments: list[Collection]) -> Collection:
        separator = _argument_value(arguments[0], site) if arguments else ""
        return [((separator or "").join(str(value) for value, _ in items), "string")]

    return site.with_argument_values(transform, "string")


def _split(site: CallSite) -> Compiled:
    site.expect_arguments(1)

    def transform(items: Collection, arguments: list[Collection]) -> Collection:
        item = singleton(items, "split()")
        separator = _argument_value(arguments[0], site)
        if item is None or separator is None:
            return []
        return [(part, "string") for part in str(item[0]).split(separator)]

    return site.with_argument_values(transform)


def _to_chars(site: CallSite) -> Compiled:
    site.expect_arguments(0)

    def transform(items: Collection) -> Collection:
        item = singleton(items, "toChars()")
        return [] if item is None else [(char, "string") for char in str(item[0])]

    return site.per_input(transform, "string")


STRING_FUNCTIONS.update({"join": _join, "split": _split, "toChars": _to_chars})


def _math_function(
    operation: Callable[[Any, list[Any]], Any], argument_count: tuple[int, int] = (0, 0)
) -> FunctionBuilder:
    def build(site: CallSite) -> Compiled:
        site.expect_arguments(*argument_count)

        def transform(items: Collection, arguments: list[Collection]) -> Collection:
            item = singleton(items, f"{site.name}()")
            if item is None:
                return []
            number = item[0]
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise site.error(f"expects a number but got {number!r}")
            values = [_argument_value(argument, site) for argument in arguments]
            try:
                result = operation(number, values)
            except (ValueError, OverflowError):
                return []
            return [(result, "integer" if isinstance(result, int) else "decimal")]

        return site.with_argument_values(transform)

    return build


def _round(number: Any, values: list[Any]) -> float:
    digits = values[0] if values and values[0] is not None else 0
    return float(round(number, digits))


MATH_FUNCTIONS: dict[str, FunctionBuilder] = {
    "abs": _math_function(lambda number, v: abs(number)),
    "ceiling": _math_function(lambda number, v: math.ceil(number)),
    "floor": _math_function(lambda number, v: math.floor(number)),
    "truncate": _math_function(lambda number, v: math.trunc(number)),
    "round": _math_function(_round, (0, 1)),
    "sqrt": _math_function(lambda number, v: math.sqrt(number)),
    "exp": _math_function(lambda number, v: math.exp(number)),
    "ln": _math_function(lambda number, v: math.log(number)),
    "log": _math_function(lambda number, v: math.log(number, v[0]), (1, 1)),
    "power": _math_function(lambda number, v: number ** v[0], (1, 1)),
}
