"""Valid FHIR R4 resources pass: clinical examples and the definition resources of the spec."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from kangtong.fhir.model import ResourceValidator

from . import r4_examples as examples

# Bundles of conformance resources published with FHIR R4 (StructureDefinition, ValueSet,
# CodeSystem, SearchParameter, ConceptMap, OperationDefinition, CapabilityStatement …).
DEFINITION_FILES = [
    "profiles-types.json",
    "valuesets.json",
    "v3-codesystems.json",
    "search-parameters.json",
    "conceptmaps.json",
    "compartmentdefinition-patient.json",
    "extension-definitions.json",
    "profiles-others.json",
    "testing/uscore-v7.0.0-smoking-status.json",
]


@pytest.mark.parametrize("make", examples.all_clinical(), ids=lambda r: r["id"])
def test_clinical_examples_are_valid(validator: ResourceValidator, make: dict[str, Any]) -> None:
    assert validator.validate(make) == []


def test_a_transaction_bundle_of_clinical_resources_is_valid(validator: ResourceValidator) -> None:
    assert validator.validate(examples.transaction_bundle()) == []


def test_a_read_only_mapping_is_accepted(validator: ResourceValidator) -> None:
    assert validator.validate(MappingProxyType(examples.condition())) == []


def test_primitive_extensions_may_stand_in_for_missing_values(validator: ResourceValidator) -> None:
    patient = examples.patient()
    absent = {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason"}
    patient["name"][0]["given"] = ["伟", None]
    patient["name"][0]["_given"] = [None, {"extension": [{**absent, "valueCode": "unknown"}]}]
    patient["_birthDate"] = {"id": "dob", "extension": [{**absent, "valueCode": "masked"}]}
    del patient["birthDate"]
    assert validator.validate(patient) == []


def test_a_required_primitive_may_be_given_by_its_extension_alone(
    validator: ResourceValidator,
) -> None:
    observation = examples.glucose()
    del observation["status"]
    observation["_status"] = {
        "extension": [{"url": "http://example.org/status-note", "valueString": "来自旧系统"}]
    }
    assert validator.validate(observation) == []


def test_contained_resources_and_nested_extensions_are_valid(validator: ResourceValidator) -> None:
    request = examples.medication_request()
    del request["medicationCodeableConcept"]
    request["medicationReference"] = {"reference": "#med"}
    request["contained"] = [
        {"resourceType": "Medication", "id": "med", "code": {"text": "阿司匹林"}}
    ]
    request["extension"] = [
        {
            "url": "http://example.org/prescription-source",
            "extension": [
                {"url": "system", "valueString": "HIS"},
                {"url": "version", "valueInteger": 3},
            ],
        }
    ]
    assert validator.validate(request) == []


def test_chinese_text_with_ideographic_spaces_is_ordinary_text(
    validator: ResourceValidator,
) -> None:
    condition = examples.condition()
    condition["code"]["text"] = "２型糖尿病　伴并发症（E11.9）"
    condition["note"] = [{"text": "患者主诉：口渴、多饮、多尿　三个月。\n既往史：无。"}]
    condition["identifier"] = [{"value": "病历号　A-0001"}]
    assert validator.validate(condition) == []


@pytest.mark.parametrize("name", DEFINITION_FILES)
def test_conformance_resources_published_with_r4_are_valid(
    validator: ResourceValidator, definitions_dir: Path, name: str
) -> None:
    document = json.loads((definitions_dir / name).read_text(encoding="utf-8"))
    assert validator.validate(document) == []


def test_the_published_dataelements_bundle_breaks_only_bdl_7(
    validator: ResourceValidator, definitions_dir: Path
) -> None:
    # R4's dataelements.json repeats seven entries (de-Quantity.value …) with the same fullUrl
    # and no meta.versionId: the official validator reports bdl-7 there too.
    document = json.loads((definitions_dir / "dataelements.json").read_text(encoding="utf-8"))
    times = Counter(entry["fullUrl"] for entry in document["entry"])
    issues = validator.validate(document)
    assert len(issues) == sum(n for n in times.values() if n > 1) == 19
    assert {(i.code, "(bdl-7)" in i.message) for i in issues} == {("invariant", True)}


def test_us_core_profiles_are_valid_structure_definitions(
    validator: ResourceValidator, definitions_dir: Path
) -> None:
    path = definitions_dir / "testing/uscore-v5.0.1-structuredefinitions.json"
    profiles = json.loads(path.read_text(encoding="utf-8"))
    assert len(profiles) > 0
    assert [validator.validate(p) for p in profiles] == [[] for _ in profiles]


def test_the_one_r4b_definition_in_the_package_is_flagged(
    validator: ResourceValidator, definitions_dir: Path
) -> None:
    bundle = json.loads((definitions_dir / "profiles-resources.json").read_text(encoding="utf-8"))
    issues = validator.validate(bundle)
    index = next(
        i for i, e in enumerate(bundle["entry"]) if e["resource"]["id"] == "SubscriptionStatus"
    )
    assert [(i.code, i.path) for i in issues] == [
        ("code-invalid", f"Bundle.entry[{index}].resource.fhirVersion")
    ]


def _every_example() -> list[Callable[[], dict[str, Any]]]:
    return [examples.patient, examples.blood_pressure, examples.transaction_bundle]


@pytest.mark.parametrize("make", _every_example())
def test_validation_leaves_the_resource_unchanged(
    validator: ResourceValidator, make: Callable[[], dict[str, Any]]
) -> None:
    resource = make()
    validator.validate(resource)
    assert resource == make()
