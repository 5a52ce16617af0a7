"""Paths walk FHIR JSON: type names at the root, choice elements, and types on every result."""

from __future__ import annotations

from kangtong.fhir.fhirpath import ReferenceTarget, compile_for_type, compile_path

from .resources import (
    BUNDLE,
    CONDITION,
    ENCOUNTER,
    MEDICATION_REQUEST,
    OBSERVATION,
    PATIENT,
    FakeTypeModel,
)


def test_root_type_name_selects_the_resource_itself() -> None:
    assert compile_path("Observation.status").evaluate(OBSERVATION) == ["final"]


def test_root_type_name_of_another_type_yields_nothing() -> None:
    assert compile_path("Patient.name").evaluate(OBSERVATION) == []


def test_resource_and_domain_resource_match_any_resource() -> None:
    assert compile_path("Resource.id").evaluate(PATIENT) == ["p1"]
    assert compile_path("DomainResource.id").evaluate(OBSERVATION) == ["o1"]


def test_a_path_without_a_type_name_starts_at_the_resource() -> None:
    assert compile_path("name.family").evaluate(PATIENT) == ["张", "Zhang"]


def test_lists_are_flattened_in_document_order() -> None:
    assert compile_path("Patient.name.given").evaluate(PATIENT) == ["伟", "Wei", "W."]


def test_missing_elements_yield_an_empty_collection() -> None:
    assert compile_path("Patient.photo.url").evaluate(PATIENT) == []


def test_choice_element_is_found_by_its_base_name_and_typed_by_its_suffix() -> None:
    assert compile_path("Observation.effective").evaluate_typed(OBSERVATION) == [
        ("2024-03-01T09:30:00+08:00", "dateTime")
    ]
    assert compile_path("Condition.onset").evaluate_typed(CONDITION) == [("2019-05", "dateTime")]


def test_as_and_of_type_select_a_choice_by_type() -> None:
    quantity = OBSERVATION["valueQuantity"]
    for expression in (
        "Observation.value as Quantity",
        "Observation.value.as(Quantity)",
        "Observation.value.ofType(Quantity)",
        "(Observation.value as Quantity) | (Observation.value as SampledData)",
    ):
        assert compile_path(expression).evaluate_typed(OBSERVATION) == [(quantity, "Quantity")]
    assert compile_path("Observation.value as string").evaluate(OBSERVATION) == []


def test_as_applies_to_every_item_of_a_collection() -> None:
    values = compile_path("Observation.component.value as Quantity").evaluate(OBSERVATION)
    assert [value["value"] for value in values] == [120, 80]


def test_as_accepts_a_specialisation_of_the_type() -> None:
    condition = {"resourceType": "Condition", "onsetAge": {"value": 40, "unit": "a"}}
    assert compile_path("Condition.onset.as(Quantity)").evaluate_typed(condition) == [
        ({"value": 40, "unit": "a"}, "Age")
    ]


def test_key_that_only_starts_like_a_choice_is_not_one() -> None:
    item = {"answerValueSet": "http://x/vs"}
    assert compile_path("answer").evaluate(item) == []


def test_without_a_type_model_types_come_from_choice_suffixes_only() -> None:
    typed = compile_path("Patient.name | Patient.deceased").evaluate_typed(PATIENT)
    assert [type_name for _, type_name in typed] == [None, None, "boolean"]


def test_with_a_type_model_every_result_carries_its_fhir_type() -> None:
    model = FakeTypeModel()
    cases = {
        "Patient.name": "HumanName",
        "Patient.name.given": "string",
        "Patient.birthDate": "date",
        "Patient.link.other": "Reference",
    }
    for expression, type_name in cases.items():
        typed = compile_path(expression, type_model=model).evaluate_typed(PATIENT)
        assert typed and {found for _, found in typed} == {type_name}, expression


