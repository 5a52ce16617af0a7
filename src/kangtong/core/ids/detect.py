"""Which kind of identifier a value is, and its verdict: for people at a prompt, not for ingest.

Ingest paths know the kind of each field and call the kind's own check. A value typed at the
command line may be a citizen ID (18 or 15), a credit code or a licence number, and some shapes
fit several kinds (15 digits: a legacy citizen ID or a physician's licence number). The kinds a
shape fits are tried in order of how strict their check is; the first that accepts the value
wins, otherwise the verdict of the first explains why the value is invalid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from kangtong.core.ids.gb11643 import (
    DIGITS,
    LAST_CHARACTERS,
    CitizenIdCheck,
    citizen_id_check,
)
from kangtong.core.ids.gb32100 import CreditCodeCheck, credit_code_check
from kangtong.core.ids.licences import (
    DEFAULT_FORMATS,
    LicenceCheck,
    LicenceFormat,
    LicenceKind,
    licence_check,
)

IdentifierKind = Literal["citizen-id", "credit-code", "physician-licence", "nurse-licence"]
KINDS: tuple[IdentifierKind, ...] = (
    "citizen-id",
    "credit-code",
    "physician-licence",
    "nurse-licence",
)
IdentifierCheck = CitizenIdCheck | CreditCodeCheck | LicenceCheck


@dataclass(frozen=True)
class IdentifierVerdict:
    """The kind chosen and its check; the kinds tried; the other kinds that accept it too."""

    kind: IdentifierKind
    check: IdentifierCheck
    tried: tuple[IdentifierKind, ...]
    also_valid_as: tuple[IdentifierKind, ...] = ()

    @property
    def valid(self) -> bool:
        return self.check.valid


def candidate_kinds(
    value: str, formats: Mapping[LicenceKind, LicenceFormat] = DEFAULT_FORMATS
) -> tuple[IdentifierKind, ...]:
    """The kinds whose shape (length, alphabet) `value` fits, strictest check first."""
    kinds: list[IdentifierKind] = []
    if (len(value) == 15 and set(value) <= DIGITS) or (
        len(value) == 18 and set(value[:17]) <= DIGITS
    ):
        kinds.append("citizen-id")
    if len(value) == 18:
        kinds.append("credit-code")
    kinds.extend(
        licence.kind
        for licence in formats.values()
        if len(value) in licence.lengths and set(value) <= DIGITS
    )
    if kinds:
        return tuple(kinds)
    return ("citizen-id",) if set(value) <= LAST_CHARACTERS else ("credit-code",)


def check_identifier(
    value: str,
    *,
    kind: IdentifierKind | None = None,
    today: dt.date | None = None,
    known_areas: Collection[str] | None = None,
    formats: Mapping[LicenceKind, LicenceFormat] = DEFAULT_FORMATS,
) -> IdentifierVerdict:
    """Check `value` as `kind`, or as the first kind its shape fits that accepts it."""
    kinds = (kind,) if kind is not None else candidate_kinds(value, formats)
    checks = {k: _check_as(k, value, today, known_areas, formats) for k in kinds}
    chosen = next((k for k in kinds if checks[k].valid), kinds[0])
    also = tuple(k for k in kinds if k != chosen and checks[k].valid)
    return IdentifierVerdict(chosen, checks[chosen], kinds, also)


def _check_as(
    kind: IdentifierKind,
    value: str,
    today: dt.date | None,
    known_areas: Collection[str] | None,
    formats: Mapping[LicenceKind, LicenceFormat],
) -> IdentifierCheck:
    if kind == "citizen-id":
        return citizen_id_check(value, today=today, known_areas=known_areas)
    if kind == "credit-code":
        return credit_code_check(value, known_areas=known_areas)
    return licence_check(value, formats[kind])
