"""Sensitive categories (敏感类别) and how a resource is found to belong to one.

A resource is sensitive when it carries a security label (`meta.security`) of a sensitive
category, or when a diagnosis code on it falls in an ICD-10 range of one (an unlabelled HIV
diagnosis is still HIV data).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from kangtong.core.canonical import canonical


class Sensitivity(StrEnum):
    INFECTIOUS = "infectious"  # 传染病
    MENTAL_HEALTH = "mental-health"  # 精神卫生
    HIV = "hiv"  # 艾滋病
    REPRODUCTIVE = "reproductive"  # 生殖健康


KANGTONG_SENSITIVITY = canonical("CodeSystem/sensitivity")
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ICD10_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/icd-10", "urn:oid:2.16.156.10011.2.3.3.11"})

# (system, code) of security labels → category. v3 ActCode information-sensitivity codes.
SECURITY_LABELS: Mapping[tuple[str, str], Sensitivity] = {
    (V3_ACT_CODE, "HIV"): Sensitivity.HIV,
    (V3_ACT_CODE, "PSY"): Sensitivity.MENTAL_HEALTH,
    (V3_ACT_CODE, "PSYTHPN"): Sensitivity.MENTAL_HEALTH,
    (V3_ACT_CODE, "STD"): Sensitivity.INFECTIOUS,
    (V3_ACT_CODE, "SEX"): Sensitivity.REPRODUCTIVE,
    **{(KANGTONG_SENSITIVITY, s.value): s for s in Sensitivity},
}

# ICD-10 block ranges (first three characters, inclusive), most specific first.
ICD10_RANGES: tuple[tuple[str, str, Sensitivity], ...] = (
    ("B20", "B24", Sensitivity.HIV),
    ("Z21", "Z21", Sensitivity.HIV),
    ("A00", "B99", Sensitivity.INFECTIOUS),
    ("F00", "F99", Sensitivity.MENTAL_HEALTH),
    ("O00", "O99", Sensitivity.REPRODUCTIVE),
    ("Z30", "Z39", Sensitivity.REPRODUCTIVE),
)


def icd10_sensitivity(code: str) -> Sensitivity | None:
    block = code.strip().upper()[:3]
    for low, high, category in ICD10_RANGES:
        if low <= block <= high:
            return category
    return None


def sensitivities(resource: Mapping[str, Any]) -> frozenset[Sensitivity]:
    """The sensitive categories of `resource`, from its labels and its diagnosis codes."""
    found: set[Sensitivity] = set()
    meta = resource.get("meta")
    for label in meta.get("security", []) if isinstance(meta, Mapping) else []:
        category = SECURITY_LABELS.get((label.get("system", ""), label.get("code", "")))
        if category is not None:
            found.add(category)
    for element in ("code", "reasonCode", "valueCodeableConcept"):
        for coding in _codings(resource.get(element)):
            if coding.get("system") in ICD10_SYSTEMS and isinstance(coding.get("code"), str):
                category = icd10_sensitivity(coding["code"])
                if category is not None:
                    found.add(category)
    return frozenset(found)


def _codings(element: Any) -> list[Mapping[str, Any]]:
    concepts = element if isinstance(element, list) else [element] if element else []
    return [
        c
        for concept in concepts
        if isinstance(concept, Mapping)
        for c in concept.get("coding", [])
        if isinstance(c, Mapping)
    ]
