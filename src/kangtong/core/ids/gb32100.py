"""统一社会信用代码 — the unified social credit code of GB 32100-2015: rules and explanation.

18 characters from a 31-character set (no I, O, Z, S, V): registration authority (1),
organisation type (1), area code (6, GB/T 2260), organisation code (9, GB 11714, itself ending in
a check character), check character (1).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from kangtong.core.ids.areas import CREDIT_CODE_PREFIXES, Province
from kangtong.core.ids.gb32100_codes import OrganisationKind, organisation_kind
from kangtong.core.ids.reasons import Reason, positions_of_strays

CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE_OF = {character: value for value, character in enumerate(CHARACTERS)}
# GB 32100-2015 §4.3: weight of position i (from 0) is 3^i mod 31.
WEIGHTS = tuple(pow(3, position, 31) for position in range(17))
# GB 11714-1997: the organisation code's own check over its first 8 characters, where a digit
# counts as itself and a letter A-Z as 10-35.
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORGANISATION_VALUE_OF = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
# 12 = registered by the institutional-establishment authority (机构编制) as a public institution
# (事业单位): how public hospitals, CDCs and community health centres are registered.
PUBLIC_INSTITUTION_PREFIX = "12"
_ALLOWED = frozenset(CHARACTERS)
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class CreditCodeCheck:
    """The verdict on one credit code and what it tells about the organisation.

    `normalised` (upper-cased) is set only when the code is valid; the parts are set whenever
    they could be read.
    """

    valid: bool
    reasons: tuple[Reason, ...] = ()
    normalised: str | None = None
    area_code: str | None = None
    province: Province | None = None
    organisation_code: str | None = None
    kind: OrganisationKind | None = None

    @property
    def reason(self) -> str:
        """All reasons in English, joined; empty when the code is valid."""
        return "; ".join(reason.message for reason in self.reasons)


def check_character(first_17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    if len(first_17) != 17 or any(character not in VALUE_OF for character in first_17):
        raise ValueError("need 17 characters from the GB 32100 character set")
    total = sum(VALUE_OF[c] * weight for c, weight in zip(first_17, WEIGHTS, strict=True))
    return CHARACTERS[(31 - total % 31) % 31]


def organisation_code_check(first_8: str) -> str:
    """The GB 11714 check character (0-9 or X) for an 8-character organisation code body."""
    if len(first_8) != 8 or any(c not in ORGANISATION_VALUE_OF for c in first_8):
        raise ValueError("need an 8-character organisation code body of digits and A-Z")
    total = sum(
        ORGANISATION_VALUE_OF[c] * weight
        for c, weight in zip(first_8, ORGANISATION_CODE_WEIGHTS, strict=True)
    )
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def make_credit_code(prefix: str, area_code: str, organisation_body: str) -> str:
    """Compose a valid code: 2-character prefix, 6-digit area, 8-digit organisation code body."""
    if len(prefix) != 2 or len(area_code) != 6 or not set(area_code) <= _DIGITS:
        raise ValueError("prefix has 2 characters and area code 6 digits")
    head = prefix + area_code + organisation_body + organisation_code_check(organisation_body)
    return head + check_character(head)


def credit_code_check(
    value: str, *, known_areas: Collection[str] | None = None, check_organisation_code: bool = True
) -> CreditCodeCheck:
    """Check a unified social credit code and say every reason it is invalid.

    Lower case is accepted. `known_areas` (six-digit GB/T 2260 codes) makes the area check
    stricter; `check_organisation_code=False` skips the GB 11714 check of characters 9-17.
    """
    text = value.upper()
    shape = _shape_reason(text)
    if shape is not None:
        return CreditCodeCheck(False, (shape,))
    area, province = text[2:8], CREDIT_CODE_PREFIXES.get(text[2:4])
    area_reason = _area_reason(area, province, known_areas)
    organisation = text[8:17]
    organisation_reason = _organisation_reason(organisation) if check_organisation_code else None
    check_reason = _check_reason(text)
    reasons = tuple(r for r in (area_reason, organisation_reason, check_reason) if r is not None)
    return CreditCodeCheck(
        valid=not reasons,
        reasons=reasons,
        normalised=None if reasons else text,
        area_code=None if area_reason else area,
        province=province,
        organisation_code=organisation,
        kind=organisation_kind(text[0], text[1]),
    )


def credit_code_validator(
    known_areas: Collection[str] | None = None, check_organisation_code: bool = True
) -> Callable[[str], bool]:
    """A function telling whether a value is a valid credit code, as `credit_code_check` would."""

    def is_valid(value: str) -> bool:
        return credit_code_check(
            value, known_areas=known_areas, check_organisation_code=check_organisation_code
        ).valid

    return is_valid


def _shape_reason(text: str) -> Reason | None:
    if len(text) != 18:
        return Reason(
            "length",
            f"length is {len(text)}; a unified social credit code has 18 characters",
            f"长度为{len(text)}位，统一社会信用代码应为18位",
        )
    strays = positions_of_strays(text, _ALLOWED)
    if not strays:
        area_strays = positions_of_strays(text[2:8], _DIGITS, first=2)
        if not area_strays:
            return None
        return Reason(
            "characters",
            f"character(s) at position {area_strays} not allowed: 3-8 are a 6-digit area code",
            f"第{area_strays}位字符无效：第3-8位为6位数字的行政区划码",
        )
    return Reason(
        "characters",
        f"character(s) at position {strays} not in the GB 32100 set "
        "(digits and letters except I, O, Z, S, V)",
        f"第{strays}位字符不在GB 32100字符集中（数字及除I、O、Z、S、V外的大写字母）",
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
            f"登记管理机关行政区划码{area}不在已知的行政区划代码中",
        )
    if province is not None:
        return None
    return Reason(
        "area",
        f"area code {area}: {area[:2]} is neither a province-level code nor 10 (central)",
        f"登记管理机关行政区划码{area}的前两位{area[:2]}既不是省级代码也不是10（中央）",
    )


def _organisation_reason(organisation: str) -> Reason | None:
    expected = organisation_code_check(organisation[:8])
    if organisation[8] == expected:
        return None
    return Reason(
        "organisation_code",
        f"organisation code check character (position 17) is {organisation[8]}, "
        f"expected {expected} (GB 11714)",
        f"组织机构代码校验码（第17位）为{organisation[8]}，按GB 11714计算应为{expected}",
    )


def _check_reason(text: str) -> Reason | None:
    expected = check_character(text[:17])
    if text[17] == expected:
        return None
    return Reason(
        "check",
        f"check character is {text[17]}, expected {expected} (GB 32100 mod 31)",
        f"校验码为{text[17]}，按GB 32100计算应为{expected}",
    )
