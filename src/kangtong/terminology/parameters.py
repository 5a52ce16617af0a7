"""Operation parameters in and out: the query string of a GET, a `Parameters` resource of a POST.

FHIR R4 §3.1.0.1 (Operations): GET carries primitive parameters in the query; POST carries a
Parameters resource; an operation whose only output is one resource named `return` answers with
that resource itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kangtong.core.errors import Invalid
from kangtong.core.jsonutil import JsonObject


@dataclass
class OperationInput:
    """Named input values: strings from a query, typed values (and resources) from Parameters."""

    values: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def from_query(cls, pairs: Sequence[tuple[str, str]]) -> OperationInput:
        values: dict[str, list[Any]] = {}
        for name, value in pairs:
            values.setdefault(name, []).append(value)
        return cls(values)

    @classmethod
    def from_parameters(cls, body: JsonObject) -> OperationInput:
        if body.get("resourceType") != "Parameters":
            raise Invalid("The body of a terminology operation must be a Parameters resource")
        values: dict[str, list[Any]] = {}
        for item in body.get("parameter") or []:
            name = item.get("name")
            if not isinstance(name, str):
                raise Invalid("Every Parameters.parameter needs a name")
            values.setdefault(name, []).append(_value_of(item))
        return cls(values)

    def merged(self, other: OperationInput) -> OperationInput:
        combined = {k: list(v) for k, v in self.values.items()}
        for name, items in other.values.items():
            combined.setdefault(name, []).extend(items)
        return OperationInput(combined)

    def _one(self, name: str) -> Any:
        items = self.values.get(name) or []
        if len(items) > 1:
            raise Invalid(f"The parameter '{name}' may appear only once")
        return items[0] if items else None

    def text(self, name: str) -> str | None:
        value = self._one(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise Invalid(f"The parameter '{name}' must be a string, uri or code")

    def flag(self, name: str) -> bool | None:
        value = self._one(name)
        if value is None or isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return bool(value == "true")
        raise Invalid(f"The parameter '{name}' must be true or false, not '{value}'")

    def number(self, name: str, minimum: int = 0) -> int | None:
        value = self._one(name)
        if value is None:
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise Invalid(f"The parameter '{name}' must be an integer, not '{value}'") from None
        if isinstance(value, bool) or number < minimum:
            raise Invalid(f"The parameter '{name}' must be an integer ≥ {minimum}")
        return number

    def mapping(self, name: str) -> JsonObject | None:
        """A complex value (Coding, CodeableConcept) or a resource; never from a query string."""
        value = self._one(name)
        if value is None or isinstance(value, dict):
            return value
        raise Invalid(f"The parameter '{name}' must be sent in a Parameters resource (POST)")

    def texts(self, name: str) -> list[str]:
        return [str(v) for v in self.values.get(name) or []]


def _value_of(item: JsonObject) -> Any:
    if "resource" in item:
        return item["resource"]
    if "part" in item:
        return {part.get("name"): _value_of(part) for part in item["part"]}
    for key, value in item.items():
        if key.startswith("value"):
            return value
    return None


# -- output ----------------------------------------------------------------------------------
def parameters(*items: JsonObject | None) -> JsonObject:
    return {"resourceType": "Parameters", "parameter": [i for i in items if i is not None]}


def value(name: str, key: str, content: Any) -> JsonObject | None:
    """One output parameter, or None (left out) when there is no content."""
    if content is None or content == "":
        return None
    return {"name": name, key: content}


def parts(name: str, *items: JsonObject | None) -> JsonObject:
    return {"name": name, "part": [i for i in items if i is not None]}
