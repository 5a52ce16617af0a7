"""The structure model answers type questions about FHIR R4 elements."""

from __future__ import annotations

from pathlib import Path

import pytest

from kangtong.fhir.model import ModelNotBuiltError, StructureModel


@pytest.mark.parametrize(
    ("parent", "key", "expected"),
    [
        ("Observation", "valueQuantity", "Quantity"),
        ("Observation", "valueString", "string"),
        ("Patient", "name", "HumanName"),
        ("Patient", "deceasedDateTime", "dateTime"),
        ("Observation", "component", "Observation.component"),
        ("Observation.component", "valueCodeableConcept", "CodeableConcept"),
        ("Bundle.entry", "request", "Bundle.entry.request"),
        ("Bundle.entry", "resource", "Resource"),
        ("HumanName", "given", "string"),
        ("Extension", "url", "uri"),
        ("Patient", "id", "id"),
        ("Narrative", "div", "xhtml"),
    ],
)
def test_element_type_names_the_fhir_type_of_a_json_key(
    model: StructureModel, parent: str, key: str, expected: str
) -> None:
    assert model.element_type(parent, key) == expected


def test_content_references_resolve_to_the_referenced_backbone(model: StructureModel) -> None:
    assert model.element_type("Questionnaire.item", "item") == "Questionnaire.item"
    assert model.element_type("Bundle.entry", "link") == "Bundle.link"
    assert model.element_type("QuestionnaireResponse.item.answer", "item") == (
        "QuestionnaireResponse.item"
    )


@pytest.mark.parametrize(
    ("parent", "key"),
    [("Patient", "colour"), ("Observation", "value"), ("Observation", "value[x]"), ("Nope", "id")],
)
def test_unknown_keys_and_types_have_no_type(model: StructureModel, parent: str, key: str) -> None:
    assert model.element_type(parent, key) is None
    assert model.element(parent, key) is None


def test_a_choice_key_leads_to_its_choice_element(model: StructureModel) -> None:
    element = model.element("Observation", "valueQuantity")
    assert element is not None
    assert element.name == "value[x]"
    assert element.is_choice
    assert "valueSampledData" in element.json_keys
    assert (element.min, element.max, element.is_array) == (0, 1, False)


def test_cardinality_and_required_codes_come_from_the_definitions(model: StructureModel) -> None:
    status = model.element("Observation", "status")
    assert status is not None
    assert (status.min, status.max, status.is_modifier, status.is_summary) == (1, 1, True, True)
    assert status.required_codes is not None
    assert {"final", "amended", "entered-in-error"} <= status.required_codes
    identifiers = model.element("Patient", "identifier")
    assert identifiers is not None and identifiers.is_array and identifiers.max is None


def test_summary_elements_are_the_top_level_is_summary_keys(model: StructureModel) -> None:
    summary = model.summary_elements("Patient")
    assert {"id", "meta", "identifier", "name", "gender", "birthDate"} <= summary
    assert {"deceasedBoolean", "deceasedDateTime"} <= summary
    assert "contact" not in summary and "photo" not in summary
    assert model.summary_elements("NotAResource") == frozenset()


def test_resource_types_are_the_concrete_r4_resources(model: StructureModel) -> None:
    assert len(model.resource_types) == 146
    assert model.is_resource_type("Patient") and model.is_resource_type("MedicationStatement")
    assert not model.is_resource_type("DomainResource")
    assert not model.is_resource_type("HumanName")
    assert not model.is_resource_type("SubscriptionStatus")  # R4B, not R4


def test_the_model_is_read_once_per_path(model_path: Path) -> None:
    assert StructureModel.load(model_path) is StructureModel.load(model_path)


def test_a_missing_model_file_says_how_to_generate_it(tmp_path: Path) -> None:
    with pytest.raises(ModelNotBuiltError, match="make definitions"):
        StructureModel.load(tmp_path / "absent.json")
