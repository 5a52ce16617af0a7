"""统一社会信用代码 — the unified social credit code of GB 32100-2015.

18 characters from a 31-character set (no I, O, Z, S, V): registration authority (1),
organisation type (1), area code (6, GB/T 2260), organisation code (9, GB 11714, itself ending in
a check character), check character (1).
"""

from __future__ import annotations

from dataclasses import dataclass

CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE_OF = {character: value for value, character in enumerate(CHARACTERS)}
# GB 32100-2015 §4.3: weight of position i (from 0) is 3^i mod 31.
WEIGHTS = tuple(pow(3, position, 31) for position in range(17))
# GB 11714-1997: the organisation code's own check over its first 8 characters.
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# 12 = registered by the institutional-establishment authority (机构编制) as a public institution
# (事业单位): how public hospitals, CDCs and community health centres are registered.
PUBLIC_INSTITUTION_PREFIX = "12"


@dataclass(frozen=True)
class CreditCodeCheck:
    """The outcome of checking a credit code; `reason` is empty when it is valid."""

    valid: bool
    reason: str = ""


def check_character(first_17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    if len(first_17) != 17 or any(character not in VALUE_OF for character in first_17):
        raise ValueError("need 17 characters from the GB 32100 character set")
    total = sum(VALUE_OF[c] * weight for c, weight in zip(first_17, WEIGHTS, strict=True))
    return CHARACTERS[(31 - total % 31) % 31]


def organisation_code_check(first_8: str) -> str:
    """The GB 11714 check character (0-9 or X) for an 8-digit organisation code body."""
    if len(first_8) != 8 or not first_8.isdigit():
        raise ValueError("need an 8-digit organisation code body")
    total = sum(
        int(c) * weight for c, weight in zip(first_8, ORGANISATION_CODE_WEIGHTS, strict=True)
    )
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def make_credit_code(prefix: str, area_code: str, organisation_body: str) -> str:
    """Compose a valid code: 2-character prefix, 6-digit area, 8-digit organisation code body."""
    if len(prefix) != 2 or len(area_code) != 6 or not area_code.isdigit():
        raise ValueError("prefix has 2 characters and area code 6 digits")
    head = prefix + area_code + organisation_body + organisation_code_check(organisation_body)
    return head + check_character(head)


def credit_code_check(value: str) -> CreditCodeCheck:
    """Check a unified social credit code; say why it is invalid if it is."""
    text = value.strip().upper()
    if len(text) != 18:
        return CreditCodeCheck(False, f"length is {len(text)}, expected 18")
    stray = sorted({character for character in text if character not in VALUE_OF})
    if stray:
        return CreditCodeCheck(False, f"characters {''.join(stray)} are not in the GB 32100 set")
    if not text[2:8].isdigit():
        return CreditCodeCheck(False, "characters 3-8 must be a 6-digit area code")
    expected = check_character(text[:17])
    if text[17] != expected:
        return CreditCodeCheck(False, f"check character is {text[17]}, expected {expected}")
    return CreditCodeCheck(True)
