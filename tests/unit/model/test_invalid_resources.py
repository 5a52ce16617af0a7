"""Each kind of structural error is reported with its FHIR issue code and a FHIRPath-like path."""

from __future__ import annotations

from typing import Any

import pytest

from kangtong.fhir.model import ResourceValidator

from . import r4_examples as examples

Resource = dict[str, Any]


def found(validator: ResourceValidator, resource: Any) -> set[tuple[str, str]]:
    """(code, path) of every issue, for comparing with what a test expects."""
    return {(issue.code, issue.path) for issue in validator.validate(resource)}


def test_a_resource_must_be_a_json_object(validator: ResourceValidator) -> None:
    [issue] = validator.validate(["Patient"])  # type: ignore[arg-type]
    assert (issue.severity, issue.code) == ("fatal", "structure")


@pytest.mark.parametrize(
    ("resource_type", "code"),
    [
        (None, "structure"),
        (42, "structure"),
        ("Bot", "not-supported"),
        ("patient", "not-supported"),
    ],
)
def test_the_resource_type_must_name_an_r4_resource(
    validator: ResourceValidator, resource_type: Any, code: str
) -> None:
    resource = {"id": "x"} if resource_type is None else {"resourceType": resource_type}
    assert {c for c, _ in found(validator, resource)} == {code}


def test_unknown_properties_are_reported_where_they_are(validator: ResourceValidator) -> None:
    patient = examples.patient()
    patient["colour"] = "blue"
    patient["name"][0]["nickname"] = "小张"
    patient["fhir_comments"] = ["not in R4 JSON"]
    patient["address"][0]["resourceType"] = "Address"
    assert found(validator, patient) == {
        ("structure", "Patient.colour"),
        ("structure", "Patient.name[0].nickname"),
        ("structure", "Patient.fhir_comments"),
        ("structure", "Patient.address[0].resourceType"),
    }


def test_missing_required_elements_are_reported(validator: ResourceValidator) -> None:
    observation = examples.blood_pressure()
    del observation["status"], observation["code"]
    del observation["component"][1]["code"]
    assert found(validator, observation) == {
        ("required", "Observation.status"),
        ("required", "Observation.code"),
        ("required", "Observation.component[1].code"),
    }


def test_a_required_choice_is_missing_when_none_of_its_keys_is_present(
    validator: ResourceValidator,
) -> None:
    request = examples.medication_request()
    del request["medicationCodeableConcept"]
    assert found(validator, request) == {("required", "MedicationRequest.medication")}


@pytest.mark.parametrize(
    ("key", "value", "path"),
    [
        ("birthDate", ["1990-03-07"], "Patient.birthDate"),  # max 1 as an array
        ("maritalStatus", [{"text": "已婚"}], "Patient.maritalStatus"),
        ("name", {"text": "张伟"}, "Patient.name"),  # max * as a single object
        ("identifier", [], "Patient.identifier"),  # empty array
        ("active", None, "Patient.active"),  # null
        ("telecom", [None], "Patient.telecom[0]"),
        ("managingOrganization", "Organization/1", "Patient.managingOrganization"),
        ("address", ["北京市"], "Patient.address[0]"),
    ],
)
def test_cardinality_and_json_shape_are_enforced(
    validator: ResourceValidator, key: str, value: Any, path: str
) -> None:
    patient = examples.patient()
    patient[key] = value
    assert found(validator, patient) == {("structure", path)}


def test_null_in_a_primitive_array_needs_an_extension_at_that_index(
    validator: ResourceValidator,
) -> None:
    patient = examples.patient()
    patient["name"][0]["given"] = ["伟", None]
    assert found(validator, patient) == {("structure", "Patient.name[0].given[1]")}


@pytest.mark.parametrize(
    ("underscore_value", "path"),
    [
        ("2024", "Patient.name[0].given"),  # not an array
        ([None], "Patient.name[0].given"),  # not as long as given
        ([None, None], "Patient.name[0].given[1]"),  # neither value nor extension
        ([None, "x"], "Patient.name[0].given[1]"),  # entries are objects or null
    ],
)
def test_primitive_extension_arrays_must_line_up_with_their_values(
    validator: ResourceValidator, underscore_value: Any, path: str
) -> None:
    patient = examples.patient()
    patient["name"][0]["given"] = ["伟", None]
    patient["name"][0]["_given"] = underscore_value
    assert ("structure", path) in found(validator, patient)


