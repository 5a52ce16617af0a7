"""Why an identifier is invalid: a machine code and a message in English and Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReasonCode = Literal["length", "characters", "area", "date", "check", "organisation_code"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One broken rule. `code` is stable for programs; the messages are for people."""

    code: ReasonCode
    message: str
    message_zh: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message} ({self.message_zh})"


def positions_of_strays(text: str, allowed: str | frozenset[str], first: int = 0) -> str:
    """1-based positions (from `first`) of characters outside `allowed`, e.g. "5, 9"."""
    return ", ".join(
        str(first + index + 1) for index, character in enumerate(text) if character not in allowed
    )
