"""GB 32100 positions 1-2: who registered the organisation and what kind it is.

Informational only: the names are shown to people, and an unlisted combination is not an error
(kangtong does not carry the full code table of the standard's annex, and authorities add types).
"""

from __future__ import annotations

from dataclasses import dataclass

# 登记管理部门代码 (position 1).
AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "institutional establishment"),
    "2": ("外交", "foreign affairs"),
    "3": ("司法行政", "justice administration"),
    "4": ("文化", "culture"),
    "5": ("民政", "civil affairs"),
    "6": ("旅游", "tourism"),
    "7": ("宗教", "religious affairs"),
    "8": ("工会", "trade unions"),
    "9": ("工商（市场监管）", "market regulation (industry and commerce)"),
    "A": ("中央军委改革和编制办公室", "Central Military Commission establishment office"),
    "N": ("农业", "agriculture"),
    "Y": ("其他", "other"),
}

# 机构类别代码 (position 2) under the authorities that register health-sector organisations.
TYPES: dict[str, tuple[str, str]] = {
    "11": ("机关", "government organ"),
    "12": ("事业单位", "public institution"),
    "13": ("群众团体", "mass organisation"),
    "19": ("其他", "other"),
    "51": ("社会团体", "social organisation"),
    "52": ("民办非企业单位", "private non-enterprise unit"),
    "53": ("基金会", "foundation"),
    "59": ("其他", "other"),
    "91": ("企业", "enterprise"),
    "92": ("个体工商户", "individual business"),
    "93": ("农民专业合作社", "farmers' cooperative"),
}


@dataclass(frozen=True, slots=True)
class OrganisationKind:
    """Names of the registering authority and, where known, the organisation type."""

    authority_zh: str
    authority_en: str
    type_zh: str | None
    type_en: str | None


def organisation_kind(authority: str, organisation_type: str) -> OrganisationKind | None:
    """What positions 1-2 say, or None when the authority code is not listed."""
    names = AUTHORITIES.get(authority)
    if names is None:
        return None
    type_names = TYPES.get(authority + organisation_type)
    return OrganisationKind(
        names[0],
        names[1],
        type_names[0] if type_names else None,
        type_names[1] if type_names else None,
    )
