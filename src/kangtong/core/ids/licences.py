"""执业证书编码 — practitioner licence numbers: configurable format checks.

No public normative source for the numbering of 医师执业证书 or 护士执业证书 was found (see
docs/identifiers.md). Public secondary sources agree that a physician's licence number has 15
digits but disagree on its inner structure; for nurses they disagree even on the length. The
formats are therefore data (`LicenceFormat`), marked unconfirmed, for a region to tighten.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Literal

from kangtong.core.ids.areas import PROVINCES
from kangtong.core.ids.reasons import Reason, positions_of_strays

LicenceKind = Literal["physician-licence", "nurse-licence"]
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class LicenceFormat:
    """How one kind of licence number is written.

    `area_at` is the 0-based start of a 6-digit GB/T 2260 area code inside the number, when a
    region knows its numbering puts one there; `confirmed` says whether a public normative
    source backs the format.
    """

    kind: LicenceKind
    name_zh: str
    name_en: str
    lengths: frozenset[int]
    area_at: int | None = None
    confirmed: bool = False

    def __post_init__(self) -> None:
        if not self.lengths or (self.area_at is not None and self.area_at + 6 > min(self.lengths)):
            raise ValueError("a licence format needs lengths that hold its area code")

    def with_lengths(self, lengths: Collection[int]) -> LicenceFormat:
        return replace(self, lengths=frozenset(lengths))


PHYSICIAN_LICENCE = LicenceFormat(
    "physician-licence", "医师执业证书编码", "physician practising licence", frozenset({15})
)
NURSE_LICENCE = LicenceFormat(
    "nurse-licence", "护士执业证书编号", "nurse practising licence", frozenset(range(12, 17))
)
DEFAULT_FORMATS: Mapping[LicenceKind, LicenceFormat] = MappingProxyType(
    {PHYSICIAN_LICENCE.kind: PHYSICIAN_LICENCE, NURSE_LICENCE.kind: NURSE_LICENCE}
)


@dataclass(frozen=True)
class LicenceCheck:
    """The verdict on one licence number; `confirmed` is copied from the format used."""

    valid: bool
    kind: LicenceKind
    reasons: tuple[Reason, ...] = ()
    normalised: str | None = None
    area_code: str | None = None
    confirmed: bool = False

    @property
    def reason(self) -> str:
        return "; ".join(reason.message for reason in self.reasons)


def licence_check(value: str, licence_format: LicenceFormat) -> LicenceCheck:
    """Check a licence number against a format: length, digits and (if configured) area code."""
    reasons = tuple(
        r
        for r in (_length_reason(value, licence_format), _characters_reason(value))
        if r is not None
    )
    area = None
    if not reasons and licence_format.area_at is not None:
        area = value[licence_format.area_at : licence_format.area_at + 6]
        area_reason = _area_reason(area)
        reasons = (area_reason,) if area_reason else ()
    return LicenceCheck(
        valid=not reasons,
        kind=licence_format.kind,
        reasons=reasons,
        normalised=None if reasons else value,
        area_code=None if reasons else area,
        confirmed=licence_format.confirmed,
    )


def _length_reason(value: str, licence_format: LicenceFormat) -> Reason | None:
    if len(value) in licence_format.lengths:
        return None
    expected = "/".join(str(n) for n in sorted(licence_format.lengths))
    return Reason(
        "length",
        f"length is {len(value)}; a {licence_format.name_en} number has {expected} digits",
        f"长度为{len(value)}位，{licence_format.name_zh}应为{expected}位",
    )


def _characters_reason(value: str) -> Reason | None:
    strays = positions_of_strays(value, _DIGITS)
    if not strays:
        return None
    return Reason(
        "characters",
        f"character(s) at position {strays} not allowed: only digits",
        f"第{strays}位字符无效：只能是数字",
    )


def _area_reason(area: str) -> Reason | None:
    if area[:2] in PROVINCES:
        return None
    return Reason(
        "area",
        f"area code {area}: {area[:2]} is not a GB/T 2260 province-level code",
        f"行政区划码{area}的前两位{area[:2]}不是省级行政区划代码",
    )
