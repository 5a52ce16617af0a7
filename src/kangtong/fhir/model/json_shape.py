"""Limits on the shape of parsed JSON: how deep it nests and how long its arrays are.

Checked before validation, indexing or storage, so that a hostile document costs little: a
resource nested 400 levels deep would exhaust the validator's recursion (and orjson writes at
most 254 levels back), and a 100,000-item array multiplies index rows. The walk is iterative
and visits containers only, never scalars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kangtong.core.errors import Invalid

_CONTAINERS = (dict, list)


@dataclass(frozen=True, slots=True)
class JsonLimits:
    """`max_depth` counts objects and arrays (a bare resource is depth 1); None: no limit."""

    max_depth: int = 64
    max_array_items: int | None = 10_000


def check_json_shape(document: Any, limits: JsonLimits, *, what: str = "request body") -> None:
    """Raise `Invalid` when `document` nests deeper or holds a longer array than `limits` allow."""
    max_items = limits.max_array_items
    level = [document] if type(document) in _CONTAINERS else []
    depth = 1
    while level:  # one level of nesting at a time: no per-node bookkeeping
        if depth > limits.max_depth:
            raise Invalid(f"The {what} nests deeper than {limits.max_depth} levels")
        below: list[Any] = []
        keep = below.append
        for node in level:
            if type(node) is dict:
                children = node.values()
            else:
                if max_items is not None and len(node) > max_items:
                    raise Invalid(f"The {what} holds an array of more than {max_items} items")
                children = node
            for child in children:
                kind = type(child)
                if kind is dict or kind is list:
                    keep(child)
        level = below
        depth += 1
