"""Where a served operation is declared in the CapabilityStatement, and which definition it names."""

from __future__ import annotations

from kangtong.core.canonical import BASE
from kangtong.fhir.operation_definitions import ServedOperation, declared_operations

TYPES = {"Patient", "Encounter", "ValueSet", "Observation"}
HL7 = "http://hl7.org/fhir/OperationDefinition/"


def declared(*served: ServedOperation) -> list[tuple[str | None, str, str, tuple[str, ...]]]:
    return [(d.resource_type, d.name, d.definition, d.routes)
            for d in declared_operations(served, TYPES)]  # fmt: skip


def test_get_and_post_of_one_operation_are_one_entry_listing_both_routes() -> None:
    assert declared(
        ServedOperation("/ValueSet/$expand", ("GET",)),
        ServedOperation("/ValueSet/$expand", ("POST",)),
        ServedOperation("/ValueSet/{res_id}/$expand", ("GET",)),
    ) == [("ValueSet", "expand", HL7 + "ValueSet-expand",
           ("GET, POST [base]/ValueSet/$expand", "GET [base]/ValueSet/{res_id}/$expand"))]  # fmt: skip


def test_an_operation_for_any_type_is_declared_once_at_rest_level() -> None:
    assert declared(ServedOperation("/{res_type}/$validate", ("POST",))) == [
        (None, "validate", HL7 + "Resource-validate", ("POST [base]/{res_type}/$validate",))
    ]


def test_a_generic_route_of_a_type_specific_operation_is_declared_on_those_types() -> None:
    found = declared(ServedOperation("/{res_type}/{res_id}/$everything", ("GET",)))
    assert [(t, d, r) for t, _, d, r in found] == [
        ("Encounter", HL7 + "Encounter-everything", ("GET [base]/Encounter/{res_id}/$everything",)),
        ("Patient", HL7 + "Patient-everything", ("GET [base]/Patient/{res_id}/$everything",)),
    ]


def test_kangtongs_own_operations_are_named_under_the_canonical_base() -> None:
    assert [d for _, _, d, _ in declared(
        ServedOperation("/Observation/$stats", ("GET",)),
        ServedOperation("/mpi/reviews/{review_id}/$accept", ("POST",)),
        ServedOperation("/$reindex", ("POST",)),
        ServedOperation("/{res_type}/$touch", ("POST",)),
    )] == [
        f"{BASE}/OperationDefinition/mpi-reviews-accept",
        f"{BASE}/OperationDefinition/reindex",
        f"{BASE}/OperationDefinition/Resource-touch",
        f"{BASE}/OperationDefinition/Observation-stats",
    ]  # fmt: skip