def test_primitive_extension_objects_are_checked_like_elements(
    validator: ResourceValidator,
) -> None:
    patient = examples.patient()
    patient["_birthDate"] = {"extension": [{"valueString": "no url"}]}
    patient["_gender"] = "male"
    patient["_name"] = [{"id": "n"}]
    assert found(validator, patient) == {
        ("required", "Patient.birthDate.extension[0].url"),
        ("structure", "Patient.gender"),
        ("structure", "Patient._name"),
    }


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        ("Patient", "active", "true"),
        ("Patient", "birthDate", "1990-02-30"),
        ("Patient", "birthDate", "1990-3-7"),
        ("Patient", "birthDate", "1990-03-07T10:00:00+08:00"),
        ("Patient", "deceasedDateTime", "2024-03-01T09:15+08:00"),
        ("Patient", "deceasedDateTime", "2024-03-01T09:15:00"),
        ("Patient", "id", "pat_110101"),
        ("Patient", "id", "x" * 65),
        ("Patient", "implicitRules", "http://example.org/rules v2"),
        ("Patient", "language", "zh  CN"),
        ("Patient", "multipleBirthInteger", 1.5),
        ("Patient", "multipleBirthInteger", 2**31),
        ("Patient", "multipleBirthBoolean", 1),
        ("Patient", "gender", ""),
    ],
)
def test_primitive_values_must_match_their_type(
    validator: ResourceValidator, path: str, key: str, value: Any
) -> None:
    patient = examples.patient()
    patient[key] = value
    assert found(validator, patient) == {("value", f"{path}.{key}")}


@pytest.mark.parametrize(
    ("set_value", "path"),
    [
        (lambda o: o["valueQuantity"].update(value="6.3"), "Observation.valueQuantity.value"),
        (lambda o: o.update(issued="2024-03-01"), "Observation.issued"),
        (lambda o: o["note"][0].update(text=""), "Observation.note[0].text"),
        (lambda o: o["note"][0].update(text="长" * 1_048_577), "Observation.note[0].text"),
        (lambda o: o.update(valueTime="25:00:00"), "Observation.valueTime"),
        (
            lambda o: o["code"]["coding"][0].update(system="loinc org"),
            "Observation.code.coding[0].system",
        ),
        (
            lambda o: o["valueQuantity"].update(value=float("nan")),
            "Observation.valueQuantity.value",
        ),
    ],
)
def test_nested_primitive_values_are_checked_with_their_path(
    validator: ResourceValidator, set_value: Any, path: str
) -> None:
    observation = examples.glucose()
    if path == "Observation.valueTime":
        del observation["valueQuantity"]
    set_value(observation)
    assert found(validator, observation) == {("value", path)}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("data", "abc"),
        ("data", "不是base64"),
        ("url", ""),
        ("size", -1),
        ("size", "1024"),
        ("hash", "===="),
    ],
)
def test_attachment_primitives(validator: ResourceValidator, key: str, value: Any) -> None:
    media = {
        "resourceType": "Media",
        "status": "completed",
        "content": {"contentType": "image/png", "data": "aGVsbG8=", key: value},
    }
    issues = found(validator, media)
    if key == "hash" and value == "====":
        assert issues == set()  # four padding characters are base64 syntax
    else:
        assert issues == {("value", f"Media.content.{key}")}


@pytest.mark.parametrize(
    ("key", "value", "valid"),
    [
        ("valueOid", "urn:oid:2.16.156.10011.1.1", True),
        ("valueOid", "2.16.156.10011.1.1", False),
        ("valueUuid", "urn:uuid:6f1c2b55-0000-4000-8000-000000000000", True),
        ("valueUuid", "urn:uuid:6F1C2B55-0000-4000-8000-000000000000", False),
        ("valueCanonical", "http://example.org/fhir/StructureDefinition/x|1.0", True),
        ("valueUrl", "http://example.org/a b", False),
        ("valuePositiveInt", 0, False),
        ("valueUnsignedInt", 0, True),
        ("valueUnsignedInt", -1, False),
        ("valueInstant", "2024-03-01T09:15:00.123Z", True),
        ("valueTime", "24:00:00", False),
        ("valueMarkdown", "**加粗**", True),
    ],
)
def test_identifier_like_and_numeric_primitives(
    validator: ResourceValidator, key: str, value: Any, valid: bool
) -> None:
    patient = examples.patient()
    patient["extension"] = [{"url": "http://example.org/x", key: value}]
    expected = set() if valid else {("value", f"Patient.extension[0].{key}")}
    assert found(validator, patient) == expected


