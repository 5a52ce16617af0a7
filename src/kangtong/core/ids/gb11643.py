"""居民身份证号码 — the citizen ID number of GB 11643-1999: rules, composition and explanation.

18 characters: area code (6, GB/T 2260) + birth date YYYYMMDD (8) + sequence (3, odd for men,
even for women) + check character. The legacy 15-digit form (issued before 1999) is area (6) +
YYMMDD (6) + sequence (3) with the century 19 implied and no check character.

`citizen_id_check` explains a verdict; the boolean fast path for ingest is `citizen_id_fast`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from kangtong.core.ids.areas import CITIZEN_ID_PREFIXES, PROVINCE_CODES, Province
from kangtong.core.ids.reasons import Reason, positions_of_strays

# GB 11643-1999 §8.2: weight of position i (1-based) is 2^(18-i) mod 11.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# Kept for callers of the first version; citizen IDs also accept 83 (see areas.py).
PROVINCE_PREFIXES = PROVINCE_CODES
# Not a rule of GB 11643: a guard against garbage. The ID system began in 1984, so nobody who
# ever held a number was born long before 1880; 1850 leaves room for records of the deceased.
EARLIEST_BIRTH_YEAR = 1850
DIGITS = frozenset("0123456789")
LAST_CHARACTERS = frozenset("0123456789Xx")

Sex = Literal["male", "female"]


@dataclass(frozen=True)
class CitizenIdCheck:
    """The verdict on one citizen ID number and what it tells about the person.

    `normalised` (the 18-character form, legacy IDs upgraded, x upper-cased) is set only when the
    ID is valid; area, birth date and sex are set whenever their part could be read. Personal
    parts are left out of `repr` so that a logged result does not leak them.
    """

    valid: bool
    reasons: tuple[Reason, ...] = ()
    normalised: str | None = field(default=None, repr=False)
    legacy: bool = False
    area_code: str | None = field(default=None, repr=False)
    province: Province | None = None
    birth_date: dt.date | None = field(default=None, repr=False)
    sex: Sex | None = None

    @property
    def reason(self) -> str:
        """All reasons in English, joined; empty when the ID is valid."""
        return "; ".join(reason.message for reason in self.reasons)


def check_character(first_17_digits: str) -> str:
    """The check character (0-9 or X) for the first 17 digits of an 18-character ID."""
    if len(first_17_digits) != 17 or not set(first_17_digits) <= DIGITS:
        raise ValueError("need exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first_17_digits, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def sex_of_sequence(sequence: int) -> Sex:
    """GB 11643 §5.3: an odd sequence number is given to men, an even one to women."""
    return "male" if sequence % 2 == 1 else "female"


def make_citizen_id(area_code: str, birth_date: dt.date, sequence: int) -> str:
    """Compose a valid 18-character ID from its parts (sequence 0-999 carries the sex)."""
    if len(area_code) != 6 or not set(area_code) <= DIGITS or not 0 <= sequence <= 999:
        raise ValueError("area code must be 6 digits and sequence 0-999")
    body = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + check_character(body)


def to_legacy_15(citizen_id: str) -> str:
    """The 15-digit legacy form of an 18-character ID of someone born in the 1900s."""
    if citizen_id[6:8] != "19":
        raise ValueError("only IDs of people born 1900-1999 have a 15-digit form")
    return citizen_id[:6] + citizen_id[8:17]


def upgrade_legacy_15(legacy_id: str) -> str:
    """Convert a 15-digit legacy ID to 18 characters: insert the century 19, add the check."""
    if len(legacy_id) != 15 or not set(legacy_id) <= DIGITS:
        raise ValueError("a legacy ID has exactly 15 digits")
    body = legacy_id[:6] + "19" + legacy_id[6:]
    return body + check_character(body)


def citizen_id_check(
    value: str, *, today: dt.date | None = None, known_areas: Collection[str] | None = None
) -> CitizenIdCheck:
    """Check an 18-character or legacy 15-digit ID number and say every reason it is invalid.

    The value is taken as given (callers strip whitespace); a lower-case x is accepted. With
    `today`, a birth date after it is invalid; with `known_areas` (six-digit GB/T 2260 codes),
    the area code must be one of them instead of merely naming a province.
    """
    shape = _shape_reason(value)
    if shape is not None:
        return CitizenIdCheck(False, (shape,))
    legacy = len(value) == 15
    body = value[:6] + "19" + value[6:] if legacy else value[:17]
    area, province = body[:6], CITIZEN_ID_PREFIXES.get(body[:2])
    area_reason = _area_reason(area, province, known_areas)
    birth_date, date_reason = _birth_date(body[6:14], today)
    expected = check_character(body)
    check_reason = None if legacy else _check_reason(value[17].upper(), expected)
    reasons = tuple(r for r in (area_reason, date_reason, check_reason) if r is not None)
    return CitizenIdCheck(
        valid=not reasons,
        reasons=reasons,
        normalised=None if reasons else body + expected,
        legacy=legacy,
        area_code=None if area_reason else area,
        province=province,
        birth_date=birth_date,
        sex=sex_of_sequence(int(body[14:17])),
    )


def _shape_reason(value: str) -> Reason | None:
    """Length and characters: the reasons that stop reading the parts at all."""
    if len(value) not in (15, 18):
        return Reason(
            "length",
            f"length is {len(value)}; a citizen ID has 18 characters (legacy form: 15 digits)",
            f"长度为{len(value)}位，身份证号码应为18位（旧版为15位数字）",
        )
    strays = positions_of_strays(value[:17], DIGITS)
    if len(value) == 18 and value[17] not in LAST_CHARACTERS:
        strays = ", ".join(filter(None, (strays, "18")))
    if not strays:
        return None
    return Reason(
        "characters",
        f"character(s) at position {strays} not allowed: 1-17 must be digits, 18 a digit or X",
        f"第{strays}位字符无效：前17位应为数字，第18位应为数字或X",
    )


def _area_reason(
    area: str, province: Province | None, known_areas: Collection[str] | None
) -> Reason | None:
    if known_areas is not None:
        if area in known_areas:
            return None
        return Reason(
            "area",
            f"area code {area} is not a known GB/T 2260 division",
            f"地址码{area}不在已知的行政区划代码中",
        )
    if province is not None:
        return None
    return Reason(
        "area",
        f"area code {area}: {area[:2]} is not a GB/T 2260 province-level code",
        f"地址码{area}的前两位{area[:2]}不是省级行政区划代码",
    )


def _birth_date(digits: str, today: dt.date | None) -> tuple[dt.date | None, Reason | None]:
    """The birth date YYYYMMDD, or why it cannot be one."""
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None, Reason(
            "date",
            f"birth date {digits} is not a calendar date",
            f"出生日期{digits}不是有效的日期",
        )
    if birth.year < EARLIEST_BIRTH_YEAR:
        return None, Reason(
            "date",
            f"birth date {birth} is before {EARLIEST_BIRTH_YEAR}",
            f"出生日期{birth}早于{EARLIEST_BIRTH_YEAR}年",
        )
    if today is not None and birth > today:
        return None, Reason(
            "date",
            f"birth date {birth} is after today ({today})",
            f"出生日期{birth}晚于今天（{today}）",
        )
    return birth, None


def _check_reason(given: str, expected: str) -> Reason | None:
    if given == expected:
        return None
    return Reason(
        "check",
        f"check character is {given}, expected {expected} (GB 11643 mod 11-2)",
        f"校验码为{given}，按GB 11643计算应为{expected}",
    )
