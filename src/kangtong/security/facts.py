"""What an access decision needs to know about a resource, as a typed value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kangtong.security.sensitivity import Sensitivity, SensitivityClassifier

# Elements that name the patient a resource is about (the core of the R4 Patient compartment).
PATIENT_ELEMENTS = ("subject", "patient", "beneficiary", "individual", "for")


@dataclass(frozen=True)
class ResourceFacts:
    resource_type: str
    owner_org: str | None  # Organization id of the writer (resource.owner_org in the store)
    district: str | None
    patients: frozenset[str]  # Patient ids the resource is about
    sensitive: frozenset[Sensitivity]
    resource: Mapping[str, Any] | None = None


def patient_ids(resource_type: str, resource: Mapping[str, Any]) -> frozenset[str]:
    """Ids of the patients `resource` concerns: itself for a Patient, else its subject/patient."""
    if resource_type == "Patient":
        return frozenset({str(resource["id"])}) if "id" in resource else frozenset()
    found = set()
    for element in PATIENT_ELEMENTS:
        value = resource.get(element)
        for ref in value if isinstance(value, list) else [value]:
            text = ref.get("reference") if isinstance(ref, Mapping) else None
            if isinstance(text, str) and text.startswith("Patient/"):
                found.add(text.removeprefix("Patient/").split("/")[0])
    return frozenset(found)


def facts_of(
    resource_type: str,
    resource: Mapping[str, Any],
    *,
    owner_org: str | None,
    district: str | None,
    classify: SensitivityClassifier,
) -> ResourceFacts:
    return ResourceFacts(
        resource_type,
        owner_org,
        district,
        patient_ids(resource_type, resource),
        classify(resource),
        resource,
    )
