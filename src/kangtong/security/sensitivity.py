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

# Definitions and the directory, not data about anyone: a Questionnaire asking about HIV, a
# ValueSet listing HIV codes or an HIV testing service is not anyone's HIV data
# (`roles.CONFORMANCE | roles.DIRECTORY`; roles imports this module).
DEFINITIONAL = frozenset(
    {"CodeSystem", "ValueSet", "ConceptMap", "NamingSystem", "Questionnaire",
     "StructureDefinition", "SearchParameter", "CapabilityStatement",
     "Organization", "Location", "Practitioner", "PractitionerRole", "HealthcareService",
     "Endpoint"}
)  # fmt: skip
# The keys a CodeableConcept may have: a dict with a `text` and no others is one sent as words.
CONCEPT_KEYS = frozenset({"text", "coding", "id", "extension", "_text"})


class CodeMeanings(Protocol):
    def categories(self, system: str, code: str, display: str) -> frozenset[Sensitivity]:
        """The sensitive categories a code of `system` falls in ('' display when none sent)."""
        ...

    def named(self, text: str) -> frozenset[Sensitivity]:
        """The sensitive categories the words of a concept name (`CodeableConcept.text`)."""
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
        coded, words = concepts(resource)
        for system, code, display in coded:
            found |= self.meanings.categories(system, code, display)
        for text in words:
            found |= self.meanings.named(text)
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


def concepts(resource: Mapping[str, Any]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Every coding anywhere in `resource` as (system, code, display), and the words of every
    CodeableConcept: whatever element holds them — a ClinicalImpression's finding, a
    Composition's section, a relative's condition, an extension — and in contained resources
    and Bundle entries. `meta` is left out (its labels are read by `labelled`), and so are
    definitional resources (`DEFINITIONAL`), alone or inside others.

    On every write and every read decision: one pass with a stack, `type(...) is` checks
    (JSON gives dicts and lists; an ABC check per value costs more than the walk)."""
    coded: list[tuple[str, str, str]] = []
    words: list[str] = []
    if resource.get("resourceType") in DEFINITIONAL:
        return coded, words
    stack: list[Any] = [resource]
    while stack:
        node = stack.pop()
        if type(node) is list:
            stack.extend(
                item
                for item in node
                if type(item) is list
                or (type(item) is dict and item.get("resourceType") not in DEFINITIONAL)
            )
            continue
        for key, value in node.items():
            if (type(value) is dict or type(value) is list) and key != "meta":
                if type(value) is dict and value.get("resourceType") in DEFINITIONAL:
                    continue
                stack.append(value)
        system, code = node.get("system"), node.get("code")
        if type(system) is str or type(code) is str:  # a Coding (or a Quantity: no rules)
            display = node.get("display")
            if type(code) is str or type(display) is str:
                coded.append((
                    system if type(system) is str else "",
                    code if type(code) is str else "",
                    display if type(display) is str else "",
                ))  # fmt: skip
        text = node.get("text")
        if type(text) is str and ("coding" in node or node.keys() <= CONCEPT_KEYS):
            words.append(text)
    return coded, words
