"""Fast JSON in and out (orjson), with the error reported as a domain error."""

from __future__ import annotations

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
    """Serialise compactly, keeping non-ASCII (hanzi) as UTF-8."""
    return orjson.dumps(value)