def test_backbone_elements_are_typed_by_their_path() -> None:
    model = FakeTypeModel()
    path = compile_path("Observation.component.code", type_model=model)
    assert {type_name for _, type_name in path.evaluate_typed(OBSERVATION)} == {"CodeableConcept"}
    assert ("Observation.component", "code") in model.questions


def test_type_model_is_consulted_when_compiling_not_per_evaluation() -> None:
    model = FakeTypeModel()
    path = compile_for_type("Observation.code.coding.code", "Observation", type_model=model)
    assert path is not None
    asked = len(model.questions)
    for _ in range(5):
        assert path.evaluate(OBSERVATION) == ["85354-9"]
    assert len(model.questions) == asked


def test_inline_resources_are_typed_by_their_resource_type() -> None:
    model = FakeTypeModel()
    path = compile_path("Bundle.entry[0].resource", type_model=model)
    assert path.evaluate_typed(BUNDLE) == [(BUNDLE["entry"][0]["resource"], "Composition")]
    patients = compile_path("Bundle.entry.resource.ofType(Patient).id").evaluate(BUNDLE)
    assert patients == ["p1"]


def test_indexer_picks_one_item_and_out_of_range_is_empty() -> None:
    assert compile_path("Patient.name[1].family").evaluate(PATIENT) == ["Zhang"]
    assert compile_path("Patient.name[5].family").evaluate(PATIENT) == []


def test_resolve_yields_a_placeholder_typed_by_the_reference() -> None:
    typed = compile_path("Observation.subject.resolve()").evaluate_typed(OBSERVATION)
    assert typed == [(ReferenceTarget("Patient/p1", "Patient", "p1"), "Patient")]


def test_resolve_is_patient_keeps_only_references_to_patients() -> None:
    path = compile_path("Observation.subject.where(resolve() is Patient)")
    assert path.evaluate(OBSERVATION) == [{"reference": "Patient/p1"}]
    assert compile_path("Condition.subject.where(resolve() is Patient)").evaluate(CONDITION) == []


def test_absolute_and_versioned_references_are_typed() -> None:
    path = compile_path("Encounter.subject.where(resolve() is Patient)")
    assert len(path.evaluate(ENCOUNTER)) == 1


def test_urn_uuid_references_have_an_unknown_type() -> None:
    path = compile_path("Encounter.participant.individual.where(resolve() is Practitioner)")
    assert path.evaluate(ENCOUNTER) == [{"reference": "Practitioner/dr1"}]
    targets = compile_path("Encounter.participant.individual.resolve()").evaluate(ENCOUNTER)
    assert targets[1].resource_type is None


def test_resolve_finds_contained_resources() -> None:
    path = compile_path("MedicationRequest.medication.resolve().code.text")
    assert path.evaluate(MEDICATION_REQUEST) == ["阿司匹林"]


def test_reference_type_element_types_a_logical_reference() -> None:
    resource = {"resourceType": "Account", "subject": [{"type": "Patient", "identifier": {}}]}
    path = compile_path("Account.subject.where(resolve() is Patient)")
    assert path.evaluate(resource) == resource["subject"]


def test_extension_by_url() -> None:
    path = compile_path("Patient.extension('http://kangtong.example/ethnicity').value.code")
    assert path.evaluate(PATIENT) == ["01"]


def test_compile_for_type_keeps_only_branches_for_that_type() -> None:
    expression = "Patient.name | Practitioner.name | Organization.alias"
    assert compile_for_type(expression, "Observation") is None
    path = compile_for_type(expression, "Patient")
    assert path is not None and len(path.evaluate(PATIENT)) == 2


def test_compile_for_type_keeps_untyped_and_resource_branches() -> None:
    assert compile_for_type("name | alias", "InsurancePlan") is not None
    assert compile_for_type("Resource.id", "Observation") is not None


def test_evaluation_on_a_plain_mapping() -> None:
    from types import MappingProxyType

    assert compile_path("Patient.gender").evaluate(MappingProxyType(PATIENT)) == ["male"]
