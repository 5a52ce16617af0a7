"""Encounter records from FHIR resources held in memory (the synthetic district's output).

`synth` runs without a database, so its documents are assembled from the resources it has just
made: everything is indexed by reference once, then one record per Encounter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from kangtong.documents.assembly.record import (
    EncounterRecord,
    Resource,
    author_reference,
    reference_id,
)

# resource type → (field naming the Encounter, EncounterRecord field)
CLINICAL = {
    "Condition": ("encounter", "conditions"),
    "Observation": ("encounter", "observations"),
    "DiagnosticReport": ("encounter", "reports"),
    "MedicationRequest": ("encounter", "medications"),
    "Procedure": ("encounter", "procedures"),
    "AllergyIntolerance": ("encounter", "allergies"),
    "Immunization": ("encounter", "immunizations"),
}


class ResourceIndex:
    """Resources by type and id, and clinical resources by the Encounter they belong to."""

    def __init__(self) -> None:
        self.by_id: dict[tuple[str, str], Resource] = {}
        self.encounters: list[Resource] = []
        self.clinical: dict[str, dict[str, list[Resource]]] = defaultdict(lambda: defaultdict(list))

    def add(self, resources: Iterable[Resource]) -> ResourceIndex:
        for resource in resources:
            res_type = str(resource.get("resourceType"))
            self.by_id[res_type, str(resource.get("id"))] = resource
            if res_type == "Encounter":
                self.encounters.append(resource)
            elif res_type in CLINICAL:
                link, kind = CLINICAL[res_type]
                encounter_id = reference_id(resource.get(link), "Encounter")
                if encounter_id is not None:
                    self.clinical[encounter_id][kind].append(resource)
        return self

    def record(self, encounter: Resource) -> EncounterRecord | None:
        """The record of one Encounter; None when its patient is not in the index."""
        patient_id = reference_id(encounter.get("subject"), "Patient")
        patient = self.by_id.get(("Patient", patient_id or ""))
        if patient is None:
            return None
        author_id = author_reference(encounter)
        organization_id = reference_id(encounter.get("serviceProvider"), "Organization")
        clinical = self.clinical.get(str(encounter["id"]), {})
        return EncounterRecord(
            patient=patient,
            encounter=encounter,
            custodian=self.by_id.get(("Organization", organization_id or "")),
            author=self.by_id.get(("Practitioner", author_id or "")),
            **{kind: list(clinical.get(kind, [])) for _, kind in CLINICAL.values()},
        )

    def records(self) -> Iterator[EncounterRecord]:
        for encounter in self.encounters:
            record = self.record(encounter)
            if record is not None:
                yield record
