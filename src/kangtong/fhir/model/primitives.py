"""Checks for the value of each FHIR R4 primitive type in JSON.

A check returns ``None`` when the value is valid and otherwise a message. The regular expressions
come from the primitive types' StructureDefinitions. They are XML Schema expressions: implicitly
anchored (hence ``fullmatch``) and with ``\\s`` meaning only space, tab, CR and LF, which
``re.ASCII`` approximates — so CJK text and the ideographic space U+3000 count as non-space.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from kangtong.fhir.model.issues import json_kind, shown
from kangtong.fhir.model.structure import PrimitiveTypeDef

PrimitiveCheck = Callable[[Any], str | None]
Matcher = Callable[[str], object]

_INT32_MAX = 2_147_483_647
# FHIR R4 §2.24.0.1: positiveInt is 1..2,147,483,647 and unsignedInt 0..2,147,483,647.
_INTEGER_RANGES = {"positiveInt": (1, _INT32_MAX), "unsignedInt": (0, _INT32_MAX)}
_DATE_TYPES = frozenset({"date", "dateTime", "instant"})
# FHIR strings are plain text up to 1 MB; under XML Schema's \S the string regex only says
# "not empty", so string and markdown skip the regular expression.
_TEXT_TYPES = frozenset({"string", "markdown"})
_OWN_CHECKS = frozenset({"xhtml", "base64Binary"})  # checked without their regular expressions
_BASE64_CHARACTERS = re.compile(r"[A-Za-z0-9+/=\s]*", re.ASCII).fullmatch
_WHITESPACE = re.compile(r"\s+", re.ASCII)
# FHIR R4 §2.24.0.1 (string): "Strings SHALL NOT contain Unicode character points below 32,
# except for u0009 (horizontal tab), u0010 (carriage return) and u0013 (line feed)" — the
# regular expression [ \r\n\t\S]+ under XML rules. Python's \S would let them through, and
# PostgreSQL cannot store U+0000 at all; every string-based primitive is checked.
find_control_character = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]").search
# Regular expressions that admit any non-space character also admit control characters.
_ADMITS_CONTROLS = ("\\S", "[^")


def free_of_controls(value: str) -> bool:
    """No forbidden control character in `value` (`isprintable` settles most values at once)."""
    return value.isprintable() or find_control_character(value) is None


@dataclass(frozen=True, slots=True)
class PrimitiveRule:
    """A primitive type's full check plus what field checks inline for the common, valid case.

    ``kind`` is ``text`` (any non-empty string up to ``max_length``), ``pattern`` (a non-empty
    string that ``matches``, and a calendar date when ``is_date``) or ``other`` (only ``check``).
    """

    name: str
    check: PrimitiveCheck
    kind: Literal["text", "pattern", "other"]
    matches: Matcher
    max_length: int
    is_date: bool


def compile_primitive_rule(definition: PrimitiveTypeDef) -> PrimitiveRule:
    """The rule for one primitive type."""
    check = compile_primitive_check(definition)
    max_length = definition.max_length or 1_048_576
    if definition.name in _TEXT_TYPES:
        return PrimitiveRule(definition.name, check, "text", _always, max_length, False)
    if definition.regex and definition.json_type == "string" and definition.name not in _OWN_CHECKS:
        matches = _matcher(definition.regex)
        is_date = definition.name in _DATE_TYPES
        return PrimitiveRule(definition.name, check, "pattern", matches, max_length, is_date)
    return PrimitiveRule(definition.name, check, "other", _always, max_length, False)


def _always(value: str) -> bool:
    return True


def _matcher(regex: str) -> Matcher:
    """`regex` anchored; values with control characters never match when it would admit them."""
    fullmatch = re.compile(regex, re.ASCII).fullmatch
    if not any(token in regex for token in _ADMITS_CONTROLS):
        return fullmatch

    def matches_without_controls(value: str) -> object:
        return fullmatch(value) if free_of_controls(value) else None

    return matches_without_controls


def compile_primitive_check(definition: PrimitiveTypeDef) -> PrimitiveCheck:
    """The check for one primitive type: ``None`` for a valid value, else a message."""
    if definition.json_type == "boolean":
        return _check_boolean
    if definition.json_type == "integer":
        low, high = _INTEGER_RANGES.get(
            definition.name, (definition.min_value, definition.max_value)
        )
        return _integer_check(definition.name, low, high)
    if definition.json_type == "number":
        return _check_decimal
    if definition.name in _OWN_CHECKS:
        return _check_xhtml if definition.name == "xhtml" else _check_base64
    return _string_check(definition)


def _check_boolean(value: Any) -> str | None:
    if value is True or value is False:
        return None
    return f"expected a JSON boolean, found {json_kind(value)} {shown(value)}"


def _integer_check(name: str, low: int | None, high: int | None) -> PrimitiveCheck:
    low_bound = -_INT32_MAX - 1 if low is None else low
    high_bound = _INT32_MAX if high is None else high

    def check_integer(value: Any) -> str | None:
        if type(value) is not int:
            return f"expected a JSON integer for {name}, found {json_kind(value)} {shown(value)}"
        if value < low_bound or value > high_bound:
            return f"{value} is outside the range of {name} ({low_bound}..{high_bound})"
        return None

    return check_integer


def _check_decimal(value: Any) -> str | None:
    kind = type(value)
    # float subclasses: decimals parsed with their written precision (core.jsonutil.PreciseDecimal)
    if kind is int or (isinstance(value, float) and math.isfinite(value)):
        return None
    return f"expected a JSON number for decimal, found {json_kind(value)} {shown(value)}"


def control_character_problem(value: str) -> str | None:
    """A message when `value` holds a character FHIR strings forbid, else None."""
    found = find_control_character(value)
    if found is None:
        return None
    return (
        f"contains the control character U+{ord(found.group()):04X}; below U+0020 FHIR strings "
        "allow only tab, carriage return and line feed"
    )


def _check_xhtml(value: Any) -> str | None:
    if type(value) is not str:
        return f"expected a JSON string of XHTML, found {json_kind(value)}"
    if (problem := control_character_problem(value)) is not None:
        return problem
    if not value.lstrip().startswith("<div"):
        return "narrative XHTML must be a single <div> element"
    return None


def _check_base64(value: Any) -> str | None:
    if type(value) is not str:
        return f"expected a JSON string for base64Binary, found {json_kind(value)}"
    if not value:
        return "string values must not be empty"
    if (problem := control_character_problem(value)) is not None:
        return problem
    if not _BASE64_CHARACTERS(value) or len(_WHITESPACE.sub("", value)) % 4:
        return "not valid base64 content"
    return None


def _string_check(definition: PrimitiveTypeDef) -> PrimitiveCheck:
    name = definition.name
    max_length = definition.max_length or 1_048_576
    pattern = None
    if definition.regex and name not in _TEXT_TYPES:
        pattern = re.compile(definition.regex, re.ASCII).fullmatch
    must_be_calendar_date = name in _DATE_TYPES

    def check_string(value: Any) -> str | None:
        if type(value) is not str:
            return f"expected a JSON string for {name}, found {json_kind(value)} {shown(value)}"
        if not value:
            return "string values must not be empty"
        if len(value) > max_length:
            return f"longer than the {max_length} characters a {name} may have"
        if (problem := control_character_problem(value)) is not None:
            return problem
        if pattern is not None and pattern(value) is None:
            return f"{shown(value)} is not a valid {name}"
        if must_be_calendar_date and not is_calendar_date(value):
            return f"{shown(value)} is not a calendar date"
        return None

    return check_string


def is_calendar_date(value: str) -> bool:
    """Whether the day of a regex-valid ``YYYY-MM-DD…`` value exists (no 30 February)."""
    if len(value) < 10 or value[8:10] <= "28":
        return True
    year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
    return day <= calendar.monthrange(year, month)[1]
