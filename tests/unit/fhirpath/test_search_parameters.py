"""Every FHIR R4 SearchParameter expression compiles, per base type, and evaluates cleanly."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest

from kangtong.fhir.fhirpath import CompiledPath, FhirPathError, compile_for_type

from .resources import CONDITION, OBSERVATION, PATIENT, REALISTIC_RESOURCES, FakeTypeModel

DEFINITIONS = Path(__file__).parents[3] / "src/kangtong/fhir/definitions/search-parameters-r4.json"

# Defects in the definitions file itself, not in the engine: the official R4 expression is
# "Account.subject.where(resolve() is Patient)"; the copy we ship lost its type name.
KNOWN_MALFORMED = {"Account-patient": ".subject.where(resolve() is Patient)"}


@cache
def search_parameters() -> list[dict[str, Any]]:
    bundle = orjson.loads(DEFINITIONS.read_bytes())
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"].get("expression")]


def compiled_for(code: str, base: str) -> CompiledPath:
    for parameter in search_parameters():
        if parameter["code"] == code and base in parameter["base"]:
            compiled = compile_for_type(parameter["expression"], base)
            assert compiled is not None
            return compiled
    raise LookupError(code)


def test_the_definitions_hold_every_r4_search_parameter() -> None:
    assert len(orjson.loads(DEFINITIONS.read_bytes())["entry"]) == 1375


@pytest.mark.parametrize("type_model", [None, FakeTypeModel()], ids=["untyped", "typed"])
def test_every_expression_compiles_for_each_of_its_base_types(type_model: Any) -> None:
    compiled = 0
    for parameter in search_parameters():
        if parameter["id"] in KNOWN_MALFORMED:
            continue
        for base in parameter["base"]:
            path = compile_for_type(parameter["expression"], base, type_model=type_model)
            assert path is not None, (parameter["id"], base)
            compiled += 1
    assert compiled > 1500


def test_known_malformed_definitions_are_rejected_with_a_position() -> None:
    for parameter in search_parameters():
        if parameter["id"] in KNOWN_MALFORMED:
            assert parameter["expression"] == KNOWN_MALFORMED[parameter["id"]]
            with pytest.raises(FhirPathError) as raised:
                compile_for_type(parameter["expression"], "Account")
            assert raised.value.position == 0


def test_every_expression_evaluates_on_realistic_resources_without_error() -> None:
    model = FakeTypeModel()
    evaluated = 0
    for resource in REALISTIC_RESOURCES:
        resource_type = resource["resourceType"]
        minimal = {"resourceType": resource_type, "id": "x"}
        for parameter in search_parameters():
            if parameter["id"] in KNOWN_MALFORMED:
                continue
            if not {resource_type, "Resource", "DomainResource"} & set(parameter["base"]):
                continue
            for type_model in (None, model):
                path = compile_for_type(
                    parameter["expression"], resource_type, type_model=type_model
                )
                assert path is not None
                path.evaluate_typed(resource)
                path.evaluate_typed(minimal)
                evaluated += 1
    assert evaluated > 200


def test_clinical_patient_keeps_only_patient_subjects() -> None:
    path = compiled_for("patient", "Observation")
    assert path.evaluate(OBSERVATION) == [{"reference": "Patient/p1"}]
    assert compiled_for("patient", "Condition").evaluate(CONDITION) == []


def test_clinical_date_reads_the_choice_for_each_type() -> None:
    assert compiled_for("date", "Observation").evaluate_typed(OBSERVATION) == [
        ("2024-03-01T09:30:00+08:00", "dateTime")
    ]


def test_value_quantity_reads_value_and_components() -> None:
    path = compiled_for("combo-value-quantity", "Observation")
    values = [value["value"] for value in path.evaluate(OBSERVATION)]
    assert values == [72.5, 120, 80]


def test_patient_deceased_is_a_boolean_test() -> None:
    path = compiled_for("deceased", "Patient")
    assert path.evaluate(PATIENT) == [False]
    dead = {**PATIENT, "deceasedBoolean": None, "deceasedDateTime": "2020-01-01"}
    del dead["deceasedBoolean"]
    assert path.evaluate(dead) == [True]


def test_shared_phone_parameter_reads_patient_telecom() -> None:
    path = compiled_for("phone", "Patient")
    assert path.evaluate(PATIENT) == [{"system": "phone", "value": "13800000000", "use": "mobile"}]


def test_bundle_composition_reads_the_first_entry() -> None:
    from .resources import BUNDLE

    path = compiled_for("composition", "Bundle")
    assert path.evaluate_typed(BUNDLE) == [(BUNDLE["entry"][0]["resource"], "Composition")]
