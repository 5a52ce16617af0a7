"""性别、电话、地址比较 — sex, phone and address comparison levels."""

from __future__ import annotations

from kangtong.mpi.compare.base import MISSING
from kangtong.mpi.compare.strings import within_one_edit
from kangtong.mpi.normalise.addresses import ParsedAddress

SEX_LEVELS = ("different", "same")
PHONE_LEVELS = ("different", "one digit different or same last 8 digits", "exact")
PHONE_DIFFERENT, PHONE_NEAR, PHONE_EXACT = range(3)
ADDRESS_LEVELS = (
    "different",
    "same district or street",
    "same road or residential complex",
    "same building",
    "same dwelling (room)",
)
ADDRESS_DIFFERENT, ADDRESS_AREA, ADDRESS_ROAD, ADDRESS_BUILDING, ADDRESS_DWELLING = range(5)
# The level reached by agreeing down to each part of ParsedAddress, in order.
_DEPTH_LEVEL = (0, 0, 1, 1, 2, 2, 3, 3, 4)


def compare_sex(a: str | None, b: str | None) -> int:
    if a is None or b is None:
        return MISSING
    return int(a == b)


def compare_phones(a: str | None, b: str | None) -> int:
    if a is None or b is None:
        return MISSING
    if a == b:
        return PHONE_EXACT
    if a[-8:] == b[-8:] or (len(a) == len(b) and within_one_edit(a, b)):
        return PHONE_NEAR
    return PHONE_DIFFERENT


def compare_addresses(a: ParsedAddress | None, b: ParsedAddress | None) -> int:
    """Agreement down to the finest part both sides give, stopping at the first contradiction.

    Parts only one side gives are skipped: "云岩区柳州路94号" and "贵州省贵阳市云岩区柳州路94号"
    agree down to the road.
    """
    if a is None or b is None:
        return MISSING
    level, compared = ADDRESS_DIFFERENT, False
    for depth, (x, y) in enumerate(zip(a.parts(), b.parts(), strict=True)):
        if x is None or y is None:
            continue
        compared = True
        if x != y:
            break
        level = _DEPTH_LEVEL[depth]
    return level if compared else MISSING
