"""Evaluators for FHIRPath's infix and prefix operators (FHIRPath N1 §6)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from kangtong.fhir.fhirpath.comparison import (
    collections_equal,
    collections_equivalent,
    items_equal,
    order_items,
)
from kangtong.fhir.fhirpath.errors import FhirPathError
from kangtong.fhir.fhirpath.runtime import (
    Collection,
    Env,
    Evaluator,
    boolean_result,
    distinct_items,
    singleton,
    singleton_boolean,
)

_Combine = Callable[[Collection, Collection], Collection]


def binary_evaluator(operator: str, left: Evaluator, right: Evaluator) -> Evaluator:
    """The evaluator of ``left operator right``."""
    logical = _LOGICAL.get(operator)
    if logical is not None:
        return logical(left, right)
    combine = _COLLECTION_OPERATORS.get(operator) or _arithmetic(operator)

    def evaluate(focus: Collection, env: Env) -> Collection:
        return combine(left(focus, env), right(focus, env))

    return evaluate


def _union(left: Collection, right: Collection) -> Collection:
    if not left:
        return distinct_items(right)
    if not right:
        return distinct_items(left)
    return distinct_items(left + right)


def _equal(left: Collection, right: Collection) -> Collection:
    return boolean_result(collections_equal(left, right))


def _not_equal(left: Collection, right: Collection) -> Collection:
    equal = collections_equal(left, right)
    return boolean_result(None if equal is None else not equal)


def _equivalent(left: Collection, right: Collection) -> Collection:
    return boolean_result(collections_equivalent(left, right))


def _not_equivalent(left: Collection, right: Collection) -> Collection:
    return boolean_result(not collections_equivalent(left, right))


def _ordering(accept: Callable[[int], bool], symbol: str) -> _Combine:
    def combine(left: Collection, right: Collection) -> Collection:
        left_item, right_item = singleton(left, symbol), singleton(right, symbol)
        if left_item is None or right_item is None:
            return []
        order = order_items(left_item, right_item)
        if order is None:
            if _comparable_kinds(left_item[0], right_item[0]):
                return []
            raise FhirPathError(f"cannot compare {left_item[0]!r} {symbol} {right_item[0]!r}")
        return boolean_result(accept(order))

    return combine


def _comparable_kinds(left: Any, right: Any) -> bool:
    return type(left) is type(right) or (isinstance(left, dict) and isinstance(right, dict))


def _membership(left: Collection, right: Collection) -> Collection:
    """``left in right``."""
    item = singleton(left, "in")
    if item is None:
        return []
    return boolean_result(any(items_equal(item, other) is True for other in right))


def _contains(left: Collection, right: Collection) -> Collection:
    return _membership(right, left)


def _concatenate(left: Collection, right: Collection) -> Collection:
    left_item, right_item = singleton(left, "&"), singleton(right, "&")
    left_text = "" if left_item is None else str(left_item[0])
    right_text = "" if right_item is None else str(right_item[0])
    return [(left_text + right_text, "string")]


_COLLECTION_OPERATORS: dict[str, _Combine] = {
    "|": _union,
    "=": _equal,
    "!=": _not_equal,
    "~": _equivalent,
    "!~": _not_equivalent,
    "<": _ordering(lambda order: order < 0, "<"),
    "<=": _ordering(lambda order: order <= 0, "<="),
    ">": _ordering(lambda order: order > 0, ">"),
    ">=": _ordering(lambda order: order >= 0, ">="),
    "in": _membership,
    "contains": _contains,
    "&": _concatenate,
}


def _arithmetic(operator: str) -> _Combine:
    calculate = _CALCULATIONS[operator]

    def combine(left: Collection, right: Collection) -> Collection:
        left_item, right_item = singleton(left, operator), singleton(right, operator)
        if left_item is None or right_item is None:
            return []
        return calculate(left_item[0], right_item[0])

    return combine


def _number_kind(value: Any) -> type | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int
    if isinstance(value, float | Decimal):
        return float
    return None


def _as_decimal(value: Any) -> Decimal:
    """Exact decimal arithmetic on JSON floats: 0.1 + 0.2 = 0.3, as FHIRPath decimals are."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _calculation(
    on_integers: Callable[[int, int], int | None],
    on_decimals: Callable[[Decimal, Decimal], Decimal | None],
    symbol: str,
) -> Callable[[Any, Any], Collection]:
    def calculate(left: Any, right: Any) -> Collection:
        if symbol == "+" and isinstance(left, str) and isinstance(right, str):
            return [(left + right, "string")]
        kinds = (_number_kind(left), _number_kind(right))
        if None in kinds:
            raise FhirPathError(f"cannot calculate {left!r} {symbol} {right!r}")
        try:
            if kinds == (int, int) and symbol != "/":
                whole = on_integers(left, right)
                return [] if whole is None else [(whole, "integer")]
            exact = on_decimals(_as_decimal(left), _as_decimal(right))
        except (ZeroDivisionError, InvalidOperation):
            return []
        return [] if exact is None else [(float(exact), "decimal")]

    return calculate


