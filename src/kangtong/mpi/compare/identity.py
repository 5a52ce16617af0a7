"""身份证号与出生日期比较 — citizen ID and birth date comparison levels.

Two *valid* different ID numbers are two people: GB 11643's check character makes a one-digit
slip or an adjacent swap invalid, so such a near-miss with a failed check is a typo of the same
number, while two valid numbers never are. One number that fails its check, on both sides, is
no evidence either way (ADR 0027). Birth dates are compared for the slips desks make: a
day off, day and month swapped, a digit or the year off by one, and placeholders written for a
date only partly known (1 January, the 1st of the month).
"""

from __future__ import annotations

import datetime as dt

from kangtong.mpi.compare.base import MISSING
from kangtong.mpi.normalise.citizen_ids import CitizenId

ID_LEVELS = ("both valid, different", "different", "one-digit slip or transposition", "exact")
ID_CONFLICT, ID_DIFFERENT, ID_TYPO, ID_EXACT = range(4)

BIRTH_LEVELS = (
    "different",
    "same year, one date a placeholder (1 January, or the 1st of the same month)",
    "year off by one or one digit different",
    "one day apart",
    "day and month swapped",
    "exact",
)
BIRTH_DIFFERENT, BIRTH_PLACEHOLDER, BIRTH_NEAR, BIRTH_DAY_OFF, BIRTH_SWAPPED, BIRTH_EXACT = range(6)
# A placeholder and a year or digit off are slips of different kinds, as are a day off and a
# swap: the model weighs each, and only "exact" must outweigh them all.
BIRTH_TIERS = (0, 1, 1, 2, 2, 3)


def compare_citizen_ids(a: CitizenId | None, b: CitizenId | None) -> int:
    if a is None or b is None:
        return MISSING
    if a.text == b.text:
        # A number that fails its check shared by two records proves nothing: a placeholder
        # or one desk's slip copied is as likely as one person (ADR 0027).
        return ID_EXACT if a.valid and b.valid else MISSING
    if a.valid and b.valid:
        return ID_CONFLICT
    # A slip turns a valid number into an invalid one; two invalid near-misses prove nothing.
    if (a.valid or b.valid) and len(a.text) == len(b.text) == 18 and _slip_or_swap(a.text, b.text):
        return ID_TYPO
    return ID_DIFFERENT


def _slip_or_swap(a: str, b: str) -> bool:
    diffs = [i for i in range(18) if a[i] != b[i]]
    if len(diffs) == 1:
        return True
    if len(diffs) != 2:
        return False
    i, j = diffs
    return j == i + 1 and a[i] == b[j] and a[j] == b[i]


def compare_birth_dates(a: tuple[dt.date, ...], b: tuple[dt.date, ...]) -> int:
    """The best level over the declared and ID-derived dates of each side."""
    if not a or not b:
        return MISSING
    return max(_birth_level(x, y) for x in a for y in b)


def _birth_level(a: dt.date, b: dt.date) -> int:
    if a == b:
        return BIRTH_EXACT
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return BIRTH_SWAPPED
    if abs((a - b).days) == 1:
        return BIRTH_DAY_OFF
    if (a.month, a.day) == (b.month, b.day) and abs(a.year - b.year) == 1:
        return BIRTH_NEAR
    x, y = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    if sum(p != q for p, q in zip(x, y, strict=True)) == 1:
        return BIRTH_NEAR
    if a.year == b.year and (_placeholder(a, b) or _placeholder(b, a)):
        return BIRTH_PLACEHOLDER
    return BIRTH_DIFFERENT


def _placeholder(a: dt.date, b: dt.date) -> bool:
    """`a` is what a desk writes for a date it only partly knows, and `b` is consistent with it:
    1 January when only the year is known, the 1st when the month is known too."""
    return (a.month, a.day) == (1, 1) or (a.day == 1 and a.month == b.month)
