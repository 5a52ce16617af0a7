"""Gathering one Encounter's record through the resource service, as the caller sees the data.

Every read and search goes through `ResourceService` with the caller's AccessContext, so the
access rules (care relationship, consent, sealing) apply and each read is audited as a read of
the patient's record; a caller who may not see the Encounter or its patient gets Forbidden.
"""

from __future__ import annotations

from typing import Protocol

import orjson

from kangtong.core.errors import NotFound
from kangtong.documents.assembly.record import (
    EncounterRecord,
    Resource,
    author_reference,
    reference_id,
)
from kangtong.fhir.access import AccessContext
from kangtong.fhir.results import SearchResult, StoredResource

PAGE = "1000"  # an encounter's resources of one type fit in one page
# resource type → EncounterRecord field, searched by `encounter=`
BY_ENCOUNTER = {
    "Condition": "conditions",
    "Observation": "observations",
    "DiagnosticReport": "reports",
    "MedicationRequest": "medications",
    "Procedure": "procedures",
    "Immunization": "immunizations",
}


class RecordReader(Protocol):
    """The reads of the resource service the gatherer uses (fhir.service.ResourceService)."""

    def read(self, ctx: AccessContext, res_type: str, res_id: str) -> StoredResource: ...

    def search(
        self, ctx: AccessContext, res_type: str | None, params: list[tuple[str, str]]
    ) -> SearchResult: ...


def gather_record(reader: RecordReader, ctx: AccessContext, encounter_id: str) -> EncounterRecord:
    """The Encounter, its patient, author, custodian and clinical data, read as `ctx`."""
    encounter = _read(reader, ctx, "Encounter", encounter_id)
    if encounter is None:
        raise NotFound(f"Encounter/{encounter_id} not found")
    patient_id = reference_id(encounter.get("subject"), "Patient")
    patient = _read(reader, ctx, "Patient", patient_id) if patient_id else None
    if patient is None:
        raise NotFound(f"Encounter/{encounter_id} has no readable patient")
    author_id = author_reference(encounter)
    organization_id = reference_id(encounter.get("serviceProvider"), "Organization")
    clinical = {
        field: _search(reader, ctx, res_type, [("encounter", f"Encounter/{encounter_id}")])
        for res_type, field in BY_ENCOUNTER.items()
    }
    allergies = _search(reader, ctx, "AllergyIntolerance", [("patient", f"Patient/{patient_id}")])
    return EncounterRecord(
        patient=patient,
        encounter=encounter,
        custodian=_read(reader, ctx, "Organization", organization_id) if organization_id else None,
        author=_read(reader, ctx, "Practitioner", author_id) if author_id else None,
        allergies=allergies,
        **clinical,
    )


def _read(reader: RecordReader, ctx: AccessContext, res_type: str, res_id: str) -> Resource | None:
    try:
        stored = reader.read(ctx, res_type, res_id)
    except NotFound:
        return None
    if stored.content is None:
        return None
    found: Resource = orjson.loads(stored.content)
    return found


def _search(
    reader: RecordReader, ctx: AccessContext, res_type: str, params: list[tuple[str, str]]
) -> list[Resource]:
    result = reader.search(ctx, res_type, [*params, ("_count", PAGE)])
    return [orjson.loads(e.content) for e in result.entries if e.mode == "match"]
