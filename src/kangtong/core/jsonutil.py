"""Fast JSON in and out (orjson), with the error reported as a domain error."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from kangtong.core.errors import Invalid

JsonObject = dict[str, Any]


def parse_json_object(raw: bytes | str, *, what: str = "request body") -> JsonObject:
    """Parse JSON that must be an object; raise `Invalid` naming `what` otherwise."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"The {what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise Invalid(f"The {what} must be a JSON object")
    return value


def dump_json(value: Any) -> bytes:
    """Serialise compactly, keeping non-ASCII (hanzi) as UTF-8 and decimals as written."""
    return orjson.dumps(value, default=_fragment)


class PreciseDecimal(float):
    """A JSON number that remembers how it was written (FHIR: 1.50 is not 1.5)."""

    text: str

    def __new__(cls, text: str) -> PreciseDecimal:
        number = float.__new__(cls, text)
        number.text = text
        return number


# Numbers that a float would not write back the same way: trailing zeros after the point,
# exponents, and more significant digits than a double holds. A match inside a string only
# costs the slower parse for that document.
_IMPRECISE_NUMBER = re.compile(rb"[0-9]\.[0-9]*0(?![0-9])|[0-9][eE][-+]?[0-9]|[0-9.]{17,}")


def parse_fhir_json(raw: bytes | str, *, what: str = "resource") -> JsonObject:
    """Parse FHIR JSON so that `dump_json` writes every decimal back exactly as it came."""
    data = raw.encode() if isinstance(raw, str) else raw
    if _IMPRECISE_NUMBER.search(data) is None:
        return parse_json_object(data, what=what)
    try:
        value = json.loads(data, parse_float=PreciseDecimal, parse_int=_int_or_precise)
    except ValueError as exc:
        raise Invalid(f"The {what} is not valid JSON: {exc}") from exc
    except RecursionError as exc:  # orjson stops at 1,024 levels; json at the stack's end
        raise Invalid(f"The {what} nests too deeply to be read") from exc
    if not isinstance(value, dict):
        raise Invalid(f"The {what} must be a JSON object")
    return value


def _int_or_precise(text: str) -> int | PreciseDecimal:
    """An integer, or one beyond 64 bits as a decimal written back as it came (orjson writes
    no larger integer, and FHIR decimals may be that long)."""
    number = int(text)
    return number if -(2**63) <= number < 2**64 else PreciseDecimal(text)


def _fragment(value: Any) -> Any:
    if isinstance(value, PreciseDecimal):
        return orjson.Fragment(value.text)
    raise TypeError(f"Cannot serialise {type(value).__name__}")
