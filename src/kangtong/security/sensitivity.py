"""Sensitive categories (敏感类别) and how a resource is found to belong to one: by its security
labels, and by what its codes mean.

A resource is sensitive when it carries a security label (`meta.security`) of a sensitive
category, or when a code on it means something in one — an unlabelled HIV diagnosis is still
HIV data, whether coded in ICD-10, SNOMED CT or LOINC. Which codes mean what is terminology, not
security: the `CodeMeanings` port answers it (implemented in `terminology/sensitive_codes.py`
from value sets a region can extend); this module only finds the codes and asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

from kangtong.core.canonical import canonical, with_legacy


class Sensitivity(StrEnum):
    INFECTIOUS = "infectious"  # 传染病
    MENTAL_HEALTH = "mental-health"  # 精神卫生
    HIV = "hiv"  # 艾滋病
    REPRODUCTIVE = "reproductive"  # 生殖健康
    SUBSTANCE_USE = "substance-use"  # 物质使用 (alcohol, opioids and other drugs)


KANGTONG_SENSITIVITY = canonical("CodeSystem/sensitivity")
# Labels are read under the current URL and the one kangtong wrote before ADR 0020, so records
# labelled then (or by systems that kept the old URL) stay protected; writes use the current.
SENSITIVITY_SYSTEMS = with_legacy("CodeSystem/sensitivity")
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

# (system, code) of security labels → category. v3 ActCode information-sensitivity codes.
SECURITY_LABELS: Mapping[tuple[str, str], Sensitivity] = {
    (V3_ACT_CODE, "HIV"): Sensitivity.HIV,
    (V3_ACT_CODE, "PSY"): Sensitivity.MENTAL_HEALTH,
    (V3_ACT_CODE, "PSYTHPN"): Sensitivity.MENTAL_HEALTH,
    (V3_ACT_CODE, "BH"): Sensitivity.MENTAL_HEALTH,
    (V3_ACT_CODE, "STD"): Sensitivity.INFECTIOUS,
    (V3_ACT_CODE, "SEX"): Sensitivity.REPRODUCTIVE,
    (V3_ACT_CODE, "ETH"): Sensitivity.SUBSTANCE_USE,
    (V3_ACT_CODE, "ETHUD"): Sensitivity.SUBSTANCE_USE,
    (V3_ACT_CODE, "OPIOIDUD"): Sensitivity.SUBSTANCE_USE,
    **{(system, s.value): s for system in SENSITIVITY_SYSTEMS for s in Sensitivity},
}

# CodeableConcept elements whose codes say what a resource is about: Condition/Observation/
# Procedure/DiagnosticReport.code, the notifiable class in Condition.category, reasons, coded
# results, a DiagnosticReport's conclusions, a prescription's medicine.
CODED_ELEMENTS = (
    "code",
    "category",
    "reasonCode",
    "valueCodeableConcept",
    "conclusionCode",
    "medicationCodeableConcept",
)
NESTED_DEPTH = 2  # contained resources and Bundle entries, and theirs


class CodeMeanings(Protocol):
    def categories(self, system: str, code: str, display: str) -> frozenset[Sensitivity]:
        """The sensitive categories a code of `system` falls in ('' display when none sent)."""
        ...


class SensitivityClassifier:
    """The sensitive categories of a resource: its labels, and what its codes mean.

    The same classifier labels a resource when it is written (`labels.LabellingIndexer`) and
    decides a read of it (`facts.facts_of`), so the search filter and single reads agree.
    """

    def __init__(self, meanings: CodeMeanings) -> None:
        self.meanings = meanings

    def __call__(self, resource: Mapping[str, Any]) -> frozenset[Sensitivity]:
        found = set(labelled(resource))
        for system, code, display in codings(resource):
            found |= self.meanings.categories(system, code, display)
        return frozenset(found)


def labelled(resource: Mapping[str, Any]) -> frozenset[Sensitivity]:
    """The categories of the sensitive security labels in `meta.security`."""
    meta = resource.get("meta")
    labels = meta.get("security") if type(meta) is dict else None
    if type(labels) is not list:
        return frozenset()
    found = set()
    for label in labels:
        if type(label) is dict:
            category = SECURITY_LABELS.get((label.get("system", ""), label.get("code", "")))
            if category is not None:
                found.add(category)
    return frozenset(found)


def codings(resource: Mapping[str, Any], depth: int = 0) -> list[tuple[str, str, str]]:
    """(system, code, display) of every coding that says what `resource` is about, including
    those of its components, contained resources and Bundle entries.

    On every write and every read decision: plain loops and `dict` checks (JSON gives dicts;
    an ABC check per value cost more than the classification it feeds)."""
    found: list[tuple[str, str, str]] = []
    concepts = [resource.get(element) for element in CODED_ELEMENTS]
    components = resource.get("component")
    if type(components) is list:
        for component in components:
            if type(component) is dict:
                concepts += [component.get("code"), component.get("valueCodeableConcept")]
    for concept in concepts:
        if concept is None:
            continue
        for item in concept if type(concept) is list else (concept,):
            codings_list = item.get("coding") if type(item) is dict else None
            if type(codings_list) is not list:
                continue
            for coding in codings_list:
                if type(coding) is not dict:
                    continue
                system, code = coding.get("system"), coding.get("code")
                if type(system) is str and type(code) is str:
                    display = coding.get("display")
                    found.append((system, code, display if type(display) is str else ""))
    if depth < NESTED_DEPTH:
        for inner in _nested(resource):
            found += codings(inner, depth + 1)
    return found


def _nested(resource: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Contained resources and the resources of Bundle entries."""
    inner: list[Mapping[str, Any]] = []
    contained, entries = resource.get("contained"), resource.get("entry")
    if type(contained) is list:
        inner += [c for c in contained if type(c) is dict]
    if type(entries) is list:
        inner += [
            e["resource"] for e in entries if type(e) is dict and type(e.get("resource")) is dict
        ]
    return inner
