"""居民身份证号 as the matcher sees it: canonical 18 characters, validity, what it says of the person.

A legacy 15-digit number is upgraded to 18 (century 19 inserted, check character computed), so
both forms of one person's number compare equal. An invalid number is kept: a one-digit slip of
a valid number is still strong evidence (GB 11643's check character exists to reveal exactly that).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from kangtong.core.ids.gb11643 import citizen_id_check, upgrade_legacy_15

_SEPARATORS = re.compile(r"[\s\-_.]+")


@dataclass(frozen=True, slots=True)
class CitizenId:
    """A normalised ID number; `birth_date` and `sex` ("1"/"2") are set only when it is valid."""

    text: str
    valid: bool
    legacy: bool
    birth_date: dt.date | None
    sex: str | None


def normalise_citizen_id(raw: str) -> CitizenId | None:
    """Canonical form of an ID number as typed (full-width digits, spaces, lower-case x allowed)."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if not text:
        return None
    legacy = len(text) == 15 and text.isdigit()
    if legacy:
        text = upgrade_legacy_15(text)
    check = citizen_id_check(text)
    if not check.valid:
        return CitizenId(text, False, legacy, None, None)
    sex = None if check.sex is None else ("1" if check.sex == "male" else "2")
    return CitizenId(text, True, legacy, check.birth_date, sex)