def test_only_one_key_of_a_choice_element_may_be_present(validator: ResourceValidator) -> None:
    observation = examples.glucose()
    observation["valueString"] = "6.3 mmol/L"
    observation["component"] = [
        {"code": {"text": "x"}, "valueBoolean": True, "valueInteger": 1},
        {
            "code": {"text": "y"},
            "valueString": "正常",
            "_valueString": {"extension": [{"url": "http://e.org/x", "valueCode": "c"}]},
        },
    ]
    assert found(validator, observation) == {
        ("structure", "Observation.value"),
        ("structure", "Observation.component[0].value"),
    }


def test_required_bindings_reject_codes_outside_the_value_set(
    validator: ResourceValidator,
) -> None:
    patient = examples.patient()
    patient["gender"] = "男"
    patient["telecom"][0]["system"] = "wechat"
    patient["name"][0]["use"] = "Official"
    assert found(validator, patient) == {
        ("code-invalid", "Patient.gender"),
        ("code-invalid", "Patient.telecom[0].system"),
        ("code-invalid", "Patient.name[0].use"),
    }


def test_contained_and_bundled_resources_are_validated_as_resources(
    validator: ResourceValidator,
) -> None:
    patient = examples.patient()
    patient["contained"] = [{"resourceType": "Organization", "name": "", "active": "yes"}]
    bundle = examples.transaction_bundle()
    bundle["entry"][1]["resource"]["status"] = "done"
    bundle["entry"][2]["resource"] = {"resourceType": "Unknown"}
    bundle["entry"][3]["request"]["method"] = "PATCHY"
    assert found(validator, patient) == {
        ("value", "Patient.contained[0].name"),
        ("value", "Patient.contained[0].active"),
    }
    assert found(validator, bundle) == {
        ("code-invalid", "Bundle.entry[1].resource.status"),
        ("not-supported", "Bundle.entry[2].resource"),
        ("code-invalid", "Bundle.entry[3].request.method"),
    }


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        ({"valueString": "x"}, {("required", "Patient.extension[0].url")}),
        ({"url": "http://e.org/a"}, {("invariant", "Patient.extension[0]")}),
        (
            {
                "url": "http://e.org/a",
                "valueString": "x",
                "extension": [{"url": "b", "valueCode": "c"}],
            },
            {("invariant", "Patient.extension[0]")},
        ),
        (
            {"url": "http://e.org/a", "valueString": "x", "valueCode": "y"},
            {("structure", "Patient.extension[0].value")},
        ),
        (
            {"url": "http://e.org/a", "valueHumanName": {}},
            {("invariant", "Patient.extension[0].valueHumanName")},
        ),
    ],
)
def test_extensions_have_a_url_and_either_a_value_or_extensions(
    validator: ResourceValidator, extension: Resource, expected: set[tuple[str, str]]
) -> None:
    patient = examples.patient()
    patient["extension"] = [extension]
    assert found(validator, patient) == expected


def test_empty_objects_and_objects_with_only_an_id_break_ele_1(
    validator: ResourceValidator,
) -> None:
    patient = examples.patient()
    patient["maritalStatus"] = {}
    patient["name"][0]["period"] = {"id": "p1"}
    assert found(validator, patient) == {
        ("invariant", "Patient.maritalStatus"),
        ("invariant", "Patient.name[0].period"),
    }


def test_every_issue_is_reported_not_just_the_first(validator: ResourceValidator) -> None:
    observation = examples.blood_pressure()
    observation["status"] = "done"
    observation["effectiveDateTime"] = "yesterday"
    for component in observation["component"]:
        component["valueQuantity"]["value"] = "high"
    issues = validator.validate(observation)
    assert len(issues) == 4
    assert all(issue.severity == "error" and issue.message for issue in issues)


def test_messages_are_readable_english(validator: ResourceValidator) -> None:
    patient = examples.patient()
    patient["gender"] = "男"
    [issue] = validator.validate(patient)
    assert "'男'" in issue.message
    assert "http://hl7.org/fhir/ValueSet/administrative-gender" in issue.message
