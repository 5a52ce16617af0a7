"""Search-index rows as plain tuples (one list per index table), ready for bulk insertion.

The `fhir` layer extracts them from resources; the store writes them. Tuples, not objects,
because a bulk load writes millions of them. Each tuple starts with the 31-bit param key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# (param, norm, exact)
StringRow = tuple[int, str, str]
# (param, system, code, text)
TokenRow = tuple[int, str | None, str | None, str | None]
# (param, low_us, high_us)
DateRow = tuple[int, int, int]
# (param, value, low, high)
NumberRow = tuple[int, float, float, float]
# (param, system, code, value, low, high)
QuantityRow = tuple[int, str | None, str | None, float, float, float]
# (param, target_type, target_id, url)
ReferenceRow = tuple[int, str | None, str | None, str | None]
# (param, value)
UriRow = tuple[int, str]
# (param, c1_system, c1_code, c2_system, c2_code, c2_low, c2_high, c3_low, c3_high)
CompositeRow = tuple[
    int,
    str | None,
    str | None,
    str | None,
    str | None,
    float | None,
    float | None,
    float | None,
    float | None,
]

INDEX_COLUMNS: dict[str, tuple[str, ...]] = {
    "string": ("param", "norm", "exact"),
    "token": ("param", "system", "code", "text"),
    "date": ("param", "low", "high"),
    "number": ("param", "value", "low", "high"),
    "quantity": ("param", "system", "code", "value", "low", "high"),
    "reference": ("param", "target_type", "target_id", "url"),
    "uri": ("param", "value"),
    "composite": (
        "param",
        "c1_system",
        "c1_code",
        "c2_system",
        "c2_code",
        "c2_low",
        "c2_high",
        "c3_low",
        "c3_high",
    ),
}


@dataclass(slots=True)
class IndexRows:
    """Every search-index row of one resource version."""

    string: list[StringRow] = field(default_factory=list)
    token: list[TokenRow] = field(default_factory=list)
    date: list[DateRow] = field(default_factory=list)
    number: list[NumberRow] = field(default_factory=list)
    quantity: list[QuantityRow] = field(default_factory=list)
    reference: list[ReferenceRow] = field(default_factory=list)
    uri: list[UriRow] = field(default_factory=list)
    composite: list[CompositeRow] = field(default_factory=list)
    sealed: bool = False  # store the content sealed (a sensitive category: `store.sealing`)

    def by_kind(self) -> dict[str, Sequence[tuple[object, ...]]]:
        return {
            "string": self.string,
            "token": self.token,
            "date": self.date,
            "number": self.number,
            "quantity": self.quantity,
            "reference": self.reference,
            "uri": self.uri,
            "composite": self.composite,
        }
