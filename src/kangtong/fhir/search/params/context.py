"""What the value parsers need to know about the installation."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kangtong.core.errors import Invalid
from kangtong.fhir.search.blind import BlindTokens

TypedValue = tuple[object, str | None]


@dataclass(frozen=True)
class SearchContext:
    """Zone for dates written without an offset, `now` for `ap`, the server's own base URL, and
    the blind tokens of identifying values (sealed resources are found by them)."""

    zone: ZoneInfo
    now_us: int = 0
    base_url: str = ""
    blind_tokens: BlindTokens | None = None


def split_prefix(value: str, allowed: bool = True) -> tuple[str, str]:
    """`ge2020` → ("ge", "2020"); no prefix → ("eq", value)."""
    if allowed and len(value) > 2 and value[:2] in PREFIXES:
        return value[:2], value[2:]
    return "eq", value


PREFIXES = frozenset({"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"})


def reject_modifier(code: str, modifier: str | None) -> None:
    if modifier:
        raise Invalid(f"The modifier :{modifier} is not supported on the parameter {code}")