def _truncated_division(left: int, right: int) -> int | None:
    if right == 0:
        return None
    quotient = abs(left) // abs(right)
    return quotient if (left >= 0) == (right >= 0) else -quotient


def _truncated_modulo(left: int, right: int) -> int | None:
    quotient = _truncated_division(left, right)
    return None if quotient is None else left - quotient * right


def _decimal_division(left: Decimal, right: Decimal) -> Decimal | None:
    return None if right == 0 else left / right


def _decimal_div(left: Decimal, right: Decimal) -> Decimal | None:
    return None if right == 0 else Decimal(int(left / right))


def _decimal_mod(left: Decimal, right: Decimal) -> Decimal | None:
    return None if right == 0 else left % right


_CALCULATIONS: dict[str, Callable[[Any, Any], Collection]] = {
    "+": _calculation(lambda a, b: a + b, lambda a, b: a + b, "+"),
    "-": _calculation(lambda a, b: a - b, lambda a, b: a - b, "-"),
    "*": _calculation(lambda a, b: a * b, lambda a, b: a * b, "*"),
    "/": _calculation(lambda a, b: None, _decimal_division, "/"),
    "div": _calculation(_truncated_division, _decimal_div, "div"),
    "mod": _calculation(_truncated_modulo, _decimal_mod, "mod"),
}


def negate(operand: Evaluator) -> Evaluator:
    """The evaluator of ``-operand``."""

    def evaluate(focus: Collection, env: Env) -> Collection:
        item = singleton(operand(focus, env), "unary -")
        if item is None:
            return []
        if _number_kind(item[0]) is None:
            raise FhirPathError(f"cannot negate {item[0]!r}")
        return [(-item[0], item[1])]

    return evaluate


def _and(left: Evaluator, right: Evaluator) -> Evaluator:
    def evaluate(focus: Collection, env: Env) -> Collection:
        first = singleton_boolean(left(focus, env), "and")
        if first is False:
            return boolean_result(False)
        second = singleton_boolean(right(focus, env), "and")
        if second is False:
            return boolean_result(False)
        return boolean_result(True if first and second else None)

    return evaluate


def _or(left: Evaluator, right: Evaluator) -> Evaluator:
    def evaluate(focus: Collection, env: Env) -> Collection:
        first = singleton_boolean(left(focus, env), "or")
        if first is True:
            return boolean_result(True)
        second = singleton_boolean(right(focus, env), "or")
        if second is True:
            return boolean_result(True)
        return boolean_result(False if first is False and second is False else None)

    return evaluate


def _xor(left: Evaluator, right: Evaluator) -> Evaluator:
    def evaluate(focus: Collection, env: Env) -> Collection:
        first = singleton_boolean(left(focus, env), "xor")
        second = singleton_boolean(right(focus, env), "xor")
        return boolean_result(None if first is None or second is None else first != second)

    return evaluate


def _implies(left: Evaluator, right: Evaluator) -> Evaluator:
    def evaluate(focus: Collection, env: Env) -> Collection:
        first = singleton_boolean(left(focus, env), "implies")
        if first is False:
            return boolean_result(True)
        second = singleton_boolean(right(focus, env), "implies")
        if second is True:
            return boolean_result(True)
        return boolean_result(False if first is True and second is False else None)

    return evaluate


_LOGICAL: dict[str, Callable[[Evaluator, Evaluator], Evaluator]] = {
    "and": _and,
    "or": _or,
    "xor": _xor,
    "implies": _implies,
}
