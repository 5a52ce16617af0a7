"""出生日期、性别、电话 — birth date, sex (GB/T 2261.1) and phone number as typed at a desk."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_DATE = re.compile(r"^(\d{4})\D*?(\d{1,2})\D*?(\d{1,2})\D*$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DIGITS = re.compile(r"\D+")

# GB/T 2261.1: 1 男性, 2 女性; 0 未知 and 9 未说明 carry no evidence.
_SEX_CODES = {
    "1": "1",
    "男": "1",
    "男性": "1",
    "m": "1",
    "male": "1",
    "2": "2",
    "女": "2",
    "女性": "2",
    "f": "2",
    "female": "2",
}


def parse_birth_date(raw: str) -> dt.date | None:
    """YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or 1990年3月5日; None when not a calendar date."""
    text = unicodedata.normalize("NFKC", raw).strip()
    match = _COMPACT_DATE.match(text) or _DATE.match(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def normalise_sex(raw: str) -> str | None:
    """ "1" (male), "2" (female) or None (unknown, unstated, unreadable)."""
    return _SEX_CODES.get(unicodedata.normalize("NFKC", raw).strip().lower())


def normalise_phone(raw: str) -> str | None:
    """Digits only; a mobile number loses its +86 / 0086 country prefix. None if too short."""
    digits = _DIGITS.sub("", unicodedata.normalize("NFKC", raw))
    for prefix in ("0086", "86"):
        rest = digits.removeprefix(prefix)
        if rest != digits and len(rest) == 11 and rest.startswith("1"):
            digits = rest
            break
    return digits if len(digits) >= 7 else None
