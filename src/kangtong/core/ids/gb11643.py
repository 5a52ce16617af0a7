"""居民身份证号码 — the citizen ID number of GB 11643-1999.

18 characters: area code (6, GB/T 2260) + birth date YYYYMMDD (8) + sequence (3, odd for men,
even for women) + check character. The legacy 15-digit form (issued before 1999) is area (6) +
YYMMDD (6) + sequence (3) with the century 19 implied and no check character.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

# GB 11643-1999 §8.2: weight of position i is 2^(17-i) mod 11.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# GB/T 2260: the first two digits name a province-level division.
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)

Sex = Literal["male", "female"]


@dataclass(frozen=True)
class CitizenIdCheck:
    """The outcome of checking a citizen ID number; `reason` is empty when it is valid."""

    valid: bool
    reason: str = ""
    birth_date: dt.date | None = None
    sex: Sex | None = None


def check_character(first_17_digits: str) -> str:
    """The check character (0-9 or X) for the first 17 digits of an 18-character ID."""
    if len(first_17_digits) != 17 or not first_17_digits.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first_17_digits, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def sex_of_sequence(sequence: int) -> Sex:
    """GB 11643 §5.3: an odd sequence number is given to men, an even one to women."""
    return "male" if sequence % 2 == 1 else "female"


def make_citizen_id(area_code: str, birth_date: dt.date, sequence: int) -> str:
    """Compose a valid 18-character ID from its parts (sequence 0-999 carries the sex)."""
    if len(area_code) != 6 or not area_code.isdigit() or not 0 <= sequence <= 999:
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
    if len(legacy_id) != 15 or not legacy_id.isdigit():
        raise ValueError("a legacy ID has exactly 15 digits")
    body = legacy_id[:6] + "19" + legacy_id[6:]
    return body + check_character(body)


def citizen_id_check(value: str, *, today: dt.date | None = None) -> CitizenIdCheck:
    """Check an 18-character or legacy 15-digit ID number; say why it is invalid if it is."""
    text = value.strip().upper()
    if len(text) == 15:
        if not text.isdigit():
            return CitizenIdCheck(False, "a 15-digit legacy ID must be all digits")
        text = text[:6] + "19" + text[6:] + "?"
    elif len(text) != 18:
        return CitizenIdCheck(False, f"length is {len(text)}, expected 18 or 15")
    elif not text[:17].isdigit() or text[17] not in CHECK_CHARACTERS:
        return CitizenIdCheck(False, "characters 1-17 must be digits and 18 a digit or X")
    return _check_parts(text, today)


def _check_parts(text: str, today: dt.date | None) -> CitizenIdCheck:
    if text[:2] not in PROVINCE_PREFIXES:
        return CitizenIdCheck(False, f"area code {text[:6]} names no province")
    try:
        birth_date = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return CitizenIdCheck(False, f"birth date {text[6:14]} is not a calendar date")
    if today is not None and birth_date > today:
        return CitizenIdCheck(False, f"birth date {birth_date} is in the future")
    if text[17] != "?" and check_character(text[:17]) != text[17]:
        return CitizenIdCheck(
            False, f"check character is {text[17]}, expected {check_character(text[:17])}"
        )
    return CitizenIdCheck(True, "", birth_date, sex_of_sequence(int(text[14:17])))
